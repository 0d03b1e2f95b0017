"""RFQs (询价单): a buyer asks invited sellers, or the open market, to quote lines of
goods under his terms before a deadline. It closes at the deadline (read as closed at
once; the sweep writes it) or when the buyer awards a quote."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.companies.selectors.customers import member_in_company
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import PermissionDenied, ValidationFailed, not_allowed
from mercator.core.services import audit_record, validate
from mercator.pricing.models import DeliveryMethod, PaymentTerms
from mercator.trading import selectors
from mercator.trading.models import Quote, Rfq, RfqInvite, RfqLine, Side
from mercator.trading.services import grades
from mercator.trading.services._common import (
    MAX_LINES,
    future_of,
    invalid,
    quantity_of,
    require_verified,
    text_of,
    unit_of,
)
from mercator.trading.services.numbering import RFQ_PREFIX, new_number

MAX_CREDIT_DAYS = 365
MAX_SELLERS = 50


def terms_of(
    payment_terms: object, credit_days: object, delivery_method: object, destination: object
) -> tuple[str, int, str, str]:
    """Payment and delivery terms, checked the same way for RFQs and quotes."""
    if payment_terms not in PaymentTerms.values:
        raise invalid(_("未知的付款方式。"), "invalid_payment_terms", "payment_terms")
    days = 0
    if payment_terms == PaymentTerms.CREDIT:
        if isinstance(credit_days, bool) or not isinstance(credit_days, int):
            raise invalid(_("账期天数必须是整数。"), "invalid_credit_days", "credit_days")
        if not 0 < credit_days <= MAX_CREDIT_DAYS:
            raise invalid(
                _("账期付款须填写 1 到 365 天的账期。"), "invalid_credit_days", "credit_days"
            )
        days = credit_days
    if delivery_method not in DeliveryMethod.values:
        raise invalid(_("未知的提货方式。"), "invalid_delivery_method", "delivery_method")
    province = ""
    if delivery_method == DeliveryMethod.DELIVERY:
        province = text_of(destination, field="destination_province", required=True, limit=30)
    return str(payment_terms), days, str(delivery_method), province


def _lines(lines: Sequence[dict[str, Any]]) -> list[RfqLine]:
    if not lines:
        raise invalid(_("请至少填写一行商品。"), "lines_required", "lines")
    if len(lines) > MAX_LINES:
        raise invalid(_("最多 50 行。"), "too_many_lines", "lines")
    built = []
    for i, line in enumerate(lines, start=1):
        try:
            sku = None
            if line.get("sku"):
                sku = selectors.market_sku_get(line["sku"])
                if sku is None:
                    raise invalid(_("找不到该商品。"), "unknown_sku", "sku")
            quantity = quantity_of(line.get("quantity"))
            unit = unit_of(line.get("unit") or (sku.unit if sku else None))
            if sku is not None and unit != sku.unit:
                raise invalid(_("计量单位与商品不一致。"), "unit_mismatch", "unit")
            name = text_of(
                line.get("product_name") or (f"{sku.product.name} {sku.name}" if sku else ""),
                field="product_name",
                required=True,
                limit=200,
            )
        except ValidationFailed as exc:
            exc.details["line"] = i  # which line of the form is wrong
            raise
        built.append(RfqLine(position=i, sku=sku, product_name=name, quantity=quantity, unit=unit))
    return built


def rfq_create(
    *,
    actor: Actor,
    title: str,
    lines: Sequence[dict[str, Any]],
    deadline: datetime,
    payment_terms: str = PaymentTerms.PREPAID,
    credit_days: int = 0,
    delivery_method: str = DeliveryMethod.PICKUP,
    destination_province: str = "",
    seller_ids: Sequence[object] = (),
    open_market: bool = False,
    note: str = "",
) -> Rfq:
    actor.require("customers.manage")
    buyer = require_verified(actor)
    title = text_of(title, field="title", required=True, limit=200)
    built = _lines(lines)
    terms = terms_of(payment_terms, credit_days, delivery_method, destination_province)
    deadline = future_of(deadline, field="deadline", code="deadline_past")
    sellers = []
    for seller_id in dict.fromkeys(str(s) for s in seller_ids):
        seller = selectors.company_by_public_id(seller_id)
        if seller is None or not seller.is_verified or seller.pk == buyer.pk:
            raise invalid(_("找不到该卖家。"), "unknown_seller", "sellers", value=seller_id)
        sellers.append(seller)
    if len(sellers) > MAX_SELLERS:
        raise invalid(_("最多邀请 50 家卖家。"), "too_many_sellers", "sellers")
    if not sellers and not open_market:
        raise invalid(_("请邀请至少一家卖家，或公开询价。"), "sellers_required", "sellers")
    number = new_number(Rfq, RFQ_PREFIX)
    with transaction.atomic():
        rfq = Rfq(
            number=number,
            buyer=buyer,
            created_by=actor.membership,
            owner=actor.membership,
            title=title,
            payment_terms=terms[0],
            credit_days=terms[1],
            delivery_method=terms[2],
            destination_province=terms[3],
            deadline=deadline,
            open_market=bool(open_market),
            note=text_of(note, field="note", required=False),
        )
        validate(rfq)
        rfq.save()
        for line in built:
            line.rfq = rfq
            validate(line)
        RfqLine.objects.bulk_create(built)
        RfqInvite.objects.bulk_create([RfqInvite(rfq=rfq, seller=s) for s in sellers])
        grades.rfq_published(rfq)
        audit_record(
            actor=actor,
            action="rfq.create",
            target=f"rfq:{rfq.public_id}",
            changes={
                "title": title,
                "lines": len(built),
                "sellers": [str(s.public_id) for s in sellers],
                "open_market": bool(open_market),
            },
        )
    return rfq


def _buyer_rfq(actor: Actor, rfq_id: object) -> Rfq:
    actor.require("customers.manage")
    rfq = selectors.rfq_get(actor, rfq_id)
    if selectors.rfq_side(actor, rfq) != Side.BUYER:
        raise PermissionDenied(_("只有询价方可以操作询价单。"), code="not_buyer")
    return rfq


def rfq_cancel(*, actor: Actor, rfq_id: object) -> Rfq:
    rfq = _buyer_rfq(actor, rfq_id)
    status = rfq.effective_status()
    if status not in (Rfq.Status.OPEN, Rfq.Status.CLOSED):
        raise not_allowed(rfq.get_effective_status_display(), _("取消"), status)
    with transaction.atomic():
        changed = Rfq.objects.filter(pk=rfq.pk, status=rfq.status).update(
            status=Rfq.Status.CANCELLED, closed_at=timezone.now()
        )
        if not changed:
            rfq.refresh_from_db()
            raise not_allowed(rfq.get_effective_status_display(), _("取消"), rfq.status)
        rfq.refresh_from_db()
        audit_record(actor=actor, action="rfq.cancel", target=f"rfq:{rfq.public_id}")
    return rfq


def rfq_award(*, actor: Actor, rfq_id: object, quote_id: object, comment: str = "") -> Quote:
    """The buyer accepts one quote on his RFQ: the quote is accepted (a binding price),
    the RFQ awarded, and the other sellers' live quotes rejected."""
    from mercator.trading.services.quotes import quote_accept

    rfq = _buyer_rfq(actor, rfq_id)
    quote = selectors.quote_get(actor, quote_id)
    if quote.rfq_id != rfq.pk:
        raise invalid(_("该报价不属于此询价单。"), "quote_not_for_rfq", "quote")
    return quote_accept(actor=actor, quote_id=quote.public_id, comment=comment)


