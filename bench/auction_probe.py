"""The world, the in-process profile and the checks of `bench/bench_auction.py`, run inside
`mercator manage shell` (Django set up, against the bench's database).

- ``build_world``: one verified sugar mill with one SKU; two English auctions open for
  two hours (start 5 000/t, increment 1, no reserve, deposit 1 000, anti-sniping off):
  the storm's, and the raw-SQL baseline's; ``bidders`` verified buyer companies, each
  with its master, a funded wallet and a bearer token, every one registered for the
  storm's auction through ``auction_register`` (deposit held), the first ``raw_bidders``
  also for the baseline's.
- ``profile``: one bid captured statement by statement (``CaptureQueriesContext``), then
  the time of a bid in process: the service alone, the whole API call through Django's
  test client (middleware, authentication, the answer's live state), and the live read.
  On the baseline's auction, before the baseline runs.
- ``close_and_check``: after the storm, the accepted bids must strictly increase by
  sequence, each by at least the increment (none accepted below the high); then the close
  sweep runs twice and there must be exactly one winner, the last bidder at the high, and
  one order.
"""

import itertools
import statistics
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

START_PRICE = Decimal("5000")
INCREMENT = Decimal("1")
DEPOSIT = Decimal("1000")
QUANTITY = Decimal("100")
FUNDS = Decimal("100000")


def _fund(company: Any, amount: Decimal) -> None:
    """A bank deposit into the company's wallet (as tests/payments/conftest.fund_wallet)."""
    from django.db import transaction

    from mercator.payments.models import AccountKind, LedgerTransaction
    from mercator.payments.services.ledger import Leg, account_for, ledger_post

    with transaction.atomic():
        wallet = account_for(company=company, kind=AccountKind.WALLET, currency="CNY")
        bank = account_for(company=None, kind=AccountKind.BANK_CLEARING, currency="CNY")
        ledger_post(
            kind=LedgerTransaction.Kind.DEPOSIT,
            reference=f"company:{company.public_id}",
            legs=[Leg(account=bank, amount=-amount), Leg(account=wallet, amount=amount)],
            memo="bench deposit",
        )


