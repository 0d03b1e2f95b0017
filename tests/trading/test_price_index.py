"""Real deals (money and invoice through the platform) and GMV. What the market price index
publishes of them: ``test_price_index_confidential``."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from mercator.payments.models import CreditLine, Receivable
from mercator.payments.selectors.ledger import ledger_problems
from mercator.payments.signals import receivable_paid
from mercator.trading.models import Deal, Order
from mercator.trading.selectors.index import gmv
from mercator.trading.services.deals import (
    deal_record_for_reference,
    deal_record_if_real,
)
from tests.trading.test_invoices import issue, make_order, titles


def test_deal_needs_money_and_invoice(world):
    titles(world)
    order = make_order(world, lines=(("100", "5080", "80"),))
    assert deal_record_if_real(order=order) is False  # money, no invoice
    assert Deal.objects.count() == 0
    issue(world, order)  # the issue records it
    order.refresh_from_db()
    assert order.is_real
    deal = Deal.objects.get(order=order)
    assert deal.unit_price == Decimal("5000.0000")  # freight excluded
    assert deal.amount == Decimal("500000.00") and deal.quantity == Decimal("100")
    assert deal.region == "广东" and deal.payment_terms == "prepaid"
    assert deal.dealt_on == timezone.localdate(order.settled_at)
    assert deal_record_if_real(order=order) is True  # idempotent
    assert Deal.objects.count() == 1


def test_invoiced_but_unsettled_or_unpaid_orders_are_not_deals(world):
    titles(world)
    shipped = make_order(world, status=Order.Status.SHIPPED)
    issue(world, shipped)
    assert not deal_record_if_real(order=shipped)
    credit = make_order(world, terms="credit", credit_days=30, paid=False)
    issue(world, credit)  # settled on credit, invoiced, receivable not repaid
    credit.refresh_from_db()
    assert not credit.is_real and Deal.objects.count() == 0
    assert gmv() == Decimal("0.00")


def test_credit_order_counts_once_its_receivable_is_repaid(world):
    titles(world)
    order = make_order(world, terms="credit", credit_days=30, paid=False, delivery="pickup")
    issue(world, order)
    line = CreditLine.objects.create(
        seller=world.mill, buyer=world.food, limit=Decimal("1000000"), granted_by=world.mill_boss
    )
    receivable = Receivable.objects.create(
        credit_line=line,
        seller=world.mill,
        buyer=world.food,
        reference=order.ref,
        amount=order.total,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    assert deal_record_for_reference(reference=order.ref) is False  # not repaid yet
    Receivable.objects.filter(pk=receivable.pk).update(
        repaid=order.total, status=Receivable.Status.PAID
    )
    assert deal_record_for_reference(reference=order.ref) is True
    assert deal_record_for_reference(reference=order.ref) is True  # again: no new rows
    assert Deal.objects.filter(order=order).count() == order.lines.count()
    deal = Deal.objects.get(order=order)
    assert deal.region == "广西"  # pickup: the listing's province
    assert deal.payment_terms == "credit" and deal.credit_days == 30
    assert gmv() == deal.amount


def test_receivable_paid_signal_records_credit_orders(world):
    titles(world)
    order = make_order(world, terms="credit", credit_days=30, paid=False)
    issue(world, order)
    line = CreditLine.objects.create(
        seller=world.mill, buyer=world.food, limit=Decimal("1000000"), granted_by=world.mill_boss
    )
    receivable = Receivable.objects.create(
        credit_line=line,
        seller=world.mill,
        buyer=world.food,
        reference=order.ref,
        amount=order.total,
        repaid=order.total,
        status=Receivable.Status.PAID,
        due_on=timezone.localdate(),
    )
    receivable_paid.send(sender=Receivable, receivable=receivable)
    assert Order.objects.get(pk=order.pk).is_real


def test_gmv_counts_only_real_deals_in_range(world):
    titles(world)
    now = timezone.now()
    real = make_order(world, lines=(("10", "5080", "80"),), settled_at=now - timedelta(days=1))
    issue(world, real)
    old = make_order(world, lines=(("1", "5000", "0"),), settled_at=now - timedelta(days=60))
    issue(world, old)
    make_order(world, lines=(("50", "5000", "0"),))  # paid, never invoiced
    unpaid = make_order(world, status=Order.Status.SHIPPED, terms="credit", paid=False)
    issue(world, unpaid)  # invoiced, money never went through
    assert gmv() == Decimal("50000.00") + Decimal("5000.00")
    assert gmv(since=timezone.localdate() - timedelta(days=30)) == Decimal("50000.00")
    assert gmv(until=timezone.localdate() - timedelta(days=30)) == Decimal("5000.00")


def test_end_to_end_through_the_orders_services(world):
    """Placed from a quote, paid by bank transfer, shipped, received (settled by the
    orders app), then invoiced: real, in GMV; the ledger is untouched by invoicing."""
    from mercator.trading import services
    from tests.trading.test_orders import pay_by_bank, place

    titles(world)
    order = place(world)
    pay_by_bank(world, order)
    services.order_ship(actor=world.actor(world.mill_clerk), order_id=order.public_id)
    services.order_receive(actor=world.actor(world.food_buyer), order_id=order.public_id)
    order.refresh_from_db()
    assert order.status == "settled" and not order.is_real and gmv() == 0
    problems = ledger_problems()
    invoice = issue(world, order)
    assert invoice.total == order.total
    order.refresh_from_db()
    assert order.is_real and gmv() == Decimal("500000.00")
    assert ledger_problems() == problems == []