def rfq_close_sweep(*, now: datetime | None = None) -> int:
    """Close every open RFQ past its deadline. Idempotent: the conditional update closes
    each at most once, and a rerun finds none."""
    now = now or timezone.now()
    closed = 0
    due = Rfq.objects.filter(status=Rfq.Status.OPEN, deadline__lte=now).order_by("pk")
    for rfq in due.only("pk", "public_id").iterator():
        with transaction.atomic():
            if Rfq.objects.filter(pk=rfq.pk, status=Rfq.Status.OPEN).update(
                status=Rfq.Status.CLOSED, closed_at=now
            ):
                closed += 1
                audit_record(actor=SYSTEM, action="rfq.close", target=f"rfq:{rfq.public_id}")
    return closed


def rfq_reassign_owner(*, actor: Actor, rfq_id: object, member_id: object) -> Rfq:
    """The buyer's boss gives an RFQ to a colleague."""
    actor.require("customers.reassign")
    rfq = _buyer_rfq(actor, rfq_id)
    owner = member_in_company(actor, member_id, field="owner")
    with transaction.atomic():
        Rfq.objects.filter(pk=rfq.pk).update(owner=owner)
        audit_record(
            actor=actor,
            action="rfq.reassign",
            target=f"rfq:{rfq.public_id}",
            changes={"owner": [str(rfq.owner.public_id), str(owner.public_id)]},
        )
        rfq.owner = owner
    return rfq
