"""Quotes and their negotiation rounds.

States (``TRANSITIONS``)::

    draft ──send──> sent ──buyer counters──> countered ──seller answers──> sent ...
      │               │  └─accept─> accepted (binding price)  └─reject─> rejected
      └─send, a discount over the rule─> pending_approval ──approved──> sent
                                                       └──rejected/cancelled──> draft
    draft, pending_approval, sent, countered ──withdraw──> withdrawn
    draft, pending_approval, sent, countered ──valid_until passed──> expired

A line's price comes from ``pricing.engine.quote_price`` for the buyer; the clerk may set
his own unit price. The line amount keeps the engine's exact total and moves it by the
clerk's difference: ``quantize_amount(engine amount + (unit price - engine unit price) ×
quantity)``, so an unadjusted line equals the engine's amount to the cent.

Approval: before an offer goes to the buyer (a send, or the seller's answer to a
counter) the company's rules are asked through ``approval_request_open``; a held quote
waits in ``pending_approval`` and the approval signals (connected in ``apps.py``) call
``quote_approval_settle`` / ``quote_approval_cancelled``.

Each offer put to the other side is kept as a ``QuoteRound`` (a snapshot of lines and
terms, author and comment)."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import ActivityEvent, ApprovalRequest, Company, Membership
from mercator.companies.services.activity import activity_record
from mercator.companies.services.approvals import approval_cancel, approval_request_open
from mercator.companies.services.notifications import notify
from mercator.core import figures
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import DomainError, PermissionDenied, ValidationFailed, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import quantize_amount, quantize_unit_price, to_decimal
from mercator.core.services import audit_record, validate
from mercator.core.texts import stored, text
from mercator.pricing.engine import QuoteRequest, quote_price
from mercator.trading import selectors
from mercator.trading.models import Quote, QuoteLine, QuoteRound, Rfq, RfqLine, Side
from mercator.trading.services import grades
from mercator.trading.services._common import (
    MAX_LINES,
    future_of,
    invalid,
    quantity_of,
    require_verified,
    text_of,
)
from mercator.trading.services.inquiries import inquiry_mark_answered
from mercator.trading.services.numbering import QUOTE_PREFIX, new_number
from mercator.trading.services.quotas import QUOTE, quota_check
from mercator.trading.services.rfqs import terms_of

S = Quote.Status
DEFAULT_VALIDITY = timedelta(days=7)
LIVE = frozenset({S.DRAFT, S.PENDING_APPROVAL, S.SENT, S.COUNTERED})
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PENDING_APPROVAL, S.SENT, S.WITHDRAWN, S.EXPIRED}),
    S.PENDING_APPROVAL: frozenset({S.SENT, S.DRAFT, S.WITHDRAWN, S.EXPIRED}),
    S.SENT: frozenset(
        {S.COUNTERED, S.PENDING_APPROVAL, S.SENT, S.ACCEPTED, S.REJECTED, S.EXPIRED, S.WITHDRAWN}
    ),
    S.COUNTERED: frozenset({S.SENT, S.PENDING_APPROVAL, S.REJECTED, S.EXPIRED, S.WITHDRAWN}),
}


def _check(quote: Quote, to: str, action: str, allowed_from: Sequence[str] | None = None) -> str:
    """Refuse (409, naming the current state) a move the table or the action forbids.
    Reads the effective state: a quote past ``valid_until`` is expired already."""
    current = quote.effective_status()
    ok = to in TRANSITIONS.get(current, frozenset())
    if allowed_from is not None:
        ok = ok and current in allowed_from
    if not ok:
        raise not_allowed(S(current).label, action, current)
    return current


def _move(quote: Quote, frm: str, to: str, **fields: Any) -> None:
    """The conditional update is the lock: of two racing moves, one wins, the other 409s."""
    changed = Quote.objects.filter(pk=quote.pk, status=frm).update(status=to, **fields)
    if not changed:
        quote.refresh_from_db()
        raise not_allowed(S(quote.status).label, _("继续"), quote.status)
    quote.status = to
    for name, value in fields.items():
        setattr(quote, name, value)


def _link(quote: Quote) -> str:
    return reverse("quote-detail", kwargs={"quote_id": quote.public_id})


def _ref(quote: Quote) -> str:
    return f"quote:{quote.public_id}"


def _terms_dict(quote: Quote) -> dict[str, Any]:
    return {
        "currency": quote.currency,
        "payment_terms": quote.payment_terms,
        "credit_days": quote.credit_days,
        "delivery_method": quote.delivery_method,
        "destination_province": quote.destination_province,
        "valid_until": quote.valid_until.isoformat(),
    }


def _line_snapshot(line: QuoteLine) -> dict[str, Any]:
    return {
        "position": line.position,
        "rfq_line": line.rfq_line.position if line.rfq_line_id else None,
        "sku": str(line.sku.public_id),
        "sku_code": line.sku.code,
        "product": line.sku.product.name,
        "sku_name": line.sku.name,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "unit_price": str(line.unit_price),
        "amount": str(line.amount),
        "engine_unit_price": str(line.engine_unit_price),
        "discount_percent": str(line.discount_percent),
    }


def _next_round(quote: Quote) -> int:
    last = quote.rounds.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _seller_actor(actor: Actor, quote_id: object) -> Quote:
    actor.require("customers.manage")
    quote = selectors.quote_get(actor, quote_id)
    if selectors.quote_side(actor, quote) != Side.SELLER:
        raise PermissionDenied(_("只有报价方可以这样做。"), code="not_seller")
    return quote


def _buyer_actor(actor: Actor, quote_id: object) -> Quote:
    actor.require("customers.manage")
    quote = selectors.quote_get(actor, quote_id)
    if selectors.quote_side(actor, quote) != Side.BUYER:
        raise PermissionDenied(_("只有买方可以这样做。"), code="not_buyer")
    require_verified(actor)
    return quote


# ------------------------------------------------------------------------- pricing


def _engine_price(
    *, buyer: Company, sku: Any, listing: Any, quantity: Decimal, terms: tuple[str, int, str, str]
) -> Any:
    try:
        return quote_price(
            QuoteRequest(
                buyer=buyer,
                sku=sku,
                quantity=quantity,
                payment_terms=terms[0],
                credit_days=terms[1],
                delivery_method=terms[2],
                destination_province=terms[3],
                listing=listing,
            )
        )
    except DomainError as exc:
        # "No price" is a 404 inside the engine; for the clerk it is a bad line (422).
        raise ValidationFailed(exc.message, code=exc.code, details=dict(exc.details)) from None


def _breakdown_json(breakdown: Any) -> dict[str, Any]:
    """The engine's breakdown with every value as a string (no float ever)."""
    return {
        "currency": breakdown.currency,
        "source": breakdown.source,
        "source_name": breakdown.source_name,
        "quantity_break": str(breakdown.quantity_break),
        "base_unit_price": str(breakdown.base_unit_price),
        "terms_adjustment": str(breakdown.terms_adjustment),
        "freight_per_unit": str(breakdown.freight_per_unit),
        "unit_price": str(breakdown.unit_price),
        "quantity": str(breakdown.quantity),
        "freight_total": str(breakdown.freight_total),
        "amount": str(breakdown.amount),
        "steps": [str(step) for step in breakdown.steps],
        # The same steps as msgid + params, shown in the reader's language (core.texts).
        "step_texts": [stored(step) for step in breakdown.steps],
    }