def build_world(bidders: int, raw_bidders: int) -> dict[str, Any]:
    from django.utils import timezone

    from mercator.catalog.models import Category, Market, Product, Sku, Unit
    from mercator.companies.actors import actor_for_membership
    from mercator.companies.models import Company, Membership
    from mercator.companies.roles import Role
    from mercator.companies.services.members import company_create
    from mercator.companies.services.tokens import token_create
    from mercator.core.actor import SYSTEM
    from mercator.core.models import User
    from mercator.markets.services import auctions as services

    def company(n: int, short: str, kind: str) -> tuple[Company, Membership]:
        master = User.objects.create_user(
            email=f"boss{n}@auction.example", password=None, display_name=f"老板{n}"
        )
        made = company_create(
            actor=SYSTEM,
            master=master,
            legal_name=f"{short}有限公司",
            short_name=short,
            kind=kind,
            province="广西",
        )
        Company.objects.filter(pk=made.pk).update(
            verification_status=Company.Verification.VERIFIED, verified_at=timezone.now()
        )
        seat = Membership.objects.select_related("person", "company").get(
            company=made, role=Role.MASTER
        )
        return seat.company, seat

    _mill, mill_boss = company(0, "拍卖糖厂", Company.Kind.SELLER)
    market, _ = Market.objects.get_or_create(
        code="sugar", defaults={"name": "食糖", "favours": ["better", "cheaper"]}
    )
    category, _ = Category.objects.get_or_create(
        code="white-sugar", defaults={"market": market, "name": "白砂糖"}
    )
    product = Product.objects.create(
        seller=mill_boss.company,
        category=category,
        name="一级白砂糖",
        grade="国标一级",
        unit=Unit.TONNE,
    )
    sku = Sku.objects.create(
        product=product,
        seller=mill_boss.company,
        code="WS1-AUCTION",
        name="50kg 袋装",
        unit=Unit.TONNE,
    )
    seller = actor_for_membership(mill_boss, via="api")

    def auction(title: str) -> Any:
        draft = services.auction_create(
            actor=seller,
            data={
                "kind": "english",
                "sku": str(sku.public_id),
                "title": title,
                "quantity": str(QUANTITY),
                "unit": "t",
                "start_price": str(START_PRICE),
                "min_increment": str(INCREMENT),
                "deposit_amount": str(DEPOSIT),
                "anti_snipe_minutes": 0,
                "extend_minutes": 0,
                "ends_at": (timezone.now() + timedelta(hours=2)).isoformat(),
                "province": "广西",
                "location": "崇左仓",
            },
        )
        return services.auction_publish(actor=seller, auction_id=draft.public_id)

    storm, baseline = auction("压测：一级白砂糖 100 吨"), auction("基线：一级白砂糖 100 吨")
    tokens: list[str] = []
    raw: list[dict[str, Any]] = []
    for n in range(1, bidders + 1):
        buyer, seat = company(n, f"竞买食品{n}", Company.Kind.BUYER)
        _fund(buyer, FUNDS)
        actor = actor_for_membership(seat, via="api")
        tokens.append(token_create(actor=actor, name="bench")[1])
        services.auction_register(actor=actor, auction_id=storm.public_id)
        if n <= raw_bidders:
            me = services.auction_register(actor=actor, auction_id=baseline.public_id)
            raw.append(
                {
                    "participant": me.pk,
                    "membership": seat.pk,
                    "person": seat.person_id,
                    "company_ref": actor.company_ref,
                    "alias": me.alias_no,
                }
            )
    return {
        "auction": str(storm.public_id),
        "auction_pk": storm.pk,
        "auction_number": storm.number,
        "baseline": str(baseline.public_id),
        "baseline_pk": baseline.pk,
        "baseline_number": baseline.number,
        "start_price": str(START_PRICE),
        "increment": str(INCREMENT),
        "tokens": tokens,
        "raw": raw,
    }


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "mean": round(statistics.fmean(ordered), 2),
        "p50": round(ordered[len(ordered) // 2], 2),
        "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
    }


def profile(world: dict[str, Any], token: str, rounds: int = 200) -> dict[str, Any]:
    """One bid's statements, and in-process timings on the baseline's auction (one
    bidder, one at a time: the cost of a bid without contention or HTTP)."""
    import json

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mercator.companies.actors import actor_for_membership
    from mercator.companies.models import Membership
    from mercator.markets.models import Auction
    from mercator.markets.services import auctions as services

    seat = Membership.objects.select_related("person", "company").get(
        pk=world["raw"][0]["membership"]
    )
    actor = actor_for_membership(seat, via="api")
    auction_id = world["baseline"]

    def next_price() -> str:
        row = Auction.objects.filter(public_id=auction_id).values("high_price").get()
        high = row["high_price"]
        return str(START_PRICE if high is None else high + INCREMENT)

    services.auction_bid(actor=actor, auction_id=auction_id, price=next_price())  # warm
    price = next_price()
    with CaptureQueriesContext(connection) as service_sql:
        services.auction_bid(actor=actor, auction_id=auction_id, price=price)
    # Read now: every request the test client makes below clears the connection's log.
    service_statements = [q["sql"] for q in service_sql.captured_queries]
    service_ms: list[float] = []
    for _ in range(rounds):
        price = next_price()
        t0 = time.perf_counter()
        services.auction_bid(actor=actor, auction_id=auction_id, price=price)
        service_ms.append((time.perf_counter() - t0) * 1000)

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", SERVER_NAME="127.0.0.1")
    url = f"/api/v1/auctions/{auction_id}"

    def post(price: str) -> int:
        answer = client.post(
            f"{url}/bids", data=json.dumps({"price": price}), content_type="application/json"
        )
        return answer.status_code

    if post(next_price()) != 200:
        raise RuntimeError("profile: the in-process API bid was not accepted")
    price = next_price()
    with CaptureQueriesContext(connection) as api_sql:
        status = post(price)
    if status != 200:
        raise RuntimeError(f"profile: the in-process API bid answered {status}")
    api_statements = [q["sql"] for q in api_sql.captured_queries]
    api_ms: list[float] = []
    for _ in range(rounds):
        price = next_price()
        t0 = time.perf_counter()
        post(price)
        api_ms.append((time.perf_counter() - t0) * 1000)
    stale = str(START_PRICE)  # always refused: the 409 path
    t_refused: list[float] = []
    for _ in range(rounds // 2):
        t0 = time.perf_counter()
        post(stale)
        t_refused.append((time.perf_counter() - t0) * 1000)
    live_ms: list[float] = []
    for _ in range(rounds // 2):
        t0 = time.perf_counter()
        client.get(f"{url}/live")
        live_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "service_sql": service_statements,
        "api_sql": api_statements,
        "service_ms": _ms(service_ms),
        "api_ms": _ms(api_ms),
        "api_refused_ms": _ms(t_refused),
        "live_ms": _ms(live_ms),
    }


def close_and_check(auction_pk: int) -> dict[str, Any]:
    """The storm's books, then the close sweep twice; raises on any violation."""
    from django.db import transaction
    from django.utils import timezone

    from mercator.markets.models import Auction, Bid
    from mercator.markets.services.auctions import auctions_close_due
    from mercator.trading.models import Order

    auction = Auction.objects.get(pk=auction_pk)
    bids = list(
        Bid.objects.filter(auction=auction)
        .order_by("sequence")
        .values_list("sequence", "price", "participant_id")
    )
    faults: list[str] = []
    if [s for s, _p, _w in bids] != list(range(1, len(bids) + 1)):
        faults.append("sequences are not 1..n without gaps")
    below = sum(
        1
        for (_s0, p0, _w0), (_s1, p1, _w1) in itertools.pairwise(bids)
        if p1 < p0 + auction.min_increment
    )
    if below:
        faults.append(f"{below} bids accepted below the high + increment")
    if bids and bids[0][1] < auction.start_price:
        faults.append("the first bid is below the start price")
    if len(bids) != auction.bid_count:
        faults.append(f"{len(bids)} bid rows but bid_count {auction.bid_count}")
    last = bids[-1] if bids else None
    if last and (auction.high_price != last[1] or auction.high_participant_id != last[2]):
        faults.append("the auction's high is not the last accepted bid")
    # The close: its end put one second in the past (as the tests' ``end`` helper does),
    # then the sweep twice, as two workers or a restarted one would.
    with transaction.atomic():
        Auction.objects.filter(pk=auction_pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    t0 = time.perf_counter()
    first = auctions_close_due()
    close_ms = (time.perf_counter() - t0) * 1000
    second = auctions_close_due()
    auction.refresh_from_db()
    orders = Order.objects.filter(origin=auction.ref)
    if first != 1 or second != 0:
        faults.append(f"the sweep changed {first} then {second} auctions (want 1 then 0)")
    if auction.status != Auction.Status.CLOSED or auction.winner_id is None:
        faults.append(f"status {auction.status}, winner {auction.winner_id}")
    if last and (auction.winner_id != last[2] or auction.winning_price != last[1]):
        faults.append("the winner is not the last bidder at the high")
    if orders.count() != 1:
        faults.append(f"{orders.count()} orders for the auction (want 1)")
    order = orders.first()
    return {
        "bids": len(bids),
        "high": str(auction.high_price),
        "below_high": below,
        "sweeps": [first, second],
        "close_ms": round(close_ms, 1),
        "status": auction.status,
        "winners": int(auction.winner_id is not None),
        "winning_price": str(auction.winning_price),
        "orders": orders.count(),
        "order_total": str(order.total) if order else None,
        "faults": faults,
    }
