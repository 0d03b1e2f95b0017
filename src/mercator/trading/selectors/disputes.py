"""Reads of disputes: the split an operator's ruling makes (one function, used by the
desk's preview and by ``order_dispute_resolve`` itself, so what is previewed is what is
posted) and the evidence both sides put before the operator."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from mercator.core import figures
from mercator.core.actor import Actor
from mercator.core.errors import NotFound, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.money import quantize_amount, to_decimal
from mercator.payments.fees import fee_of
from mercator.trading.models import DisputeEvidence, Order
from mercator.trading.selectors.orders import order_get


@dataclass(frozen=True)
class DisputeSplit:
    """A ruling on a disputed order: ``refund`` back to the buyer, ``rest`` released to
    the seller, of which ``fee`` is the platform's and ``seller_net`` reaches him."""

    total: Decimal
    refund: Decimal
    rest: Decimal
    fee: Decimal
    seller_net: Decimal
    fee_percent: Decimal
    currency: str


def dispute_split(order: Order, refund_amount: object) -> DisputeSplit:
    """The split of ``order.total`` for a refund of ``refund_amount`` (0..total, at most
    the currency's minor unit): 422 otherwise. The fee is ``payments.fees.fee_of`` on the
    seller's part, exactly as settlement takes it."""
    try:
        refund = to_decimal(refund_amount)
    except ValidationFailed:
        raise ValidationFailed(
            _("退款金额必须是数字。"), code="invalid_amount", details={"field": "refund_amount"}
        ) from None
    if refund < 0 or refund > order.total or refund != quantize_amount(refund, order.currency):
        raise ValidationFailed(
            _("退款金额须在 0 到 %(total)s 之间，最多两位小数。")
            % {"total": figures.money(order.total, order.currency)},
            code="invalid_amount",
            details={"field": "refund_amount"},
        )
    refund = quantize_amount(refund, order.currency)
    rest = order.total - refund
    fee = fee_of(rest, order.fee_percent, order.currency)
    return DisputeSplit(
        total=order.total,
        refund=refund,
        rest=rest,
        fee=fee,
        seller_net=rest - fee,
        fee_percent=order.fee_percent,
        currency=order.currency,
    )


def dispute_evidence_of(order: Order) -> QuerySet[DisputeEvidence]:
    """An order's evidence, oldest first (the caller has checked who asks)."""
    return order.evidence.select_related("author__person").order_by("created_at", "pk")


def dispute_evidence_get(actor: Actor, evidence_id: object) -> DisputeEvidence:
    """One piece of evidence, for a platform operator or a member of either party of its
    order who may see the order; anyone else 404."""
    wanted = parse_public_id(evidence_id)
    item = (
        DisputeEvidence.objects.filter(public_id=wanted).select_related("order").first()
        if wanted
        else None
    )
    if item is None:
        raise NotFound()
    if not actor.is_operator:
        order_get(actor, item.order.public_id)  # 404 unless the order is his to see
    return item
