"""Orders: placing from a quote and from the cart, stock, approval, the state machine,
payment into escrow, partial shipment and receipt, settlement, cancel, dispute, sweeps."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.catalog.models import Listing
from mercator.companies.models import ApprovalRequest, ApprovalRule
from mercator.companies.roles import Role
from mercator.companies.services.approvals import approval_decide, approval_rule_create
from mercator.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from mercator.core.models import AuditEntry
from mercator.payments.models import AccountKind, LedgerAccount
from mercator.payments.selectors.ledger import escrow_held, ledger_problems
from mercator.trading import services
from mercator.trading.models import Order, OrderEvent, Quote
from tests.factories import add_member
from tests.trading.conftest import World

pytestmark = pytest.mark.django_db

# Prepaid, delivered to 广东: 5000/t + 80/t freight.
PREPAID_UNIT = Decimal("5080.0000")


def accepted_quote(
    world: World, *, terms: str = "prepaid", days: int = 0, qty: str = "100"
) -> Quote:
    buyer, clerk = world.actor(world.food_buyer), world.actor(world.mill_clerk)
    rfq = services.rfq_create(
        actor=buyer,
        title="一级白砂糖",
        lines=[{"sku": str(world.sku.public_id), "quantity": qty, "unit": "t"}],
        deadline=timezone.now() + timedelta(days=3),
        payment_terms=terms,
        credit_days=days,
        delivery_method="delivery",
        destination_province="广东",
        seller_ids=[str(world.mill.public_id)],
    )
    quote = services.quote_create(
        actor=clerk,
        rfq_id=rfq.public_id,
        lines=[
            {
                "sku": str(world.sku.public_id),
                "quantity": qty,
                "rfq_line": 1,
                "listing": str(world.listing.public_id),
            }
        ],
    )
    services.quote_send(actor=clerk, quote_id=quote.public_id)
    return services.quote_accept(actor=buyer, quote_id=quote.public_id)


def place(world: World, **kw: object) -> Order:
    quote = accepted_quote(world, **kw)
    return services.order_place_from_quote(
        actor=world.actor(world.food_buyer), quote_id=quote.public_id
    )


def stock(world: World) -> Decimal:
    return Listing.objects.get(pk=world.listing.pk).stock


def balance(company: object, kind: str = AccountKind.WALLET) -> Decimal:
    account = LedgerAccount.objects.filter(company=company, kind=kind, currency="CNY").first()
    return account.balance if account else Decimal("0")


def escrow_total() -> Decimal:
    account = LedgerAccount.objects.filter(company=None, kind=AccountKind.ESCROW).first()
    return account.balance if account else Decimal("0")


def held_by_orders() -> Decimal:
    """Σ over paid, not settled and not cancelled orders of their escrow."""
    total = Decimal("0")
    for order in Order.objects.exclude(paid_at=None):
        total += escrow_held(reference=order.ref, currency=order.currency)
    return total


def assert_books_balance() -> None:
    assert ledger_problems() == []
    assert escrow_total() == held_by_orders()
    live = Order.objects.exclude(paid_at=None).exclude(status__in=["settled", "cancelled"])
    assert escrow_total() == sum((o.total for o in live), Decimal("0"))


def actions(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).values_list("action", flat=True))


# --------------------------------------------------------------------------- placing


def test_order_from_quote_copies_the_agreed_lines_and_reserves_stock(world):
    order = place(world)
    assert order.status == "approved" and order.source == "quote"
    assert order.number.startswith("SO") and len(order.number) == 16
    assert order.total == Decimal("508000.00") and order.freight_total == Decimal("8000.00")
    assert order.goods_total == Decimal("500000.00")
    assert order.fee_percent == Decimal("0.5")
    assert order.expires_at is not None and order.payment_terms == "prepaid"
    line = order.lines.get()
    assert line.unit_price == PREPAID_UNIT and line.quantity == 100 and line.reserved
    assert stock(world) == Decimal("4900")
    assert order.owner == world.food_buyer and order.seller_owner == world.mill_clerk
    assert actions(order) == ["place", "approve"]
    assert AuditEntry.objects.filter(action="order.place", target=order.ref).count() == 1


def test_one_order_per_quote(world):
    order = place(world)
    with pytest.raises(Conflict) as exc:
        services.order_place_from_quote(
            actor=world.actor(world.food_buyer), quote_id=order.quote.public_id
        )
    assert exc.value.code == "quote_already_ordered"
    assert Order.objects.count() == 1 and stock(world) == Decimal("4900")


def test_a_quote_not_accepted_cannot_become_an_order(world):
    quote = accepted_quote(world)
    Quote.objects.filter(pk=quote.pk).update(status="sent")
    with pytest.raises(InvalidTransition) as exc:
        services.order_place_from_quote(
            actor=world.actor(world.food_buyer), quote_id=quote.public_id
        )
    assert "已发出" in str(exc.value.message) or exc.value.details["status"] == "sent"
    assert Order.objects.count() == 0


def test_out_of_stock_is_409_and_writes_nothing(world):
    Listing.objects.filter(pk=world.listing.pk).update(stock=Decimal("40"))
    quote = accepted_quote(world)
    events, audits = OrderEvent.objects.count(), AuditEntry.objects.count()
    with pytest.raises(Conflict) as exc:
        services.order_place_from_quote(
            actor=world.actor(world.food_buyer), quote_id=quote.public_id
        )
    assert exc.value.code == "out_of_stock"
    assert exc.value.details["available"] == "40" and "白砂糖" in exc.value.details["product"]
    assert Order.objects.count() == 0 and stock(world) == Decimal("40")
    assert OrderEvent.objects.count() == events and AuditEntry.objects.count() == audits


def test_a_member_without_orders_place_gets_403(world):
    quote = accepted_quote(world)
    sales = add_member(world.food, Role.SALES)
    with pytest.raises(PermissionDenied):
        services.order_place_from_quote(actor=world.actor(sales), quote_id=quote.public_id)
    assert Order.objects.count() == 0


def test_order_above_the_buyers_rule_waits_then_is_approved(world):
    approval_rule_create(
        actor=world.actor(world.food_boss),
        name="超过 10 万需老板审批",
        document_kind=ApprovalRule.DocumentKind.ORDER,
        condition=ApprovalRule.Condition.AMOUNT_ABOVE,
        threshold=Decimal("100000"),
        approver_role=Role.MASTER,
    )
    order = place(world)
    assert order.status == "pending_approval" and order.approval_ref.startswith("approval:")
    assert actions(order) == ["place"]
    request = ApprovalRequest.objects.get(document=order.ref)
    approval_decide(
        actor=world.actor(world.food_boss), request_id=request.public_id, approve=True, comment=""
    )
    order.refresh_from_db()
    assert order.status == "approved" and order.approved_at is not None
    assert actions(order) == ["place", "approve"]


def test_rejected_approval_cancels_and_releases_stock(world):
    approval_rule_create(
        actor=world.actor(world.food_boss),
        name="超过 10 万需老板审批",
        document_kind=ApprovalRule.DocumentKind.ORDER,
        condition=ApprovalRule.Condition.AMOUNT_ABOVE,
        threshold=Decimal("100000"),
        approver_role=Role.MASTER,
    )
    order = place(world)
    assert stock(world) == Decimal("4900")
    request = ApprovalRequest.objects.get(document=order.ref)
    approval_decide(
        actor=world.actor(world.food_boss),
        request_id=request.public_id,
        approve=False,
        comment="太贵",
    )
    order.refresh_from_db()
    assert order.status == "cancelled" and stock(world) == Decimal("5000")
    assert actions(order) == ["place", "approval_rejected"]


# ------------------------------------------------------------------ state machine


def test_disallowed_transitions_are_409_naming_the_status_and_change_nothing(world):
    order = place(world)  # approved, unpaid prepaid
    seller, buyer = world.actor(world.mill_clerk), world.actor(world.food_buyer)
    boss = world.actor(world.food_boss)
    attempts = [
        lambda: services.order_ship(actor=seller, order_id=order.public_id),
        lambda: services.order_receive(actor=buyer, order_id=order.public_id),
        lambda: services.order_dispute(actor=boss, order_id=order.public_id, reason="x"),
        lambda: services.order_settle(order=order),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidTransition) as exc:
            attempt()
        assert "待付款" in str(exc.value.message)
        assert exc.value.details["status"] == "approved"
    services.order_cancel(actor=buyer, order_id=order.public_id, reason="不要了")
    order.refresh_from_db()
    events = OrderEvent.objects.count()
    later = [
        lambda: services.order_cancel(actor=buyer, order_id=order.public_id, reason="again"),
        lambda: services.order_pay(actor=boss, order_id=order.public_id, method="wallet"),
        lambda: services.order_ship(actor=seller, order_id=order.public_id),
    ]
    for attempt in later:
        with pytest.raises(InvalidTransition) as exc:
            attempt()
        assert "已取消" in str(exc.value.message)
    assert OrderEvent.objects.count() == events
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_cancel_needs_a_reason_and_releases_stock(world):
    order = place(world)
    buyer = world.actor(world.food_buyer)
    with pytest.raises(ValidationFailed):
        services.order_cancel(actor=buyer, order_id=order.public_id, reason=" ")
    assert stock(world) == Decimal("4900")
    services.order_cancel(
        actor=world.actor(world.mill_clerk), order_id=order.public_id, reason="缺货"
    )
    order.refresh_from_db()
    assert order.status == "cancelled" and order.cancel_reason == "缺货"
    assert stock(world) == Decimal("5000")


def test_expiry_sweep_cancels_unpaid_orders_and_is_idempotent(world):
    order = place(world)
    assert services.order_expire_sweep() == 0
    later = timezone.now() + timedelta(hours=49)
    # Reads treat a passed deadline as passed before the sweep runs.
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    order.refresh_from_db()
    assert order.effective_status() == "cancelled"
    with pytest.raises(InvalidTransition):
        services.order_pay(
            actor=world.actor(world.food_boss), order_id=order.public_id, method="wallet"
        )
    assert services.order_expire_sweep(now=later) == 1
    assert services.order_expire_sweep(now=later) == 0
    order.refresh_from_db()
    assert order.status == "cancelled" and stock(world) == Decimal("5000")
    assert actions(order)[-1] == "expire"


# ------------------------------------------------------------------------ COD flow


def test_cash_on_delivery_ships_first_then_pays_then_settles(world):
    order = place(world, terms="cod")
    assert order.expires_at is None and order.status == "approved"
    seller = world.actor(world.mill_clerk)
    line = order.lines.get()
    services.order_ship(
        actor=seller, order_id=order.public_id, lines=[{"line": 1, "quantity": "40"}]
    )
    order.refresh_from_db()
    assert order.status == "partially_shipped"
    with pytest.raises(ValidationFailed) as exc:
        services.order_ship(
            actor=seller, order_id=order.public_id, lines=[{"line": 1, "quantity": "61"}]
        )
    assert exc.value.details["line"] == 1
    services.order_ship(actor=seller, order_id=order.public_id)
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == "shipped" and line.shipped_qty == 100
    assert order.auto_settle_at is not None
    # Received before paying: received, settled once the money comes.
    services.order_receive(actor=world.actor(world.food_buyer), order_id=order.public_id)
    order.refresh_from_db()
    assert order.status == "received"
    # Not paid: the auto-settle sweep leaves it alone.
    assert services.order_auto_settle_sweep(now=timezone.now() + timedelta(days=30)) == 0
    from mercator.payments.services.gateway import sandbox_complete

    intent = services.order_pay(
        actor=world.actor(world.food_boss), order_id=order.public_id, method="gateway"
    )
    sandbox_complete(actor=world.actor(world.food_boss), intent_id=intent.public_id)
    order.refresh_from_db()
    assert order.status == "settled" and order.paid_at is not None
    assert balance(world.mill) == order.total - order.fee_amount
    assert escrow_total() == 0
    assert_books_balance()


# ----------------------------------------------------------------- money flows


def fund(company: object, amount: str) -> None:
    from django.db import transaction

    from mercator.payments.models import LedgerTransaction
    from mercator.payments.services.ledger import Leg, account_for, ledger_post

    value = Decimal(amount)
    with transaction.atomic():
        wallet = account_for(company=company, kind=AccountKind.WALLET, currency="CNY")
        bank = account_for(company=None, kind=AccountKind.BANK_CLEARING, currency="CNY")
        ledger_post(
            kind=LedgerTransaction.Kind.DEPOSIT,
            reference=f"company:{company.public_id}",
            legs=[Leg(account=bank, amount=-value), Leg(account=wallet, amount=value)],
            memo="test deposit",
        )


def pay_by_gateway(world: World, order: Order) -> None:
    from mercator.payments.services.gateway import sandbox_complete

    boss = world.actor(world.food_boss)
    intent = services.order_pay(actor=boss, order_id=order.public_id, method="gateway")
    assert intent.status == "pending" and intent.amount == order.total
    sandbox_complete(actor=boss, intent_id=intent.public_id)


def pay_by_bank(world: World, order: Order) -> None:
    """The buyer pays by bank transfer and the platform reconciles it (real money)."""
    from mercator.payments.models import AccountKind
    from mercator.payments.services.intents import intent_capture

    boss = world.actor(world.food_boss)
    intent = services.order_pay(actor=boss, order_id=order.public_id, method="bank_transfer")
    intent_capture(
        intent=intent, source_kind=AccountKind.BANK_CLEARING, external_id="bank:test-transfer"
    )


def test_full_prepaid_flow_partial_shipment_and_receipt(world):
    order = place(world)
    pay_by_gateway(world, order)
    order.refresh_from_db()
    assert order.status == "paid" and order.paid_at is not None and order.expires_at is None
    assert escrow_total() == order.total == Decimal("508000.00")
    assert_books_balance()
    seller, buyer = world.actor(world.mill_clerk), world.actor(world.food_buyer)
    first = services.order_ship(
        actor=seller,
        order_id=order.public_id,
        lines=[{"line": 1, "quantity": "40"}],
        carrier="顺丰",
        tracking_no="SF1",
    )
    assert first.number == 1
    order.refresh_from_db()
    assert order.status == "partially_shipped" and order.auto_settle_at is None
    services.order_ship(actor=seller, order_id=order.public_id)
    order.refresh_from_db()
    assert order.status == "shipped" and order.auto_settle_at is not None
    services.order_receive(
        actor=buyer, order_id=order.public_id, lines=[{"line": 1, "quantity": "30"}]
    )
    order.refresh_from_db()
    assert order.status == "shipped" and order.lines.get().received_qty == 30
    with pytest.raises(ValidationFailed):
        services.order_receive(
            actor=buyer, order_id=order.public_id, lines=[{"line": 1, "quantity": "71"}]
        )
    services.order_receive(actor=buyer, order_id=order.public_id)
    order.refresh_from_db()
    assert order.status == "settled" and order.fee_amount == Decimal("2540.00")
    assert order.is_real is False  # no invoice yet: not a real deal
    assert balance(world.mill) == Decimal("508000.00") - Decimal("2540.00")
    assert balance(None, AccountKind.FEE_REVENUE) == Decimal("2540.00")
    assert escrow_total() == 0
    shipments = list(order.shipments.order_by("number"))
    assert [s.received_at is not None for s in shipments] == [True, True]
    assert actions(order) == [
        "place",
        "approve",
        "pay_start",
        "paid",
        "ship",
        "ship",
        "receive",
        "receive",
        "settle",
    ]
    assert_books_balance()


def test_wallet_payment_is_captured_at_once(world):
    order = place(world)
    fund(world.food, "600000")
    intent = services.order_pay(
        actor=world.actor(world.food_boss), order_id=order.public_id, method="wallet"
    )
    assert intent.status == "succeeded"
    order.refresh_from_db()
    assert order.status == "paid"
    assert balance(world.food) == Decimal("92000.00")
    with pytest.raises(InvalidTransition):
        services.order_pay(
            actor=world.actor(world.food_boss), order_id=order.public_id, method="wallet"
        )
    assert balance(world.food) == Decimal("92000.00")
    assert_books_balance()


def test_cancel_after_payment_refunds_and_releases(world):
    order = place(world)
    pay_by_gateway(world, order)
    services.order_cancel(
        actor=world.actor(world.food_boss), order_id=order.public_id, reason="改主意"
    )
    order.refresh_from_db()
    assert order.status == "cancelled" and stock(world) == Decimal("5000")
    assert balance(world.food) == order.total and escrow_total() == 0
    assert_books_balance()


def test_money_arriving_for_a_cancelled_order_is_refunded(world):
    from mercator.payments.services.gateway import sandbox_complete

    order = place(world)
    boss = world.actor(world.food_boss)
    intent = services.order_pay(actor=boss, order_id=order.public_id, method="gateway")
    services.order_cancel(actor=boss, order_id=order.public_id, reason="不要了")
    sandbox_complete(actor=boss, intent_id=intent.public_id)
    order.refresh_from_db()
    assert order.status == "cancelled" and order.paid_at is None
    assert balance(world.food) == order.total and escrow_total() == 0
    assert actions(order)[-1] == "payment_refunded"
    assert_books_balance()


def test_auto_settle_sweep_pays_the_seller_unless_disputed(world):
    settled = place(world)
    disputed = place(world)
    for order in (settled, disputed):
        pay_by_gateway(world, order)
        services.order_ship(actor=world.actor(world.mill_clerk), order_id=order.public_id)
    services.order_dispute(
        actor=world.actor(world.food_boss), order_id=disputed.public_id, reason="质量不符"
    )
    assert services.order_auto_settle_sweep() == 0  # not yet due
    later = timezone.now() + timedelta(days=11)
    assert services.order_auto_settle_sweep(now=later) == 1
    assert services.order_auto_settle_sweep(now=later) == 0
    settled.refresh_from_db()
    disputed.refresh_from_db()
    assert settled.status == "settled" and disputed.status == "disputed"
    assert escrow_total() == disputed.total
    assert_books_balance()


def test_dispute_resolution_splits_the_money(world):
    order = place(world)
    pay_by_gateway(world, order)
    services.order_ship(
        actor=world.actor(world.mill_clerk),
        order_id=order.public_id,
        lines=[{"line": 1, "quantity": "60"}],
    )
    boss = world.actor(world.food_boss)
    services.order_dispute(actor=boss, order_id=order.public_id, reason="只到了 60 吨")
    with pytest.raises(PermissionDenied):
        services.order_dispute_resolve(actor=boss, order_id=order.public_id, refund_amount="1")
    operator = _operator()
    with pytest.raises(ValidationFailed):
        services.order_dispute_resolve(
            actor=operator, order_id=order.public_id, refund_amount="999999999"
        )
    services.order_dispute_resolve(
        actor=operator, order_id=order.public_id, refund_amount="203200.00"
    )
    order.refresh_from_db()
    assert order.status == "settled"
    released = Decimal("508000.00") - Decimal("203200.00")
    fee = Decimal("1524.00")  # 0.5 % of 304800
    assert order.fee_amount == fee
    assert balance(world.food) == Decimal("203200.00")
    assert balance(world.mill) == released - fee
    assert stock(world) == Decimal("4940")  # the 40 t never shipped are back
    assert escrow_total() == 0
    assert_books_balance()


def test_full_refund_in_a_dispute_cancels(world):
    order = place(world)
    pay_by_gateway(world, order)
    services.order_dispute(actor=world.actor(world.food_boss), order_id=order.public_id, reason="x")
    services.order_dispute_resolve(
        actor=_operator(), order_id=order.public_id, refund_amount=str(order.total)
    )
    order.refresh_from_db()
    assert order.status == "cancelled" and balance(world.food) == order.total
    assert stock(world) == Decimal("5000")
    assert_books_balance()


def _operator():
    from mercator.core.actor import Actor
    from tests.factories import UserFactory

    person = UserFactory(is_staff=True)
    return Actor(person=person, via="api")


def test_credit_order_consumes_the_line_and_settles_into_a_receivable(world):
    from mercator.payments.models import CreditLine, Receivable
    from mercator.payments.services.credit import credit_line_grant

    quote = accepted_quote(world, terms="credit", days=30)
    buyer = world.actor(world.food_buyer)
    with pytest.raises(Conflict):  # no credit line yet
        services.order_place_from_quote(actor=buyer, quote_id=quote.public_id)
    assert Order.objects.count() == 0 and stock(world) == Decimal("5000")
    credit_line_grant(
        actor=world.actor(world.mill_boss),
        buyer_id=world.food.public_id,
        limit=Decimal("600000"),
        days=60,
    )
    order = services.order_place_from_quote(actor=buyer, quote_id=quote.public_id)
    assert order.payment_terms == "credit" and order.credit_used == order.total
    assert order.expires_at is None
    line = CreditLine.objects.get()
    assert line.used == order.total
    with pytest.raises(Conflict):
        services.order_pay(
            actor=world.actor(world.food_boss), order_id=order.public_id, method="wallet"
        )
    services.order_ship(actor=world.actor(world.mill_clerk), order_id=order.public_id)
    services.order_receive(actor=buyer, order_id=order.public_id)
    order.refresh_from_db()
    assert order.status == "settled"
    receivable = Receivable.objects.get()
    assert receivable.amount == order.total and escrow_total() == 0
    assert balance(world.mill, AccountKind.CREDIT_RECEIVABLE) == order.total
    assert_books_balance()


def test_cancelling_a_credit_order_gives_the_credit_back(world):
    from mercator.payments.models import CreditLine
    from mercator.payments.services.credit import credit_line_grant

    credit_line_grant(
        actor=world.actor(world.mill_boss),
        buyer_id=world.food.public_id,
        limit=Decimal("600000"),
        days=60,
    )
    order = place(world, terms="credit", days=30)
    assert CreditLine.objects.get().used == order.total
    services.order_cancel(
        actor=world.actor(world.mill_clerk), order_id=order.public_id, reason="停产"
    )
    assert CreditLine.objects.get().used == 0
    # A second order beyond the limit is refused and writes nothing.
    CreditLine.objects.update(limit=Decimal("1000"))
    quote = accepted_quote(world, terms="credit", days=30)
    with pytest.raises(Conflict):
        services.order_place_from_quote(
            actor=world.actor(world.food_buyer), quote_id=quote.public_id
        )
    assert Order.objects.count() == 1 and stock(world) == Decimal("5000")


def test_ownership_reassignment_moves_orders(world):
    from mercator.companies.services.customers import member_reassign

    order = place(world)
    successor = add_member(world.food, Role.PURCHASING)
    member_reassign(
        actor=world.actor(world.food_boss),
        from_membership=world.food_buyer,
        to_memberships=[successor],
    )
    order.refresh_from_db()
    assert order.owner == successor
    seller_successor = add_member(world.mill, Role.SALES)
    member_reassign(
        actor=world.actor(world.mill_boss),
        from_membership=world.mill_clerk,
        to_memberships=[seller_successor],
    )
    order.refresh_from_db()
    assert order.seller_owner == seller_successor


def test_fractional_stock_is_sold_to_the_last_unit(world):
    """SQLite computes ``stock - q`` on floating point: 2.3 - 1.1 must still leave exactly
    1.2 for the next order (rounded to the column's 4 places in the UPDATE itself)."""
    from mercator.catalog.models import Sku

    Sku.objects.filter(pk=world.sku.pk).update(min_order_qty=Decimal("0.1"))
    Listing.objects.filter(pk=world.listing.pk).update(stock=Decimal("2.3"))
    buyer = world.actor(world.food_buyer)
    for quantity in ("1.1", "1.2"):
        services.cart_add(actor=buyer, listing_id=world.listing.public_id, quantity=quantity)
        services.order_place_from_cart(actor=buyer)
    assert stock(world) == Decimal("0")
    assert Order.objects.count() == 2
