"""``mercator manage auctions_close``: run the auctions' close sweep once (what the
worker does every minute); safe to run beside the worker."""

from typing import Any

from django.core.management.base import BaseCommand

from mercator.markets.services.auctions import auctions_close_due


class Command(BaseCommand):
    help = "Close the auctions past their end and follow the winners' orders (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = auctions_close_due()
        self.stdout.write(f"auctions changed: {changed}")
