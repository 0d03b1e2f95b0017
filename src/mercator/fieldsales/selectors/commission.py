"""Reads of commission: plans (the operator's), statements and their lines (scoped by
``scope.statements_visible_to``: a rep his own, a manager his reps', the operator all),
and which order numbers the reader may open as links."""

from datetime import date

from django.db.models import QuerySet
from django.urls import reverse

from mercator.core.actor import Actor
from mercator.core.errors import NotFound, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.reports import month_range
from mercator.fieldsales.models import CommissionLine, CommissionPlan, CommissionStatement, Rep
from mercator.fieldsales.selectors.scope import (
    field_team,
    get_or_404,
    reps_visible_to,
    statements_visible_to,
)
from mercator.trading.selectors.orders import orders_visible_to


def sees_statements(actor: Actor) -> bool:
    """Who has a statements page in the navigation: the field team (``scope.field_team``)."""
    return field_team(actor)


def require_plan_operator(actor: Actor) -> None:
    """Plans are the platform's: anyone else gets a 404."""
    if not actor.is_authenticated or not actor.is_operator:
        raise NotFound()


def plans_for_operator(actor: Actor) -> QuerySet[CommissionPlan]:
    require_plan_operator(actor)
    return CommissionPlan.objects.all()


def plan_get(actor: Actor, plan_id: object) -> CommissionPlan:
    return get_or_404(plans_for_operator(actor), plan_id)


def reps_for_plans(actor: Actor) -> QuerySet[Rep]:
    """Every rep, with his plan, for the operator's plan page."""
    require_plan_operator(actor)
    return reps_visible_to(actor).order_by("company__short_name", "name", "pk")


def statements_list(
    actor: Actor, *, status: str = "", month: str = "", rep_id: str = ""
) -> QuerySet[CommissionStatement]:
    """The reader's statements, newest month first, filtered (bad filters are a 422)."""
    rows = statements_visible_to(actor).select_related("rep__plan")
    if status:
        if status not in CommissionStatement.Status.values:
            raise ValidationFailed(code="invalid_status", details={"field": "status"})
        rows = rows.filter(status=status)
    if month:
        rows = rows.filter(period=month_range(month).start)
    if rep_id:
        key = parse_public_id(rep_id)
        if key is None:
            raise ValidationFailed(code="invalid_rep", details={"field": "rep"})
        rows = rows.filter(rep__public_id=key)
    return rows.order_by("-period", "rep__name", "pk")


def statement_get(actor: Actor, statement_id: object) -> CommissionStatement:
    return get_or_404(statements_visible_to(actor), statement_id)


def statement_lines(statement: CommissionStatement) -> QuerySet[CommissionLine]:
    """The lines of a statement the reader already holds (``statement_get``)."""
    return CommissionLine.objects.filter(statement=statement).select_related("customer")


def order_links(actor: Actor, lines: list[CommissionLine]) -> dict[str, str]:
    """``{order_ref: url}`` for the lines' orders the reader may open; the rest show
    their number only (a rep does not see his customers' orders)."""
    ids = [parse_public_id(line.order_ref.partition(":")[2]) for line in lines]
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    found = (
        orders_visible_to(actor).filter(public_id__in=wanted).values_list("public_id", flat=True)
    )
    return {f"order:{pk}": reverse("order-detail", args=[pk]) for pk in found}


def statement_months(actor: Actor) -> list[date]:
    return sorted(set(statements_visible_to(actor).values_list("period", flat=True)), reverse=True)