def _price_of(value: object, *, field: str = "unit_price") -> Decimal:
    try:
        price = to_decimal(value)
    except ValidationFailed:
        raise invalid(_("单价必须是数字。"), "invalid_unit_price", field) from None
    if price < 0:
        raise invalid(_("单价不能为负数。"), "invalid_unit_price", field)
    if price >= Decimal("1e15"):
        raise invalid(_("单价过大。"), "invalid_unit_price", field)
    return quantize_unit_price(price)


def _apply_price(line: QuoteLine, price: Decimal, currency: str) -> None:
    line.unit_price = price
    line.discount_percent = selectors.discount_of(line.engine_unit_price, price)
    amount = line.engine_amount + (price - line.engine_unit_price) * line.quantity
    line.amount = quantize_amount(max(amount, Decimal(0)), currency)


def _totals(quote: Quote, lines: Sequence[QuoteLine]) -> None:
    quote.total = quantize_amount(sum((line.amount for line in lines), Decimal(0)), quote.currency)
    quote.engine_total = quantize_amount(
        sum((line.engine_amount for line in lines), Decimal(0)), quote.currency
    )
    quote.discount_percent = max((line.discount_percent for line in lines), default=Decimal(0))


def quote_preview_lines(
    *,
    actor: Actor,
    buyer: Company,
    lines: Sequence[dict[str, Any]],
    terms: tuple[str, int, str, str],
) -> list[QuoteLine]:
    """Price the lines for ``buyer`` (unsaved ``QuoteLine``s, the clerk's prices applied
    where given). Reads only; the quote form uses it to prefill, ``quote_create`` to save."""
    if not lines:
        raise invalid(_("请至少填写一行商品。"), "lines_required", "lines")
    if len(lines) > MAX_LINES:
        raise invalid(_("最多 50 行。"), "too_many_lines", "lines")
    built: list[QuoteLine] = []
    currency = None
    for i, spec in enumerate(lines, start=1):
        try:
            sku = selectors.own_sku_get(actor, spec.get("sku"))
            if sku is None:
                raise invalid(_("找不到该商品（只能报自己企业的商品）。"), "unknown_sku", "sku")
            listing = selectors.own_listing_for(actor, sku, spec.get("listing"))
            if spec.get("listing") and listing is None:
                raise invalid(_("找不到该挂牌。"), "unknown_listing", "listing")
            quantity = quantity_of(spec.get("quantity"))
            if spec.get("unit") and spec["unit"] != sku.unit:
                raise invalid(_("计量单位与商品不一致。"), "unit_mismatch", "unit")
            breakdown = _engine_price(
                buyer=buyer, sku=sku, listing=listing, quantity=quantity, terms=terms
            )
            if currency is not None and breakdown.currency != currency:
                raise invalid(_("一张报价单只能有一种币种。"), "currency_mismatch", "lines")
            currency = breakdown.currency
            line = QuoteLine(
                position=i,
                sku=sku,
                listing=listing,
                quantity=quantity,
                unit=sku.unit,
                engine_unit_price=breakdown.unit_price,
                engine_amount=breakdown.amount,
                engine_breakdown=_breakdown_json(breakdown),
                rfq_line=spec.get("rfq_line"),
            )
            given = spec.get("unit_price")
            price = breakdown.unit_price if given in (None, "") else _price_of(given)
            _apply_price(line, price, currency)
        except ValidationFailed as exc:
            exc.details["line"] = i
            raise
        built.append(line)
    return built


