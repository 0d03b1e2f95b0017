"""``mercator manage grades_recompute``: run the nightly grade recompute now."""

from typing import Any

from django.core.management.base import BaseCommand

from mercator.membership.services.recompute import recompute


class Command(BaseCommand):
    help = "Recompute points and grades (idempotent; the nightly task does the same)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = recompute()
        self.stdout.write(
            f"standings={result.standings} upgrades={result.upgrades} "
            f"downgrades={result.downgrades} warnings={result.warnings} "
            f"listing_points={result.listing_points}"
        )
