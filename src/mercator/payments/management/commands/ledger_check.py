"""``mercator manage ledger_check``: print every ledger inconsistency (a cached balance
that differs from its entries, a negative balance where none is allowed, a transaction
that does not balance); exit 1 when there is any, 0 when the ledger is sound."""

import sys
from typing import Any

from django.core.management.base import BaseCommand

from mercator.payments.selectors.ledger import ledger_problems


class Command(BaseCommand):
    help = "Check the ledger: balances equal entries, transactions balance. Exit 1 on problems."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = ledger_problems()
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            self.stderr.write(f"{len(problems)} ledger problem(s)")
            sys.exit(1)
        self.stdout.write("ledger ok")