# -------------------------------------------------------------------------- create


def _rfq_line_for(rfq: Rfq, value: object) -> RfqLine | None:
    if value in (None, ""):
        return None
    try:
        position = int(str(value))
    except ValueError:
        position = -1
    line = rfq.lines.filter(position=position).first()
    if line is None:
        raise invalid(_("询价单没有这一行。"), "unknown_rfq_line", "rfq_line")
    return line


def quote_create(
    *,
    actor: Actor,
    lines: Sequence[dict[str, Any]],
    rfq_id: object = None,
    inquiry_id: object = None,
    buyer_id: object = None,
    payment_terms: str | None = None,
    credit_days: int | None = None,
    delivery_method: str | None = None,
    destination_province: str | None = None,
    valid_until: datetime | None = None,
    note: str = "",
) -> Quote:
    """A draft quote by a seller's clerk, answering an RFQ, an inquiry, or directly to a
    buyer company. Terms default to the RFQ's. Lines: ``{"sku", "quantity", "listing"?,
    "unit_price"?, "rfq_line"? (position)}``."""
    actor.require("customers.manage")
    seller = require_verified(actor)
    rfq = inquiry = None
    if rfq_id:
        rfq = selectors.rfq_get(actor, rfq_id)
        if selectors.rfq_side(actor, rfq) != Side.SELLER:
            raise invalid(_("不能给自己的询价单报价。"), "own_rfq", "rfq")
        if rfq.effective_status() != Rfq.Status.OPEN:
            raise not_allowed(rfq.get_effective_status_display(), _("报价"), rfq.effective_status())
        buyer = rfq.buyer
    elif inquiry_id:
        inquiry = selectors.inquiry_get(actor, inquiry_id)
        if selectors.inquiry_side(actor, inquiry) != Side.SELLER:
            raise invalid(_("只能为收到的询盘报价。"), "own_inquiry", "inquiry")
        buyer = inquiry.buyer
    else:
        if buyer_id in (None, ""):
            raise invalid(_("请选择买方客户。"), "buyer_required", "buyer")
        # A customer the clerk may see (his own unless his role sees all): a colleague's
        # customer answers 404 like any company he may not quote.
        buyer = selectors.quote_buyer_get(actor, buyer_id)

    def pick(value: Any, default: Any) -> Any:
        return default if value is None else value

    terms = terms_of(
        pick(payment_terms, rfq.payment_terms if rfq else "prepaid"),
        pick(credit_days, rfq.credit_days if rfq else 0),
        pick(delivery_method, rfq.delivery_method if rfq else "pickup"),
        pick(destination_province, rfq.destination_province if rfq else ""),
    )
    until = future_of(
        valid_until or timezone.now() + DEFAULT_VALIDITY,
        field="valid_until",
        code="valid_until_past",
    )
    specs = [dict(spec) for spec in lines]
    if rfq is not None:
        for i, spec in enumerate(specs, start=1):
            try:
                spec["rfq_line"] = _rfq_line_for(rfq, spec.get("rfq_line"))
            except ValidationFailed as exc:
                exc.details["line"] = i
                raise
    built = quote_preview_lines(actor=actor, buyer=buyer, lines=specs, terms=terms)
    number = new_number(Quote, QUOTE_PREFIX)
    market_id = built[0].sku.product.category.market_id
    with transaction.atomic():
        # The grade's monthly quota, counted inside this transaction (seed §10).
        quota_check(seller, market_id, QUOTE)
        quote = Quote(
            number=number,
            seller=seller,
            buyer=buyer,
            owner=actor.membership,
            created_by=actor.membership,
            rfq=rfq,
            inquiry=inquiry,
            customer=selectors.quote_customer_for(actor, buyer),
            currency=built[0].engine_breakdown["currency"],
            payment_terms=terms[0],
            credit_days=terms[1],
            delivery_method=terms[2],
            destination_province=terms[3],
            valid_until=until,
            note=text_of(note, field="note", required=False),
        )
        _totals(quote, built)
        validate(quote)
        quote.save()
        for line in built:
            line.quote = quote
            validate(line, exclude=["quote"])
        QuoteLine.objects.bulk_create(built)
        audit_record(
            actor=actor,
            action="quote.create",
            target=_ref(quote),
            changes={
                "buyer": str(buyer.public_id),
                "rfq": str(rfq.public_id) if rfq else None,
                "inquiry": str(inquiry.public_id) if inquiry else None,
                "total": str(quote.total),
                "discount_percent": str(quote.discount_percent),
            },
        )
    return quote


