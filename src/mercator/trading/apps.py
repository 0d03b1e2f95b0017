from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def on_approval_decided(sender: Any, request: Any, approved: bool, **kwargs: Any) -> None:
    """A quote's approval was decided: release it or put it back to draft. An order's:
    approve it, or cancel it."""
    if request.document_kind == "order":
        from mercator.trading.services import orders, orders_cancel

        orders_cancel.order_approval_settle(
            actor=orders.approval_actor(request.decided_by), request=request, approved=approved
        )
        return
    if request.document_kind != "quote":
        return
    from mercator.trading.services import quotes

    quotes.quote_approval_settle(
        actor=quotes.approval_actor(request.decided_by), request=request, approved=approved
    )


def on_approval_cancelled(sender: Any, request: Any, **kwargs: Any) -> None:
    if request.document_kind == "order":
        from mercator.trading.services import orders, orders_cancel

        orders_cancel.order_approval_cancelled(
            actor=orders.approval_actor(request.requested_by), request=request
        )
        return
    if request.document_kind != "quote":
        return
    from mercator.trading.services import quotes

    quotes.quote_approval_cancelled(
        actor=quotes.approval_actor(request.requested_by), request=request
    )


def on_payment_succeeded(sender: Any, intent: Any, transaction: Any = None, **kwargs: Any) -> None:
    """Money for an order reached escrow: mark the order paid (or refund it)."""
    from mercator.trading.services.orders_fulfil import order_mark_paid

    order_mark_paid(intent=intent, transaction=transaction)


def on_receivable_paid(sender: Any, receivable: Any, **kwargs: Any) -> None:
    """A credit order's receivable is repaid in full: it may now be a real deal."""
    from mercator.trading.services.deals import deal_record_for_reference

    deal_record_for_reference(reference=receivable.reference)


def order_numbers(ids: list[str]) -> dict[str, str]:
    """Order numbers by public id, for reconciliation to find them in a bank memo."""
    from mercator.core.ids import parse_public_id
    from mercator.trading.models import Order

    wanted = {parse_public_id(i): i for i in ids}
    wanted.pop(None, None)
    rows = Order.objects.filter(public_id__in=list(wanted)).values_list("public_id", "number")
    return {wanted[public_id]: number for public_id, number in rows if public_id in wanted}


def order_url(public_id: str) -> str:
    from django.urls import reverse

    return reverse("order-detail", args=[public_id])


def register_owned_kinds() -> None:
    """Inquiries, quotes and RFQs are records their owners hand over when they leave;
    inquiries and quotes follow the buyer's customer record to its new owner."""
    from mercator.companies import ownership
    from mercator.core.ids import reference
    from mercator.trading.models import Inquiry, Order, Quote, Rfq

    ownership.register(
        ownership.OwnedKind(
            code="inquiry",
            label=_("询盘"),
            owned_by=lambda m: Inquiry.objects.filter(seller_id=m.company_id, assigned_to=m),
            reference=lambda r: reference("inquiry", r.public_id),
            owner_field="assigned_to",
            customer_field="customer",
        )
    )
    ownership.register(
        ownership.OwnedKind(
            code="quote",
            label=_("报价单"),
            owned_by=lambda m: Quote.objects.filter(seller_id=m.company_id, owner=m),
            reference=lambda r: reference("quote", r.public_id),
            customer_field="customer",
        )
    )
    ownership.register(
        ownership.OwnedKind(
            code="rfq",
            label=_("询价单"),
            owned_by=lambda m: Rfq.objects.filter(buyer_id=m.company_id, owner=m),
            reference=lambda r: reference("rfq", r.public_id),
        )
    )
    ownership.register(
        ownership.OwnedKind(
            code="inquiry_asked",
            label=_("发出的询盘"),
            owned_by=lambda m: Inquiry.objects.filter(buyer_id=m.company_id, asked_by=m),
            reference=lambda r: reference("inquiry", r.public_id),
            owner_field="asked_by",
        )
    )
    ownership.register(
        ownership.OwnedKind(
            code="order",
            label=_("采购订单"),
            owned_by=lambda m: Order.objects.filter(buyer_id=m.company_id, owner=m),
            reference=lambda r: reference("order", r.public_id),
            owner_field="owner",
        )
    )
    ownership.register(
        ownership.OwnedKind(
            code="order_sold",
            label=_("销售订单"),
            owned_by=lambda m: Order.objects.filter(seller_id=m.company_id, seller_owner=m),
            reference=lambda r: reference("order", r.public_id),
            owner_field="seller_owner",
            customer_field="customer",
        )
    )


class TradingConfig(AppConfig):
    name = "mercator.trading"
    label = "trading"
    verbose_name = _("交易")

    def ready(self) -> None:
        from mercator.companies.signals_approvals import approval_cancelled, approval_decided

        approval_decided.connect(on_approval_decided, dispatch_uid="trading.quote_decided")
        approval_cancelled.connect(on_approval_cancelled, dispatch_uid="trading.quote_cancelled")
        from mercator.payments.signals import payment_succeeded, receivable_paid

        payment_succeeded.connect(on_payment_succeeded, dispatch_uid="trading.order_paid")
        receivable_paid.connect(on_receivable_paid, dispatch_uid="trading.receivable_paid")
        register_owned_kinds()
        from mercator.trading.approval_cards import register_cards

        register_cards()
        from mercator.payments import references

        references.register("order", order_numbers)
        references.register_url("order", order_url)
        from mercator.trading import tasks  # noqa: F401  (registers the periodic sweeps)
