"""``mercator manage forwards_deliver``: run forward trading's delivery sweep now (the
worker runs it hourly). Idempotent."""

from typing import Any

from django.core.management.base import BaseCommand

from mercator.markets.services.forwards import forwards_deliver_due


class Command(BaseCommand):
    help = "Convert due forward contracts into orders and settle delivering ones."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = forwards_deliver_due()
        self.stdout.write(", ".join(f"{k}={v}" for k, v in counts.items()))