# ----------------------------------------------------------------- send, approval


def _facts(quote: Quote) -> dict[str, Any]:
    first = not Quote.objects.filter(
        seller_id=quote.seller_id, buyer_id=quote.buyer_id, status=S.ACCEPTED
    ).exists()
    return {
        "amount": quote.total,
        "currency": quote.currency,
        "discount_percent": quote.discount_percent,
        "counterpart_verified": quote.buyer.is_verified,
        "first_deal_with_counterpart": first,
    }


def _title(quote: Quote) -> str:
    return _("报价单 %(number)s：%(buyer)s，%(total)s %(currency)s，最大折扣 %(discount)s%%") % {
        "number": quote.number,
        "buyer": quote.buyer.short_name,
        "total": figures.amount(quote.total, quote.currency),
        "currency": quote.currency,
        "discount": quote.discount_percent.normalize(),
    }


def _release(quote: Quote, *, actor: Actor, author: Membership, comment: str, frm: str) -> None:
    """Put the seller's current offer to the buyer: a new round, status sent."""
    now = timezone.now()
    lines = list(quote.lines.select_related("sku__product").order_by("position"))
    round_ = QuoteRound(
        quote=quote,
        number=_next_round(quote),
        author=author,
        side=Side.SELLER,
        lines=[_line_snapshot(line) for line in lines],
        terms=_terms_dict(quote),
        total=quote.total,
        comment=comment,
        at=now,
    )
    validate(round_, exclude=["quote"])
    round_.save()
    _move(quote, frm, S.SENT, sent_at=quote.sent_at or now, approval_ref="", pending_comment="")
    activity_record(membership=quote.owner, kind=ActivityEvent.Kind.QUOTE_SENT, ref=_ref(quote))
    grades.quote_sent(quote)
    if quote.inquiry_id:
        inquiry_mark_answered(quote.inquiry, quote.owner, at=now)
    audit_record(
        actor=actor,
        action="quote.send",
        target=_ref(quote),
        changes={"round": round_.number, "total": str(quote.total)},
    )
    recipient = (
        quote.rfq.owner if quote.rfq_id else quote.inquiry.asked_by if quote.inquiry_id else None
    )
    if recipient is not None:
        notify(
            person=recipient.person,
            company=quote.buyer,
            kind="quote.received",
            title=text(
                gettext_noop("%(seller)s 发来报价单 %(number)s"),
                seller=quote.seller.short_name,
                number=quote.number,
            ),
            body=comment[:200],
            link=_link(quote),
        )


