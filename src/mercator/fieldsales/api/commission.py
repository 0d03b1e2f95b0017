"""Field-sales API: commission plans (the operator's) and monthly statements.

A rep reads his own statements, a partner's manager his reps', the operator all; anyone
else's statement is a 404. The operator runs a month (``POST /fieldsales/statements/run``,
idempotent), issues a draft (books its payable) and pays an issued statement; a
disallowed step is a 409 naming the state. Send an ``Idempotency-Key`` with each POST."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS, NOT_BLANK
from mercator.fieldsales.models import CommissionPlan, CommissionStatement, Rep
from mercator.fieldsales.selectors import commission as selectors
from mercator.fieldsales.services import commission as services

router = Router(tags=["fieldsales"])

PERCENT_PATTERN = r"^\d{1,3}(\.\d{1,3})?$"


class PlanOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    share_percent: str
    is_active: bool

    @staticmethod
    def resolve_share_percent(obj: CommissionPlan) -> str:
        return str(obj.share_percent)


class PlanIn(Schema):
    name: str = Field(..., max_length=100, pattern=NOT_BLANK)
    share_percent: str = Field(..., pattern=PERCENT_PATTERN, description="e.g. 10 for 10 %")
    is_active: bool = True


class PlanPatch(Schema):
    name: str | None = Field(None, max_length=100, pattern=NOT_BLANK)
    share_percent: str | None = Field(None, pattern=PERCENT_PATTERN)
    is_active: bool | None = None


class PlanAssignIn(Schema):
    rep: UUID = Field(..., description="the rep to put on this plan")


class RepOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    company: str
    plan: UUID | None

    @staticmethod
    def resolve_company(obj: Rep) -> str:
        return obj.company.short_name

    @staticmethod
    def resolve_plan(obj: Rep) -> UUID | None:
        return obj.plan.public_id if obj.plan_id else None


class LineOut(Schema):
    kind: str
    customer: str
    order_ref: str
    order_number: str
    fee: str
    share_percent: str
    amount: str
    at: datetime

    @staticmethod
    def resolve_customer(obj: Any) -> str:
        return obj.customer.short_name

    @staticmethod
    def resolve_fee(obj: Any) -> str:
        return str(obj.fee)

    @staticmethod
    def resolve_share_percent(obj: Any) -> str:
        return str(obj.share_percent)

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return str(obj.amount)


class StatementOut(Schema):
    id: UUID = Field(alias="public_id")
    rep: RepOut
    period: date
    currency: str
    status: str
    earned: str
    clawback: str
    carried_in: str
    payable: str
    carried_out: str
    issued_at: datetime | None
    paid_at: datetime | None

    @staticmethod
    def resolve_earned(obj: CommissionStatement) -> str:
        return str(obj.earned)

    @staticmethod
    def resolve_clawback(obj: CommissionStatement) -> str:
        return str(obj.clawback)

    @staticmethod
    def resolve_carried_in(obj: CommissionStatement) -> str:
        return str(obj.carried_in)

    @staticmethod
    def resolve_payable(obj: CommissionStatement) -> str:
        return str(obj.payable)

    @staticmethod
    def resolve_carried_out(obj: CommissionStatement) -> str:
        return str(obj.carried_out)


class StatementDetailOut(StatementOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: CommissionStatement) -> list[Any]:
        return list(selectors.statement_lines(obj))


class RunIn(Schema):
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$", description="YYYY-MM, a month that has ended")


# ------------------------------------------------------------------------ plans


@router.get("/fieldsales/plans", response={200: list[PlanOut], **ERRORS})
@paginate(LimitOffset)
def plan_list(request: HttpRequest) -> QuerySet[CommissionPlan]:
    """Every commission plan (operators only)."""
    return selectors.plans_for_operator(request.actor)


@router.post("/fieldsales/plans", response={201: PlanOut, **ERRORS})
def plan_create(request: HttpRequest, payload: PlanIn) -> Status:
    plan = services.plan_create(
        actor=request.actor,
        name=payload.name,
        share_percent=payload.share_percent,
        is_active=payload.is_active,
    )
    return Status(201, plan)


@router.patch("/fieldsales/plans/{plan_id}", response={200: PlanOut, **ERRORS})
def plan_update(request: HttpRequest, plan_id: str, payload: PlanPatch) -> CommissionPlan:
    """Rename, change the share (orders already on a statement keep theirs) or stop."""
    return services.plan_update(
        actor=request.actor,
        plan_id=plan_id,
        name=payload.name,
        share_percent=payload.share_percent,
        is_active=payload.is_active,
    )


@router.post("/fieldsales/plans/{plan_id}/reps", response={200: RepOut, **ERRORS})
def plan_assign(request: HttpRequest, plan_id: str, payload: PlanAssignIn) -> Rep:
    """Put a rep on this plan."""
    return services.rep_plan_set(actor=request.actor, rep_id=payload.rep, plan_id=plan_id)


# ------------------------------------------------------------------------ statements


@router.get("/fieldsales/statements", response={200: list[StatementOut], **ERRORS})
@paginate(LimitOffset)
def statement_list(
    request: HttpRequest, status: str = "", month: str = "", rep: str = ""
) -> QuerySet[CommissionStatement]:
    """The reader's statements, newest month first (``?status=``, ``?month=YYYY-MM``,
    ``?rep=<id>``)."""
    return selectors.statements_list(request.actor, status=status, month=month, rep_id=rep)


class RunOut(Schema):
    month: str
    statements: list[StatementOut]


@router.post("/fieldsales/statements/run", response={200: RunOut, **ERRORS})
def statement_run(request: HttpRequest, payload: RunIn) -> dict[str, Any]:
    """(Re)compute a month's drafts for every rep with a plan (operators only). Issued
    statements are never rewritten; running twice is running once."""
    done = services.statement_run(actor=request.actor, month=payload.month)
    return {"month": payload.month, "statements": done}


@router.get("/fieldsales/statements/{statement_id}", response={200: StatementDetailOut, **ERRORS})
def statement_detail(request: HttpRequest, statement_id: str) -> CommissionStatement:
    return selectors.statement_get(request.actor, statement_id)


@router.post(
    "/fieldsales/statements/{statement_id}/issue", response={200: StatementDetailOut, **ERRORS}
)
def statement_issue(request: HttpRequest, statement_id: str) -> CommissionStatement:
    """Recompute the draft, freeze it and book its payable (409 unless a draft)."""
    return services.statement_issue(actor=request.actor, statement_id=statement_id)


@router.post(
    "/fieldsales/statements/{statement_id}/pay", response={200: StatementDetailOut, **ERRORS}
)
def statement_pay(request: HttpRequest, statement_id: str) -> CommissionStatement:
    """Pay the issued statement's payable (409 unless issued)."""
    return services.statement_pay(actor=request.actor, statement_id=statement_id)
