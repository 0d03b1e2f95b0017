"""Demo commission (终身分润, issue 14): a 10 % plan for every demo rep without one, then
every month that has ended since the first account a rep opened is run, issued and paid
in order through the real services, as the operator (ops@mercator.demo). Runs after
``build_fieldsales`` and works on whatever reps and opened targets exist; safe to run
again (a run is idempotent, issued statements are left alone, booking and paying happen
once per statement)."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Min
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Membership
from mercator.core.actor import Actor
from mercator.core.models import User
from mercator.fieldsales.models import CommissionPlan, CommissionStatement, Rep, Target
from mercator.fieldsales.services import commission as services

OPERATOR = "ops@mercator.demo"
PLAN = "标准终身分润"
SHARE = Decimal("10")


def _operator() -> Actor | None:
    seat = (
        Membership.objects.filter(person__email=OPERATOR, person__is_staff=True, is_active=True)
        .select_related("person", "company")
        .first()
    )
    if seat is not None:
        return actor_for_membership(seat, via="system")
    person = User.objects.filter(email=OPERATOR, is_staff=True).first()
    return Actor(person=person, via="system") if person is not None else None


def _months(since: date, today: date) -> list[date]:
    """First days of the months from ``since``'s to the last one that has ended."""
    months, first = [], since.replace(day=1)
    while first < today.replace(day=1):
        months.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def build_commission() -> list[CommissionStatement]:
    ops = _operator()
    if ops is None:
        return []
    plan = CommissionPlan.objects.filter(name=PLAN).first() or services.plan_create(
        actor=ops, name=PLAN, share_percent=SHARE
    )
    for rep in Rep.objects.filter(plan__isnull=True, is_active=True):
        services.rep_plan_set(actor=ops, rep_id=rep.public_id, plan_id=plan.public_id)
    first = Target.objects.filter(opened_by__isnull=False).aggregate(at=Min("opened_at"))["at"]
    if first is None:
        return []
    done: list[CommissionStatement] = []
    for month in _months(timezone.localtime(first).date(), timezone.localdate()):
        for statement in services.statement_run(actor=ops, month=month):
            if statement.status == CommissionStatement.Status.DRAFT:
                statement = services.statement_issue(actor=ops, statement_id=statement.public_id)
            if statement.status == CommissionStatement.Status.ISSUED:
                statement = services.statement_pay(actor=ops, statement_id=statement.public_id)
            done.append(statement)
    return done