def _offer(quote: Quote, *, actor: Actor, comment: str, frm: str) -> Quote:
    """Ask the approval rules, then hold the offer or release it."""
    request = approval_request_open(
        actor=actor,
        document_kind="quote",
        document=_ref(quote),
        title=_title(quote),
        facts=_facts(quote),
    )
    if request is None:
        _release(quote, actor=actor, author=actor.membership, comment=comment, frm=frm)
        return quote
    _move(
        quote,
        frm,
        S.PENDING_APPROVAL,
        approval_ref=f"approval:{request.public_id}",
        pending_comment=comment,
    )
    audit_record(
        actor=actor,
        action="quote.hold",
        target=_ref(quote),
        changes={
            "approval": str(request.public_id),
            "discount_percent": str(quote.discount_percent),
        },
    )
    return quote


def _rfq_still_open(quote: Quote) -> None:
    if quote.rfq_id and quote.rfq.effective_status() != Rfq.Status.OPEN:
        raise not_allowed(quote.rfq.get_effective_status_display(), _("报价"), quote.rfq.status)


def quote_send(*, actor: Actor, quote_id: object, comment: str = "") -> Quote:
    """Send a draft: at once, or into ``pending_approval`` when a rule holds it."""
    quote = _seller_actor(actor, quote_id)
    require_verified(actor)
    frm = _check(quote, S.SENT, _("发出"), allowed_from=[S.DRAFT])
    _rfq_still_open(quote)
    comment = text_of(comment, field="comment", required=False)
    with transaction.atomic():
        return _offer(quote, actor=actor, comment=comment, frm=frm)


def _quote_of_request(request: ApprovalRequest) -> Quote | None:
    if request.document_kind != "quote" or not request.document.startswith("quote:"):
        return None
    wanted = parse_public_id(request.document.removeprefix("quote:"))
    if wanted is None:
        return None
    return (
        Quote.objects.select_related("owner__person", "buyer", "seller", "rfq", "inquiry")
        .filter(seller_id=request.company_id, public_id=wanted)
        .first()
    )


def quote_approval_settle(
    *, actor: Actor, request: ApprovalRequest, approved: bool
) -> Quote | None:
    """The approval of a held quote was decided (called by the ``approval_decided``
    receiver inside the decision's transaction): approved, the offer goes to the buyer
    (or expires, if its validity passed meanwhile); rejected, it is a draft again."""
    quote = _quote_of_request(request)
    if quote is None or quote.status != S.PENDING_APPROVAL:
        return None  # withdrawn or expired meanwhile: the decision changes nothing here
    if quote.approval_ref != f"approval:{request.public_id}":
        return None
    with transaction.atomic():
        if not approved:
            _move(quote, S.PENDING_APPROVAL, S.DRAFT, approval_ref="")
            audit_record(
                actor=actor,
                action="quote.approval_rejected",
                target=_ref(quote),
                changes={"comment": request.comment},
            )
        elif quote.effective_status() == S.EXPIRED:
            _move(quote, S.PENDING_APPROVAL, S.EXPIRED)
            audit_record(actor=actor, action="quote.expire", target=_ref(quote))
        else:
            _release(
                quote,
                actor=actor,
                author=request.requested_by,
                comment=quote.pending_comment,
                frm=S.PENDING_APPROVAL,
            )
    return quote


def quote_approval_cancelled(*, actor: Actor, request: ApprovalRequest) -> Quote | None:
    """The requester withdrew the approval request: the quote is a draft again."""
    quote = _quote_of_request(request)
    if quote is None or quote.status != S.PENDING_APPROVAL:
        return None
    with transaction.atomic():
        _move(quote, S.PENDING_APPROVAL, S.DRAFT, approval_ref="")
        audit_record(actor=actor, action="quote.approval_cancelled", target=_ref(quote))
    return quote


def approval_actor(membership: Membership | None) -> Actor:
    """The actor a signal receiver acts as: the deciding member, else the system."""
    if membership is None:
        return SYSTEM
    return actor_for_membership(membership, via="system")


