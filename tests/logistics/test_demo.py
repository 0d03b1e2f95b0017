"""The demo's logistics flow (issue 13): the three warehouses with their operators, the
Yantai rule charging exactly 30 days whatever the wait (through the ledger, in the sold
orders' three flows), the cooperative's lots waiting, listed, receipted and sold by
receipt, the pick-up and the inbound still to come, the stocktake's open difference,
depositors seeing only their own lots, and a second build adding nothing. One build of
the whole demo (it is slow), then every check."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.core.models import AuditEntry
from mercator.demo.build import demo_build
from mercator.demo.logistics import APPLE_RATE, APPLES, BOARD_LOTS, NEXT_WEEK, build_logistics
from mercator.logistics.models import (
    Inbound,
    Lot,
    LotListing,
    Outbound,
    ReceiptEvent,
    Release,
    Stocktake,
    StocktakeLine,
    StoragePolicy,
    Warehouse,
    WarehouseReceipt,
)
from mercator.logistics.selectors import lots_visible_to
from mercator.payments.models import LedgerTransaction
from mercator.payments.selectors.ledger import ledger_problems
from mercator.trading.models import CartItem, Order
from mercator.trading.selectors.flows import order_three_flows

pytestmark = pytest.mark.django_db


def _actor(email: str, company: str):
    seat = Membership.objects.get(person__email=email, company__short_name=company)
    return actor_for_membership(seat, via="web")


def _lot(note: str) -> Lot:
    return Inbound.objects.get(note=note).lot


def _age(lot: Lot) -> int:
    return (timezone.localdate() - timezone.localtime(lot.received_at).date()).days


def _counts() -> tuple[int, ...]:
    models = (Warehouse, StoragePolicy, Inbound, Lot, Release, Outbound, WarehouseReceipt)
    return (
        *(m.objects.count() for m in models),
        ReceiptEvent.objects.count(),
        Stocktake.objects.count(),
        Order.objects.count(),
        LedgerTransaction.objects.count(),
        Company.objects.count(),
    )


def _warehouses() -> None:
    operators = dict(Warehouse.objects.values_list("code", "operator__short_name"))
    assert operators == {
        "qixia-cold": "烟台苹果冷库",
        "qinzhou-port": "平台自营",
        "linyi-timber": "临沂木业",
    }
    cold = Warehouse.objects.get(code="qixia-cold")
    assert cold.kind == "cold" and cold.province == "山东" and cold.city == "烟台"
    assert list(cold.accepts.values_list("code", flat=True)) == ["apple"]
    policy = StoragePolicy.objects.get(warehouse=cold, sku__isnull=True)
    assert policy.kind == StoragePolicy.Kind.FLAT_DAYS and policy.flat_days == 30
    assert policy.rate_per_day == APPLE_RATE and policy.payer == "depositor"
    for code in ("qinzhou-port", "linyi-timber"):
        kind = StoragePolicy.objects.get(warehouse__code=code, sku__isnull=True).kind
        assert kind == StoragePolicy.Kind.PER_DAY, code
    assert Warehouse.objects.get(code="qinzhou-port").kind == "port"


def _yantai_fees() -> None:
    """Each sold lot left after 20 and after 90 days; both paid 30 days × 1.50 × tonnes,
    taken from the cooperative's wallet by a ledger transaction on the order."""
    sold = [spec for spec in APPLES if spec.story == "sold"]
    waits = set()
    for spec in sold:
        lot = _lot(spec.note)
        (outbound,) = Outbound.objects.filter(lot=lot)
        quantity = Decimal(spec.quantity)
        expected = (quantity * APPLE_RATE * 30).quantize(Decimal("0.01"))
        assert outbound.quantity == quantity and outbound.days_charged == 30
        assert outbound.fee == expected, spec.note
        assert outbound.payer.short_name == "栖霞苹果合作社"
        waits.add(outbound.days_stored)
        release = outbound.release
        assert release.kind == Release.Kind.SALE and release.status == Release.Status.DONE
        order = Order.objects.get(public_id=release.order_ref.removeprefix("order:"))
        assert order.buyer.short_name == "华南食品" and order.seller.short_name == "栖霞苹果合作社"
        assert order.placed_by.person.email == "buyer@foodfactory.demo"
        assert order.paid_at is not None and order.status == Order.Status.SETTLED
        txn = LedgerTransaction.objects.get(kind="storage_fee", reference=order.ref)
        assert f"txn:{txn.public_id}" == outbound.ledger_ref
        assert order_three_flows(order)["logistics"]["storage"] == expected
        assert lot.status == Lot.Status.EMPTY and lot.on_hand == 0
    # The essay: a fee of 30 days whatever the real wait (one under, one far over).
    assert waits == {20, 90}
    assert ledger_problems() == []


