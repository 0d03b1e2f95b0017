from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mercator.companies.models import Company
from mercator.demo.build import demo_build
from mercator.demo.services import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Load the demo world (sugar mill, food factories, Yantai apples, timber traders)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Company.objects.exists():
            self.stdout.write("The database already has companies; demo world left as it is.")
        else:
            demo_build()
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for email, name, company, role in demo_logins():
            self.stdout.write(f"  {email:<28} {name:<6} {company:<8} {role}")
        self.stdout.write("")