# ---------------------------------------------------------------------- negotiation


def _proposals(quote: Quote, lines: Sequence[dict[str, Any]]) -> dict[int, Decimal]:
    """``[{"position", "unit_price"}]`` checked against the quote's lines."""
    positions = set(quote.lines.values_list("position", flat=True))
    proposed: dict[int, Decimal] = {}
    for i, spec in enumerate(lines, start=1):
        try:
            try:
                position = int(str(spec.get("position")))
            except ValueError:
                position = -1
            if position not in positions:
                raise invalid(_("报价单没有这一行。"), "unknown_line", "position")
            proposed[position] = _price_of(spec.get("unit_price"))
        except ValidationFailed as exc:
            exc.details["line"] = i
            raise
    if not proposed:
        raise invalid(_("请至少给出一行的单价。"), "lines_required", "lines")
    return proposed


def quote_counter(
    *,
    actor: Actor,
    quote_id: object,
    lines: Sequence[dict[str, Any]],
    comment: str = "",
    valid_until: datetime | None = None,
) -> Quote:
    """A counter-offer, kept as a new round. The buyer proposes unit prices (the quote
    becomes ``countered``); the seller answers with new prices, which go to the buyer
    through the approval rules like a send."""
    actor.require("customers.manage")
    quote = selectors.quote_get(actor, quote_id)
    side = selectors.quote_side(actor, quote)
    require_verified(actor)
    comment = text_of(comment, field="comment", required=False)
    if side == Side.BUYER:
        frm = _check(quote, S.COUNTERED, _("还价"), allowed_from=[S.SENT])
        proposed = _proposals(quote, lines)
        offer = selectors.quote_offer(actor, quote)["lines"]
        snapshot, total = [], Decimal(0)
        for entry in offer:
            entry = dict(entry)
            price = proposed.get(int(entry["position"]))
            if price is not None:
                entry["unit_price"] = str(price)
                entry["amount"] = str(
                    quantize_amount(price * Decimal(entry["quantity"]), quote.currency)
                )
            total += Decimal(entry["amount"])
            snapshot.append(entry)
        with transaction.atomic():
            round_ = QuoteRound(
                quote=quote,
                number=_next_round(quote),
                author=actor.membership,
                side=Side.BUYER,
                lines=snapshot,
                terms=_terms_dict(quote),
                total=quantize_amount(total, quote.currency),
                comment=comment,
            )
            validate(round_, exclude=["quote"])
            round_.save()
            _move(quote, frm, S.COUNTERED)
            audit_record(
                actor=actor,
                action="quote.counter",
                target=_ref(quote),
                changes={"side": side, "round": round_.number, "total": str(round_.total)},
            )
            notify(
                person=quote.owner.person,
                company=quote.seller,
                kind="quote.countered",
                title=text(
                    gettext_noop("%(buyer)s 对报价单 %(number)s 还价"),
                    buyer=quote.buyer.short_name,
                    number=quote.number,
                ),
                body=comment[:200],
                link=_link(quote),
            )
        return quote
    frm = _check(quote, S.SENT, _("还价"), allowed_from=[S.SENT, S.COUNTERED])
    _rfq_still_open(quote)
    proposed = _proposals(quote, lines)
    until = (
        future_of(valid_until, field="valid_until", code="valid_until_past")
        if valid_until
        else quote.valid_until
    )
    with transaction.atomic():
        current = list(quote.lines.select_related("sku__product").order_by("position"))
        for line in current:
            if line.position in proposed:
                _apply_price(line, proposed[line.position], quote.currency)
                line.save(update_fields=["unit_price", "discount_percent", "amount"])
        _totals(quote, current)
        quote.valid_until = until
        validate(quote)
        quote.save(update_fields=["total", "engine_total", "discount_percent", "valid_until"])
        audit_record(
            actor=actor,
            action="quote.revise",
            target=_ref(quote),
            changes={"total": str(quote.total), "discount_percent": str(quote.discount_percent)},
        )
        return _offer(quote, actor=actor, comment=comment, frm=frm)


