"""Commission plans and monthly statements (终身分润): the only writers.

The rule, in one place (``_lines_for``):
- A rep's customers are the companies of the targets he opened (``Target.opened_by``);
  an order counts for him when its buyer or seller is one of them and it was paid (credit
  orders: settled) at or after that target's ``opened_at``, in the statement's currency,
  with real money (an order paid through the sandbox gateway earns nothing).
- An order's fee due is its information fee as it stands now: 0 when cancelled (wholly
  refunded), ``fee_amount`` once settled (a partly refunded dispute takes the fee on
  what remains), else ``fee_of(total, fee_percent)``.
- A statement of month P holds, for every such order counted before the end of P and for
  every order already on an earlier statement of the rep, one line of the difference
  between ``fee_of(fee due, share)`` and what the earlier statements already gave for it:
  positive = EARN (fee base = the fee not yet counted), negative = CLAWBACK. So over all
  statements an order's lines sum to exactly ``fee_of(final fee, share)`` (the one
  rounding point, ROUND_HALF_UP), whatever refunds came between. The share is the plan's
  at the order's first line, kept for its later lines.
- total = earned + clawback + carried in (the negative balance the last issued statement
  carried out); payable = max(total, 0); carried out = min(total, 0).

States: draft → issued → paid (one service each; anything else is a 409 naming the
state). ``statement_run`` (re)computes drafts and never touches an issued statement, nor
creates one behind a later issued statement: later facts go into the next month's.
Running twice is running once (an unchanged draft is not written again). Issuing
recomputes the draft, freezes it and books its payable (expense → payable); paying moves
it to the partner's wallet, or out through the bank for the platform's own reps; both
happen at most once per statement (ledger dedupe keys ``commission:<id>:book|pay``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, ValidationFailed, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import to_decimal
from mercator.core.reports import month_range
from mercator.core.services import audit_record, validate
from mercator.fieldsales.models import (
    CommissionLine,
    CommissionPlan,
    CommissionStatement,
    Rep,
    Target,
)
from mercator.payments.fees import fee_of
from mercator.payments.models import PaymentIntent
from mercator.payments.services.commission import commission_book, commission_pay
from mercator.pricing.models import PaymentTerms
from mercator.trading.models import Order

ZERO = Decimal("0.00")
S = CommissionStatement.Status
K = CommissionLine.Kind
TRANSITIONS: dict[str, set[str]] = {S.DRAFT: {S.ISSUED}, S.ISSUED: {S.PAID}, S.PAID: set()}
CURRENCY = "CNY"
MAX_PERCENT = Decimal("100")


# ------------------------------------------------------------------------ who may


def can_run(actor: Actor) -> bool:
    """The operator runs statements (and the monthly task, as the system)."""
    return actor.is_operator or actor.via == "system"


def can_issue(actor: Actor, statement: CommissionStatement) -> bool:
    return actor.is_operator and S.ISSUED in TRANSITIONS[statement.status]


def can_pay(actor: Actor, statement: CommissionStatement) -> bool:
    return actor.is_operator and S.PAID in TRANSITIONS[statement.status]


def _require_operator(actor: Actor) -> None:
    # Plans and statement runs are the platform's business: anyone else is told nothing.
    if not actor.is_authenticated or not actor.is_operator:
        raise NotFound()


# ------------------------------------------------------------------------ plans


def _name(value: object) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValidationFailed(_("请填写名称。"), code="name_required", details={"field": "name"})
    if len(text) > 100:
        raise ValidationFailed(
            _("内容过长（最多 %(max)s 个字符）。") % {"max": 100},
            code="too_long",
            details={"field": "name"},
        )
    return text


def _percent(value: object) -> Decimal:
    try:
        number = to_decimal(value)
    except ValidationFailed:
        raise ValidationFailed(
            _("分润比例必须是数字。"), code="invalid_percent", details={"field": "share_percent"}
        ) from None
    if number < 0 or number > MAX_PERCENT or number != number.quantize(Decimal("0.001")):
        raise ValidationFailed(
            _("分润比例应在 0 到 100 之间，最多三位小数。"),
            code="invalid_percent",
            details={"field": "share_percent"},
        )
    return number.quantize(Decimal("0.001"))


def plan_create(
    *, actor: Actor, name: object, share_percent: object, is_active: bool = True
) -> CommissionPlan:
    _require_operator(actor)
    plan = CommissionPlan(
        name=_name(name), share_percent=_percent(share_percent), is_active=bool(is_active)
    )
    with transaction.atomic():
        validate(plan)
        plan.save()
        audit_record(
            actor=actor,
            action="commission.plan_create",
            target=f"commission_plan:{plan.public_id}",
            changes={"name": plan.name, "share_percent": str(plan.share_percent)},
        )
    return plan


def _plan(plan_id: object, *, lock: bool = False) -> CommissionPlan:
    key = parse_public_id(plan_id)
    rows = CommissionPlan.objects.select_for_update() if lock else CommissionPlan.objects
    plan = rows.filter(public_id=key).first() if key else None
    if plan is None:
        raise NotFound()
    return plan


def plan_update(
    *,
    actor: Actor,
    plan_id: object,
    name: object = None,
    share_percent: object = None,
    is_active: bool | None = None,
) -> CommissionPlan:
    """Change a plan. A new share applies to orders not yet on any statement; an order
    keeps the share of its first line."""
    _require_operator(actor)
    with transaction.atomic():
        plan = _plan(plan_id, lock=True)
        changes: dict[str, Any] = {}
        if name is not None and _name(name) != plan.name:
            changes["name"] = [plan.name, _name(name)]
            plan.name = _name(name)
        if share_percent is not None and _percent(share_percent) != plan.share_percent:
            new = _percent(share_percent)
            changes["share_percent"] = [str(plan.share_percent), str(new)]
            plan.share_percent = new
        if is_active is not None and bool(is_active) != plan.is_active:
            changes["is_active"] = [plan.is_active, bool(is_active)]
            plan.is_active = bool(is_active)
        if changes:
            validate(plan)
            plan.save()
            audit_record(
                actor=actor,
                action="commission.plan_update",
                target=f"commission_plan:{plan.public_id}",
                changes=changes,
            )
    return plan


def rep_plan_set(*, actor: Actor, rep_id: object, plan_id: object = None) -> Rep:
    """Put a rep on a plan (``plan_id`` empty: on none; he earns nothing new)."""
    _require_operator(actor)
    key = parse_public_id(rep_id)
    with transaction.atomic():
        rep = Rep.objects.select_for_update().filter(public_id=key).first() if key else None
        if rep is None:
            raise NotFound()
        plan = _plan(plan_id) if plan_id not in (None, "") else None
        if plan is not None and not plan.is_active:
            raise Conflict(_("该分润方案已停用。"), code="plan_inactive")
        if rep.plan_id != (plan.pk if plan else None):
            before = str(rep.plan.public_id) if rep.plan_id else ""
            Rep.objects.filter(pk=rep.pk).update(plan=plan)
            rep.refresh_from_db()
            audit_record(
                actor=actor,
                action="commission.plan_assign",
                # The plan he is put on, or the one he leaves.
                target=f"commission_plan:{plan.public_id if plan else before}",
                changes={
                    "rep": str(rep.public_id),
                    "plan": [before, str(plan.public_id) if plan else ""],
                },
            )
    return rep


# ------------------------------------------------------------------------ the rule


@dataclass
class _Prior:
    amount: Decimal = ZERO
    fee: Decimal = ZERO
    share: Decimal | None = None
    customer_id: int | None = None
    number: str = ""


@dataclass(frozen=True)
class _Line:
    kind: str
    customer_id: int
    order_ref: str
    order_number: str
    fee: Decimal
    share_percent: Decimal
    amount: Decimal

    def key(self) -> tuple[Any, ...]:
        return (
            self.kind,
            self.customer_id,
            self.order_ref,
            self.order_number,
            self.fee,
            self.share_percent,
            self.amount,
        )


@dataclass
class _Figures:
    lines: list[_Line] = field(default_factory=list)
    earned: Decimal = ZERO
    clawback: Decimal = ZERO
    carried_in: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.earned + self.clawback + self.carried_in

    @property
    def empty(self) -> bool:
        return not self.lines and self.carried_in == 0


def fee_due(order: Order) -> Decimal:
    """The information fee an order owes the platform as it stands now."""
    if order.status == Order.Status.CANCELLED:
        return ZERO
    if order.status == Order.Status.SETTLED:
        return order.fee_amount
    return fee_of(order.total, order.fee_percent, order.currency)


def _counted_at(order: Order) -> datetime | None:
    if order.paid_at is not None:
        return order.paid_at
    if order.payment_terms == PaymentTerms.CREDIT and order.status == Order.Status.SETTLED:
        return order.settled_at
    return None


def _priors(rep: Rep, period: Any) -> dict[str, _Prior]:
    """What the rep's earlier statements already gave per order (summed in Decimal)."""
    priors: dict[str, _Prior] = defaultdict(_Prior)
    rows = CommissionLine.objects.filter(statement__rep=rep, statement__period__lt=period).order_by(
        "statement__period", "at", "pk"
    )
    for line in rows.values_list(
        "order_ref", "amount", "fee", "share_percent", "customer_id", "order_number"
    ):
        ref, amount, fee, share, customer_id, number = line
        prior = priors[ref]
        prior.amount += amount
        prior.fee += fee
        if prior.share is None:
            prior.share, prior.customer_id, prior.number = share, customer_id, number
    return priors