def _waiting_and_receipts() -> None:
    coop = Company.objects.get(short_name="栖霞苹果合作社")
    food = Company.objects.get(short_name="华南食品")
    waiting = {
        _age(_lot(spec.note))
        for spec in APPLES
        if spec.story in ("wait", "pickup", "receipt") and _lot(spec.note).owner == coop
    }
    assert waiting == {12, 48, 75}
    held = WarehouseReceipt.objects.get(
        lot=_lot(next(s.note for s in APPLES if s.story == "receipt"))
    )
    assert held.status == WarehouseReceipt.Status.ACTIVE and held.holder == coop
    by_receipt = _lot(next(s.note for s in APPLES if s.story == "receipt_sold"))
    moved = WarehouseReceipt.objects.get(lot=by_receipt)
    assert moved.status == WarehouseReceipt.Status.ACTIVE and moved.holder == food
    assert by_receipt.owner == food and by_receipt.on_hand == Decimal("30")
    transfer = moved.events.get(action=ReceiptEvent.Action.TRANSFER)
    assert (transfer.from_company, transfer.to_company) == (coop, food)
    listed = _lot(next(s.note for s in APPLES if s.story == "listed"))
    assert listed.listed == Decimal("30") and LotListing.objects.filter(lot=listed).exists()
    pickup = Release.objects.get(lot=_lot(next(s.note for s in APPLES if s.story == "pickup")))
    assert pickup.kind == Release.Kind.PICKUP and pickup.status == Release.Status.PENDING
    coming = Inbound.objects.get(note=NEXT_WEEK.note)
    assert coming.status == Inbound.Status.BOOKED
    assert coming.expected_on == timezone.localdate() + timedelta(days=7)
    (take,) = Stocktake.objects.filter(warehouse__code="qixia-cold")
    open_lines = take.lines.filter(resolution=StocktakeLine.Resolution.OPEN)
    assert [line.difference for line in open_lines] == [Decimal("-0.18")]
    assert take.lines.filter(resolution=StocktakeLine.Resolution.MATCHED).count() >= 4


def _boards() -> None:
    boards = Lot.objects.filter(
        warehouse__code="qinzhou-port", owner__short_name="钦州桉木", sku__code="QZ-EU-18MM"
    )
    big = boards.get(on_hand__gte=800)
    assert big.unit == "m3" and _age(big) == 20
    # The transport demo ships the yard's newest eucalyptus lot: the barge's 1,200 m³.
    assert boards.first() == big and boards.count() == 2
    linyi = Lot.objects.get(warehouse__code="linyi-timber")
    assert linyi.owner.short_name == "临沂木业"
    assert len(BOARD_LOTS) == 3


def _scoping() -> None:
    """A depositor sees only its own lots; the store sees its warehouse's, no other's."""
    coop = lots_visible_to(_actor("boss@qixia-coop.demo", "栖霞苹果合作社"))
    assert coop.exists()
    assert set(coop.values_list("owner__short_name", flat=True)) == {"栖霞苹果合作社"}
    timber = lots_visible_to(_actor("boss@eucalyptus.demo", "钦州桉木"))
    assert set(timber.values_list("owner__short_name", flat=True)) == {"钦州桉木"}
    store = lots_visible_to(_actor("boss@yantai-apple.demo", "烟台苹果冷库"))
    assert set(store.values_list("warehouse__code", flat=True)) == {"qixia-cold"}
    food = lots_visible_to(_actor("buyer@foodfactory.demo", "华南食品"))
    assert set(food.values_list("owner__short_name", flat=True)) == {"华南食品"}


def test_demo_logistics_tells_the_yantai_story():
    demo_build()
    _warehouses()
    _yantai_fees()
    _waiting_and_receipts()
    _boards()
    _scoping()
    # 王采购's own cart (the orders demo's) survives the apple orders placed through it.
    buyer = Membership.objects.get(person__email="buyer@foodfactory.demo")
    assert CartItem.objects.filter(membership=buyer).count() == 3
    counts, audits = _counts(), AuditEntry.objects.count()
    build_logistics()
    assert (_counts(), AuditEntry.objects.count()) == (counts, audits)
    demo_build()
    assert _counts() == counts
