"""``mercator manage proposals_generate``: run the nightly proposals from real deals now."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mercator.markets.services.proposals import proposals_generate


class Command(BaseCommand):
    help = "Propose group buys and auctions from the last 90 days of real deals (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="the window's last day, YYYY-MM-DD (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("today"):
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("--today must be YYYY-MM-DD") from exc
        counts = proposals_generate(today=today)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