def _customer(order: Order, opened: dict[int, datetime | None]) -> int | None:
    """The rep's customer on this order (buyer first), counted from its opening."""
    at = _counted_at(order)
    if at is None:
        return None
    for company_id in (order.buyer_id, order.seller_id):
        if company_id in opened:
            since = opened[company_id]
            if since is None or at >= since:
                return company_id
    return None


def _lines_for(rep: Rep, period: Any, end: datetime) -> _Figures:
    opened: dict[int, datetime | None] = {}
    for company_id, at in Target.objects.filter(opened_by=rep, company__isnull=False).values_list(
        "company_id", "opened_at"
    ):
        if company_id not in opened:
            opened[company_id] = at
        elif opened[company_id] is not None:
            opened[company_id] = None if at is None else min(opened[company_id], at)
    priors = _priors(rep, period)
    prior_ids = [parse_public_id(ref.partition(":")[2]) for ref in priors]
    counted = Q(paid_at__lt=end) | Q(
        paid_at__isnull=True,
        payment_terms=PaymentTerms.CREDIT,
        status=Order.Status.SETTLED,
        settled_at__lt=end,
    )
    scope = Q(pk__in=[])
    if opened:
        scope |= (Q(buyer_id__in=list(opened)) | Q(seller_id__in=list(opened))) & counted
    if prior_ids:
        scope |= Q(public_id__in=[i for i in prior_ids if i is not None])
    orders = list(Order.objects.filter(scope, currency=CURRENCY).order_by("paid_at", "pk"))
    sandbox = set(
        PaymentIntent.objects.filter(
            reference__in=[o.ref for o in orders],
            sandbox=True,
            status=PaymentIntent.Status.SUCCEEDED,
        ).values_list("reference", flat=True)
    )
    plan = rep.plan if rep.plan_id and rep.plan.is_active else None
    figures = _Figures()
    for order in orders:
        prior = priors.get(order.ref)
        customer_id = _customer(order, opened)
        if prior is None and (customer_id is None or plan is None or order.ref in sandbox):
            continue
        share = prior.share if prior is not None else plan.share_percent  # type: ignore[union-attr]
        due = ZERO if order.ref in sandbox else fee_due(order)
        base = prior or _Prior()
        fee = due - base.fee
        amount = fee_of(due, share, order.currency) - base.amount
        if fee == 0 and amount == 0:
            continue
        kind = K.EARN if fee > 0 or (fee == 0 and amount > 0) else K.CLAWBACK
        figures.lines.append(
            _Line(
                kind=kind,
                customer_id=customer_id or base.customer_id,  # type: ignore[arg-type]
                order_ref=order.ref,
                order_number=order.number,
                fee=fee,
                share_percent=share,
                amount=amount,
            )
        )
        if kind == K.EARN:
            figures.earned += amount
        else:
            figures.clawback += amount
    last = (
        CommissionStatement.objects.filter(
            rep=rep, period__lt=period, status__in=(S.ISSUED, S.PAID)
        )
        .order_by("-period")
        .first()
    )
    figures.carried_in = last.carried_out if last is not None else ZERO
    return figures


