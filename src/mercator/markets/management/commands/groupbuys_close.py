"""``mercator manage groupbuys_close``: run the group-buy sweep now."""

from typing import Any

from django.core.management.base import BaseCommand

from mercator.markets.services.groupbuys import groupbuys_close_due


class Command(BaseCommand):
    help = "Settle group buys past their deadline (idempotent; the worker does the same)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = groupbuys_close_due()
        self.stdout.write(" ".join(f"{key}={value}" for key, value in result.items()))
