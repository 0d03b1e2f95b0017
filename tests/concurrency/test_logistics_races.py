"""The cold store under races on a real PostgreSQL (threads on pooled connections sized
to the server, tests/concurrency/pool.py):

- 40 pick-up requests of 3 t race for a lot of 100 t, then 40 executions of the releases
  made (some twice at once): never below zero, Σ released ≤ what was on hand, the lot's
  row equals its movements, each release carried out once;
- two transfers of one receipt at once: exactly one (the other 409 ``receipt_changed``
  or ``not_holder``), three rounds; a pledge racing a transfer: exactly one;
- two executions of one release's last part: exactly one;
- the owner withdrawing a pick-up while the warehouse carries it out: exactly one, and
  neither answers with a database error (the two once locked the release and the lot in
  opposite orders: a deadlock).
"""

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest

from mercator.core.errors import DomainError
from mercator.logistics.models import Lot, LotMovement, Outbound, Release, WarehouseReceipt
from mercator.logistics.services import (
    receipt_issue,
    receipt_pledge,
    receipt_transfer,
    release_cancel,
    release_execute,
    release_request,
)
from mercator.payments.selectors.ledger import ledger_problems
from tests.concurrency.pool import pool_size, run_pool
from tests.logistics.world import Yantai, make_yantai

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
REQUESTS = 40
PART = D("3")
LOT = D("100")
ROUNDS = 3


def codes(results: list[object]) -> Counter[str]:
    """What each job ended with: "ok" or its error's code (a non-domain error by name)."""
    out: Counter[str] = Counter()
    for r in results:
        if isinstance(r, DomainError):
            out[r.details.get("status", r.code) if r.code == "invalid_transition" else r.code] += 1
        elif isinstance(r, Exception):
            out[f"{type(r).__name__}: {r}"] += 1
        else:
            out["ok"] += 1
    return out


def lot_matches_movements(lot: Lot) -> None:
    lot.refresh_from_db()
    moves = LotMovement.objects.filter(lot=lot).values_list("kind", "quantity")
    book = sum((q if k in LotMovement.IN_KINDS else -q for k, q in moves), D("0"))
    assert lot.quantity_in - lot.quantity_out == lot.on_hand == book
    assert 0 <= lot.listed + lot.reserved <= lot.on_hand
    open_qty = sum(
        (r.open_qty for r in Release.objects.filter(lot=lot, status__in=("pending", "partial"))),
        D("0"),
    )
    assert lot.reserved == open_qty


def two(y: Yantai, first: Callable[[], object], second: Callable[[], object]) -> Counter[str]:
    return codes(run_pool([first, second], threads=pool_size(2, least=2)))


def test_forty_pickups_and_forty_executions_never_take_a_lot_below_zero():
    y = make_yantai()
    lot = y.receive(str(LOT), days_ago=10)
    grower, staff = y.actor(y.grower_boss), y.actor(y.store_boss)
    threads = pool_size(REQUESTS, least=8)

    def request() -> object:
        return release_request(actor=grower, lot_id=lot.public_id, quantity=str(PART))

    made = run_pool([request] * REQUESTS, threads=threads)
    got = codes(made)
    assert got == Counter({"ok": 33, "lot_short": 7}), got  # 33 × 3 t ≤ 100 t < 34 × 3 t
    lot_matches_movements(lot)
    assert lot.reserved == 33 * PART

    releases = [r for r in made if isinstance(r, Release)]
    # Each release once, the first seven twice: 40 executions at once.
    targets = releases + releases[:7]

    def execute(release: Release) -> Callable[[], object]:
        return lambda: release_execute(actor=staff, release_id=release.public_id)

    done = codes(run_pool([execute(r) for r in targets], threads=threads))
    assert done["ok"] == 33 and sum(done.values()) == 40, done
    assert set(done) <= {"ok", "done"}, done  # a repeat finds the release carried out
    lot_matches_movements(lot)
    released = sum(Outbound.objects.filter(lot=lot).values_list("quantity", flat=True), D("0"))
    assert released == 33 * PART <= LOT
    assert lot.on_hand == LOT - released and lot.reserved == 0
    for release in Release.objects.filter(lot=lot):
        assert release.status == "done" and release.released_qty == PART
        assert release.outbounds.count() == 1
    assert ledger_problems() == []