def _signature(statement: CommissionStatement) -> list[tuple[Any, ...]]:
    return [
        (
            line.kind,
            line.customer_id,
            line.order_ref,
            line.order_number,
            line.fee,
            line.share_percent,
            line.amount,
        )
        for line in statement.lines.all()
    ]


def _write(
    statement: CommissionStatement | None, rep: Rep, period: Any, figures: _Figures, actor: Actor
) -> CommissionStatement | None:
    """Write the draft as ``figures`` say; nothing at all when it already says so."""
    if figures.empty:
        if statement is not None:  # a draft left with nothing: gone
            target = statement.ref
            statement.lines.all().delete()
            statement.delete()
            audit_record(actor=actor, action="commission.statement_drop", target=target)
        return None
    total = figures.total
    values = {
        "earned": figures.earned,
        "clawback": figures.clawback,
        "carried_in": figures.carried_in,
        "payable": max(total, ZERO),
        "carried_out": min(total, ZERO),
    }
    wanted = sorted(line.key() for line in figures.lines)
    if (
        statement is not None
        and sorted(_signature(statement)) == wanted
        and all(getattr(statement, k) == v for k, v in values.items())
    ):
        return statement  # unchanged: run twice = run once
    created = statement is None
    if statement is None:
        statement = CommissionStatement(rep=rep, period=period, currency=CURRENCY, **values)
        validate(statement)
        statement.save()
    else:
        CommissionStatement.objects.filter(pk=statement.pk, status=S.DRAFT).update(**values)
        statement.refresh_from_db()
        statement.lines.all().delete()
    now = timezone.now()
    CommissionLine.objects.bulk_create(
        CommissionLine(
            statement=statement,
            kind=line.kind,
            customer_id=line.customer_id,
            order_ref=line.order_ref,
            order_number=line.order_number,
            fee=line.fee,
            share_percent=line.share_percent,
            amount=line.amount,
            at=now,
        )
        for line in figures.lines
    )
    audit_record(
        actor=actor,
        action="commission.statement_draft",
        target=statement.ref,
        changes={
            "created": created,
            "period": statement.period.isoformat(),
            "lines": len(figures.lines),
            **{k: str(v) for k, v in values.items()},
        },
    )
    return statement


