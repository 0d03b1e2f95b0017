"""Run by bench_pages.py inside a prepared database's environment: renders the daily
pages of each demo role in process (Django's test client, signed in, no network) and
prints one JSON line per page: median and p95 milliseconds, SQL statements, bytes."""

import json
import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercator.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from mercator.community.models import Board, Post  # noqa: E402
from mercator.core.models import User  # noqa: E402
from mercator.trading.models import Order  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_PAGE_ROUNDS", "20"))


def order_of(email: str) -> str:
    person = User.objects.get(email=email)
    seat = person.memberships.filter(is_active=True).select_related("company").first()
    order = Order.objects.filter(buyer=seat.company).order_by("-placed_at").first()
    return f"/orders/{order.public_id}/"


PAGES: list[tuple[str, str]] = [
    ("boss@sugarmill.demo", "/"),
    ("boss@sugarmill.demo", "/orders/?side=sell"),
    ("boss@sugarmill.demo", "/company/approvals/"),
    ("sales@sugarmill.demo", "/"),
    ("finance@sugarmill.demo", "/"),
    ("buyer@foodfactory.demo", "/"),
    ("buyer@foodfactory.demo", "/cart/"),
    ("buyer@foodfactory.demo", "ORDER"),
    ("finance@foodfactory.demo", "/"),
    ("ops@mercator.demo", "/"),
    ("ops@mercator.demo", "/ops/disputes/"),
    ("buyer@foodfactory.demo", "/membership/"),
    ("buyer@foodfactory.demo", "/community/"),
    ("buyer@foodfactory.demo", "BOARD"),
    ("buyer@foodfactory.demo", "POST"),
    ("buyer@foodfactory.demo", "/community/search/?q=白糖"),
    ("ops@mercator.demo", "/ops/membership/?tab=standings"),
    ("ops@mercator.demo", "/ops/complaints/"),
]


def board_of() -> str:
    """The sugar board, the demo's liveliest."""
    board = Board.objects.filter(market__code="sugar").order_by("pk").first()
    return f"/community/boards/{board.public_id}/"


def post_of() -> str:
    """The sugar board's post with the most replies."""
    post = (
        Post.objects.filter(board__market__code="sugar", is_hidden=False)
        .annotate(n=Count("replies"))
        .order_by("-n")
        .first()
    )
    return f"/community/posts/{post.public_id}/"


def resolve(email: str, path: str) -> str:
    if path == "ORDER":
        return order_of(email)
    if path == "BOARD":
        return board_of()
    if path == "POST":
        return post_of()
    return path


def shown(path: str) -> str:
    names = {"ORDER": "/orders/<id>/", "BOARD": "/community/boards/<sugar>/",
             "POST": "/community/posts/<id>/"}  # fmt: skip
    return names.get(path, path)


def main() -> int:
    for email, path in PAGES:
        client = Client()
        client.force_login(User.objects.get(email=email))
        url = resolve(email, path)
        for _ in range(3):  # warm-up: templates, translations, connections
            client.get(url)
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                print(json.dumps({"error": f"{email} {url}: HTTP {response.status_code}"}))
                return 1
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.sort()
        print(
            json.dumps(
                {
                    "who": email,
                    "page": shown(path),
                    "p50": round(statistics.median(times), 1),
                    "p95": round(times[int(len(times) * 0.95) - 1], 1),
                    "sql": len(queries),
                    "kb": round(len(response.content) / 1024, 1),
                }
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