def test_two_transfers_of_one_receipt_give_exactly_one():
    y = make_yantai()
    grower = y.actor(y.grower_boss)
    for _round in range(ROUNDS):
        lot = y.receive("20")
        receipt = receipt_issue(actor=y.actor(y.store_boss), lot_id=lot.public_id)

        def to(company: object, receipt: WarehouseReceipt = receipt) -> Callable[[], object]:
            return lambda: receipt_transfer(
                actor=grower, receipt_id=receipt.public_id, to_company_id=company.public_id
            )

        got = two(y, to(y.buyer), to(y.outsider))
        assert got["ok"] == 1 and set(got) - {"ok"} <= {"receipt_changed", "not_holder"}, got
        receipt.refresh_from_db()
        lot.refresh_from_db()
        assert receipt.holder_id in (y.buyer.pk, y.outsider.pk)
        assert lot.owner_id == receipt.holder_id
        assert receipt.events.filter(action="transfer").count() == 1


def test_a_pledge_racing_a_transfer_gives_exactly_one():
    y = make_yantai()
    grower = y.actor(y.grower_boss)
    for _round in range(ROUNDS):
        lot = y.receive("20")
        receipt = receipt_issue(actor=y.actor(y.store_boss), lot_id=lot.public_id)
        got = two(
            y,
            lambda r=receipt: receipt_pledge(
                actor=grower, receipt_id=r.public_id, pledgee_id=y.buyer.public_id
            ),
            lambda r=receipt: receipt_transfer(
                actor=grower, receipt_id=r.public_id, to_company_id=y.outsider.public_id
            ),
        )
        assert got["ok"] == 1, got
        assert set(got) - {"ok"} <= {"receipt_changed", "not_holder", "receipt_pledged"}, got
        receipt.refresh_from_db()
        lot.refresh_from_db()
        if receipt.status == WarehouseReceipt.Status.PLEDGED:
            assert receipt.holder_id == y.grower.pk and lot.owner_id == y.grower.pk
            assert not receipt.events.filter(action="transfer").exists()
        else:
            assert receipt.holder_id == y.outsider.pk == lot.owner_id
            assert not receipt.events.filter(action="pledge").exists()


def test_two_executions_of_a_releases_last_part_give_one():
    y = make_yantai()
    lot = y.receive("50", days_ago=3)
    staff = y.actor(y.store_boss)
    for _round in range(ROUNDS):
        release = release_request(actor=y.actor(y.grower_boss), lot_id=lot.public_id, quantity="10")
        release_execute(actor=staff, release_id=release.public_id, quantity="6")

        def last(release: Release = release) -> object:
            return release_execute(actor=staff, release_id=release.public_id, quantity="4")

        got = two(y, last, last)
        assert got["ok"] == 1 and set(got) - {"ok"} <= {"done", "release_exceeded"}, got
        release.refresh_from_db()
        assert release.released_qty == D("10") and release.outbounds.count() == 2
        lot_matches_movements(lot)
    assert lot.on_hand == D("50") - ROUNDS * D("10")
    assert ledger_problems() == []


def test_withdrawing_a_pickup_while_it_is_carried_out_gives_one_and_no_deadlock():
    y = make_yantai()
    lot = y.receive("50", days_ago=3)
    grower, staff = y.actor(y.grower_boss), y.actor(y.store_boss)
    for _round in range(5):
        release = release_request(actor=grower, lot_id=lot.public_id, quantity="2")
        got = two(
            y,
            lambda r=release: release_cancel(actor=grower, release_id=r.public_id),
            lambda r=release: release_execute(actor=staff, release_id=r.public_id),
        )
        # Exactly one; the other a 409 naming the state it found (never a database error).
        assert got["ok"] == 1 and set(got) - {"ok"} <= {"done", "cancelled"}, got
        release.refresh_from_db()
        assert release.status in ("done", "cancelled")
        lot_matches_movements(lot)


def test_cancelling_a_paid_order_while_its_sale_is_carried_out_gives_one_and_no_deadlock():
    """Trading's cancel locks the order, then logistics the lot; the execution locks the
    lot and then (shipping the order) the order: it now takes the order first."""
    from mercator.trading.services import order_cancel
    from tests.logistics.world import buy

    y = make_yantai()
    lot = y.receive("50", days_ago=3)
    listing = y.list(lot, "30")
    for _round in range(ROUNDS):
        order = buy(y, listing, "4")
        release = Release.objects.get(order_ref=order.ref)
        got = two(
            y,
            lambda o=order: order_cancel(
                actor=y.actor(y.buyer_boss), order_id=o.public_id, reason="不要了"
            ),
            lambda r=release: release_execute(actor=y.actor(y.store_boss), release_id=r.public_id),
        )
        assert got["ok"] == 1, got
        assert all(not k.startswith("OperationalError") for k in got), got
        release.refresh_from_db()
        order.refresh_from_db()
        assert (release.status, order.status) in (("cancelled", "cancelled"), ("done", "shipped"))
        lot_matches_movements(lot)
    assert ledger_problems() == []
