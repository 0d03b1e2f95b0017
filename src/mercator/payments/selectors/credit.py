"""Reads of credit terms, scoped to the actor's company: the lines it granted (seller)
and received (buyer), its receivables and payables, and their ageing. Another company's
line or receivable answers 404."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.core.actor import Actor
from mercator.core.errors import NotFound, PermissionDenied, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.money import quantize_amount
from mercator.payments.models import CreditLine, Receivable

ZERO = Decimal("0.00")
SIDES = ("seller", "buyer")
# (key, label, first day overdue, last day overdue) — None = open-ended.
BUCKETS: tuple[tuple[str, Any, int | None, int | None], ...] = (
    ("current", _("未到期"), None, 0),
    ("1-30", _("逾期 1–30 天"), 1, 30),
    ("31-60", _("逾期 31–60 天"), 31, 60),
    ("61-90", _("逾期 61–90 天"), 61, 90),
    ("90+", _("逾期 90 天以上"), 91, None),
)


def _viewer(actor: Actor) -> Any:
    company = actor.require_company()
    if not (actor.can("payments.view") or actor.can("credit.manage")):
        raise PermissionDenied(details={"permission": "payments.view"})
    return company


def can_view_credit(actor: Actor) -> bool:
    return actor.company is not None and (actor.can("payments.view") or actor.can("credit.manage"))


def credit_lines_granted(actor: Actor) -> QuerySet[CreditLine]:
    """The lines the actor's company (as seller) gave its buyers."""
    company = _viewer(actor)
    return CreditLine.objects.filter(seller=company).select_related("buyer", "seller")


def credit_lines_received(actor: Actor) -> QuerySet[CreditLine]:
    """The lines sellers gave the actor's company (as buyer)."""
    company = _viewer(actor)
    return CreditLine.objects.filter(buyer=company).select_related("buyer", "seller")


def credit_lines_visible_to(actor: Actor) -> QuerySet[CreditLine]:
    """Both: the lines the actor's company granted and those it received."""
    company = _viewer(actor)
    return CreditLine.objects.filter(Q(seller=company) | Q(buyer=company)).select_related(
        "buyer", "seller"
    )


def credit_line_get(actor: Actor, line_id: object) -> CreditLine:
    company = _viewer(actor)
    line = (
        CreditLine.objects.filter(public_id=parse_public_id(line_id))
        .filter(Q(seller=company) | Q(buyer=company))
        .select_related("buyer", "seller")
        .first()
    )
    if line is None:
        raise NotFound()
    return line


def _side(side: str) -> str:
    if side not in SIDES:
        raise ValidationFailed(
            _("side 只能是 seller 或 buyer。"), code="invalid_side", details={"field": "side"}
        )
    return side


def receivables_visible_to(
    actor: Actor, side: str = "seller", status: str = ""
) -> QuerySet[Receivable]:
    """``side="seller"``: what buyers owe the actor's company; ``"buyer"``: what it owes.
    ``status``: open, paid or empty for both. Soonest due first."""
    company = _viewer(actor)
    side = _side(side)
    rows = Receivable.objects.filter(**{side: company}).select_related("seller", "buyer")
    if status:
        if status not in Receivable.Status.values:
            raise ValidationFailed(
                _("无效的状态。"), code="invalid_status", details={"field": "status"}
            )
        rows = rows.filter(status=status)
    return rows.order_by("status", "due_on", "pk")


def receivable_get(actor: Actor, receivable_id: object) -> Receivable:
    company = _viewer(actor)
    receivable = (
        Receivable.objects.filter(public_id=parse_public_id(receivable_id))
        .filter(Q(seller=company) | Q(buyer=company))
        .select_related("seller", "buyer")
        .first()
    )
    if receivable is None:
        raise NotFound()
    return receivable


def days_overdue(receivable: Receivable, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return max((today - receivable.due_on).days, 0)


def receivables_ageing(
    actor: Actor, side: str = "seller", today: date | None = None
) -> dict[str, Any]:
    """Outstanding amounts of open receivables (or, ``side="buyer"``, payables) by how
    long past due they are: ``{"buckets": [{"key", "label", "amount", "count"}], "total",
    "currency"}`` (amounts in CNY; other currencies are listed per receivable)."""
    today = today or timezone.localdate()
    rows = receivables_visible_to(actor, side, status=Receivable.Status.OPEN).filter(currency="CNY")
    # Added in Python Decimal: SQLite would SUM the decimals as floats.
    amounts = {key: ZERO for key, *_rest in BUCKETS}
    counts = {key: 0 for key, *_rest in BUCKETS}
    for amount, repaid, due_on in rows.values_list("amount", "repaid", "due_on").iterator():
        overdue = (today - due_on).days
        for key, _label, first, last in BUCKETS:
            if (first is None or overdue >= first) and (last is None or overdue <= last):
                amounts[key] += amount - repaid
                counts[key] += 1
    buckets = [
        {
            "key": key,
            "label": str(label),
            "amount": quantize_amount(amounts[key]),
            "count": counts[key],
        }
        for key, label, _first, _last in BUCKETS
    ]
    total = sum((b["amount"] for b in buckets), ZERO)
    return {"buckets": buckets, "total": total, "currency": "CNY", "side": side}


def credit_buyer_choices(actor: Actor) -> list[tuple[str, str]]:
    """Buyers the seller may grant credit to from its customer list: customers that are
    verified companies on the platform and have no line yet."""
    from mercator.companies.models import Customer

    company = actor.require_company()
    granted = CreditLine.objects.filter(seller=company).values("buyer_id")
    customers = (
        Customer.objects.filter(
            company=company,
            counterpart__isnull=False,
            counterpart__verification_status="verified",
        )
        .exclude(counterpart=company)
        .exclude(counterpart_id__in=granted)
        .select_related("counterpart")
        .order_by("name")
    )
    seen: dict[str, str] = {}
    for customer in customers:
        other = customer.counterpart
        seen.setdefault(str(other.public_id), f"{other.short_name}（{other.legal_name}）")
    return list(seen.items())


def credit_buyer_lookup(actor: Actor, text: str) -> Any | None:
    """A verified company by its credit code (统一社会信用代码) or exact name."""
    from mercator.companies.models import Company

    actor.require_company()
    text = (text or "").strip()
    if not text:
        return None
    verified = Company.objects.filter(verification_status="verified")
    found = verified.filter(credit_code=text.upper()).first()
    found = found or verified.filter(legal_name=text).first()
    if found is None:
        short = list(verified.filter(short_name=text)[:2])
        found = short[0] if len(short) == 1 else None  # an ambiguous short name finds none
    return found