def _period(month: object, now: datetime) -> tuple[Any, datetime]:
    span = month_range(month.strftime("%Y-%m") if hasattr(month, "strftime") else month)
    _start, end = span.bounds()
    if end > now:
        raise ValidationFailed(
            _("该月尚未结束，不能生成对账单。"), code="month_not_ended", details={"field": "month"}
        )
    return span.start, end


def _run_one(rep: Rep, period: Any, end: datetime, actor: Actor) -> CommissionStatement | None:
    with transaction.atomic():
        Rep.objects.select_for_update().filter(pk=rep.pk).first()  # one run per rep at once
        later = CommissionStatement.objects.filter(
            rep=rep, period__gt=period, status__in=(S.ISSUED, S.PAID)
        ).exists()
        statement = CommissionStatement.objects.filter(rep=rep, period=period).first()
        if statement is not None and statement.status != S.DRAFT:
            return statement  # issued: never rewritten
        if later and statement is None:
            return None  # its facts went into the later statement already
        return _write(statement, rep, period, _lines_for(rep, period, end), actor)


def statement_run(
    *, actor: Actor, month: object, now: datetime | None = None
) -> list[CommissionStatement]:
    """(Re)compute month ``month`` ("YYYY-MM" or a date in it, ended by ``now``) for every
    rep with a plan or with statements already. One short transaction per rep."""
    if not can_run(actor):
        raise NotFound()
    now = now or timezone.now()
    period, end = _period(month, now)
    reps = Rep.objects.filter(Q(plan__isnull=False) | Q(statements__isnull=False)).distinct()
    out = []
    for rep in reps.select_related("plan").order_by("pk"):
        statement = _run_one(rep, period, end, actor)
        if statement is not None:
            out.append(statement)
    return out


def statements_run_due(*, now: datetime | None = None) -> int:
    """The monthly task: on the 1st (local time) run last month's statements. Hourly
    runs on that day recompute the same drafts (idempotent), so a worker that was down
    at midnight still runs them."""
    from mercator.core.actor import SYSTEM

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if today.day != 1:
        return 0
    last = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return len(statement_run(actor=SYSTEM, month=last, now=now))