def quote_accept(*, actor: Actor, quote_id: object, comment: str = "") -> Quote:
    """The buyer accepts the seller's latest offer: its lines are now the binding price
    the order will be made from. On an RFQ this awards the RFQ."""
    quote = _buyer_actor(actor, quote_id)
    frm = _check(quote, S.ACCEPTED, _("接受"), allowed_from=[S.SENT])
    rfq = quote.rfq
    if rfq is not None and rfq.effective_status() not in (Rfq.Status.OPEN, Rfq.Status.CLOSED):
        raise not_allowed(rfq.get_effective_status_display(), _("定标"), rfq.status)
    now = timezone.now()
    with transaction.atomic():
        _move(quote, frm, S.ACCEPTED, decided_at=now, decided_by=actor.membership)
        audit_record(
            actor=actor,
            action="quote.accept",
            target=_ref(quote),
            changes={"total": str(quote.total), "comment": comment},
        )
        if rfq is not None:
            changed = Rfq.objects.filter(
                pk=rfq.pk, status__in=[Rfq.Status.OPEN, Rfq.Status.CLOSED]
            ).update(status=Rfq.Status.AWARDED, awarded_quote=quote, closed_at=now)
            if not changed:
                rfq.refresh_from_db()
                raise not_allowed(rfq.get_status_display(), _("定标"), rfq.status)
            audit_record(
                actor=actor,
                action="rfq.award",
                target=f"rfq:{rfq.public_id}",
                changes={"quote": str(quote.public_id)},
            )
            losers = Quote.objects.filter(rfq=rfq, status__in=[S.SENT, S.COUNTERED]).exclude(
                pk=quote.pk
            )
            for other in losers.select_related("owner__person", "seller"):
                Quote.objects.filter(pk=other.pk, status=other.status).update(
                    status=S.REJECTED, decided_at=now, decided_by=actor.membership
                )
                audit_record(
                    actor=actor,
                    action="quote.reject",
                    target=_ref(other),
                    changes={"reason": "rfq_awarded_elsewhere"},
                )
        notify(
            person=quote.owner.person,
            company=quote.seller,
            kind="quote.accepted",
            title=text(
                gettext_noop("%(buyer)s 接受了报价单 %(number)s"),
                buyer=quote.buyer.short_name,
                number=quote.number,
            ),
            body=comment[:200],
            link=_link(quote),
        )
    return quote


def quote_reject(*, actor: Actor, quote_id: object, comment: str = "") -> Quote:
    quote = _buyer_actor(actor, quote_id)
    frm = _check(quote, S.REJECTED, _("拒绝"), allowed_from=[S.SENT, S.COUNTERED])
    with transaction.atomic():
        _move(quote, frm, S.REJECTED, decided_at=timezone.now(), decided_by=actor.membership)
        audit_record(
            actor=actor, action="quote.reject", target=_ref(quote), changes={"comment": comment}
        )
        notify(
            person=quote.owner.person,
            company=quote.seller,
            kind="quote.rejected",
            title=text(
                gettext_noop("%(buyer)s 拒绝了报价单 %(number)s"),
                buyer=quote.buyer.short_name,
                number=quote.number,
            ),
            body=comment[:200],
            link=_link(quote),
        )
    return quote


def quote_withdraw(*, actor: Actor, quote_id: object) -> Quote:
    quote = _seller_actor(actor, quote_id)
    _check(quote, S.WITHDRAWN, _("撤回"))
    with transaction.atomic():
        if quote.status == S.PENDING_APPROVAL and quote.approval_ref:
            request = ApprovalRequest.objects.filter(
                company=quote.seller,
                public_id=parse_public_id(quote.approval_ref.removeprefix("approval:")),
                status=ApprovalRequest.Status.PENDING,
            ).first()
            if request is not None and request.requested_by_id == actor.membership.pk:
                # Its signal puts the quote back to draft through quote_approval_cancelled.
                approval_cancel(actor=actor, request_id=request.public_id)
                quote.refresh_from_db()
        _move(quote, quote.status, S.WITHDRAWN, approval_ref="")
        audit_record(actor=actor, action="quote.withdraw", target=_ref(quote))
    return quote


def quote_expire_sweep(*, now: datetime | None = None) -> int:
    """Expire every live quote past ``valid_until``. Idempotent (conditional updates)."""
    now = now or timezone.now()
    expired = 0
    due = Quote.objects.filter(status__in=list(LIVE), valid_until__lte=now).order_by("pk")
    for quote in due.only("pk", "public_id", "status").iterator():
        with transaction.atomic():
            if Quote.objects.filter(pk=quote.pk, status=quote.status).update(status=S.EXPIRED):
                expired += 1
                audit_record(actor=SYSTEM, action="quote.expire", target=_ref(quote))
    return expired