# ------------------------------------------------------------------------ issue, pay


def _locked(actor: Actor, statement_id: object) -> CommissionStatement:
    _require_operator(actor)
    key = parse_public_id(statement_id)
    rows = CommissionStatement.objects.select_for_update().select_related("rep__company")
    statement = rows.filter(public_id=key).first() if key else None
    if statement is None:
        raise NotFound()
    return statement


def _move(statement: CommissionStatement, frm: str, action: Any, **fields: Any) -> None:
    moved = CommissionStatement.objects.filter(pk=statement.pk, status=frm).update(**fields)
    statement.refresh_from_db()
    if not moved:  # decided meanwhile (cannot happen under the lock on PostgreSQL)
        raise not_allowed(statement.get_status_display(), action, statement.status)


def statement_issue(
    *, actor: Actor, statement_id: object, now: datetime | None = None
) -> CommissionStatement:
    """Recompute the draft with today's facts, freeze it and book its payable."""
    action = _("确认对账单")
    with transaction.atomic():
        statement = _locked(actor, statement_id)
        if S.ISSUED not in TRANSITIONS[statement.status]:
            raise not_allowed(statement.get_status_display(), action, statement.status)
        if CommissionStatement.objects.filter(
            rep=statement.rep, period__lt=statement.period, status=S.DRAFT
        ).exists():
            raise Conflict(
                _("该地推人员还有更早月份的对账单未确认，请先确认。"), code="earlier_draft"
            )
        _period_start, end = _period(statement.period, now or timezone.now())
        figures = _lines_for(statement.rep, statement.period, end)
        if figures.empty:
            figures = _Figures()  # issued with nothing: a statement of zero
        kept = _write_or_zero(statement, figures, actor)
        _move(
            kept,
            S.DRAFT,
            action,
            status=S.ISSUED,
            issued_at=timezone.now(),
            issued_by=actor.membership,
        )
        if kept.payable > 0:
            commission_book(
                reference=kept.ref,
                amount=kept.payable,
                currency=kept.currency,
                created_by=actor.membership,
                memo=f"commission {kept.rep.name} {kept.period:%Y-%m}",
            )
        audit_record(
            actor=actor,
            action="commission.statement_issue",
            target=kept.ref,
            changes={"status": [S.DRAFT, S.ISSUED], "payable": str(kept.payable)},
        )
    return kept


def _write_or_zero(
    statement: CommissionStatement, figures: _Figures, actor: Actor
) -> CommissionStatement:
    if figures.empty:
        CommissionStatement.objects.filter(pk=statement.pk).update(
            earned=ZERO, clawback=ZERO, carried_in=ZERO, payable=ZERO, carried_out=ZERO
        )
        statement.lines.all().delete()
        statement.refresh_from_db()
        return statement
    written = _write(statement, statement.rep, statement.period, figures, actor)
    assert written is not None
    return written


def statement_pay(*, actor: Actor, statement_id: object) -> CommissionStatement:
    """Pay an issued statement's payable: to the partner's wallet, or out through the
    bank for the platform's own rep. A statement of nothing payable is marked paid with
    nothing moved (its negative balance was carried into the next month)."""
    action = _("发放分润")
    with transaction.atomic():
        statement = _locked(actor, statement_id)
        if S.PAID not in TRANSITIONS[statement.status]:
            raise not_allowed(statement.get_status_display(), action, statement.status)
        _move(
            statement,
            S.ISSUED,
            action,
            status=S.PAID,
            paid_at=timezone.now(),
            paid_by=actor.membership,
        )
        company = statement.rep.company
        if statement.payable > 0:
            commission_pay(
                reference=statement.ref,
                amount=statement.payable,
                company=None if company.is_platform else company,
                currency=statement.currency,
                created_by=actor.membership,
                memo=f"commission {statement.rep.name} {statement.period:%Y-%m}",
            )
        audit_record(
            actor=actor,
            action="commission.statement_pay",
            target=statement.ref,
            changes={"status": [S.ISSUED, S.PAID], "payable": str(statement.payable)},
        )
    return statement
