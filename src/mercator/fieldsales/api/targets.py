"""Field-sales API: target markets, the Excel import of their targets, targets (assign,
key persons, open an account, reasons against), visits, the reps' registry and the
operator's list of reasons.

Who sees what is ``fieldsales.selectors.scope``: the operator everything; a partner's
manager his own reps and the targets they hold; a rep only his targets and his visits;
anyone else none. Another party's id is a 404 ``not_found``, never a 403.

Errors: 403 ``operator_only`` (markets, imports, reasons list), ``not_your_target``
(work on a target another rep holds), ``cannot_assign``, ``cannot_register_reps``;
409 ``duplicate_target``, ``already_on_platform``, ``already_rep``,
``duplicate_reason``, ``import_conflict``; 422 ``invalid_rows`` (with
``details.errors``: row, column, code, message), ``malformed_workbook`` and the other
workbook checks, ``role_cannot_work``, ``date_in_future`` and the field checks."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from mercator.catalog import workbook_guard
from mercator.core.listing import XLSX
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS, IsoDate
from mercator.fieldsales.models import Rep, Target, TargetMarket, Visit
from mercator.fieldsales.selectors import targets as selectors
from mercator.fieldsales.selectors.scope import visits_visible_to
from mercator.fieldsales.services import markets as market_services
from mercator.fieldsales.services import reasons as reason_services
from mercator.fieldsales.services import reps as rep_services
from mercator.fieldsales.services import target_import
from mercator.fieldsales.services import targets as target_services
from mercator.fieldsales.services import visits as visit_services
from mercator.trading.selectors.paging import Shaped

router = Router(tags=["fieldsales"])


# ------------------------------------------------------------------------- schemas


class FieldsalesMarketIn(Schema):
    name: str = Field(max_length=100)
    province: str = Field("", max_length=30, description="A province name, e.g. 广西")
    industry: str = Field("", max_length=60)
    description: str = Field("", max_length=2000)
    category: str = Field("", max_length=40, description="A catalog category code")


class FieldsalesMarketPatchIn(Schema):
    name: str | None = Field(None, max_length=100)
    industry: str | None = Field(None, max_length=60)
    description: str | None = Field(None, max_length=2000)
    is_active: bool | None = None


class FieldsalesMarketOut(Schema):
    id: str
    name: str
    province: str
    industry: str
    description: str
    currency: str
    is_active: bool
    targets: int = Field(description="Targets in the market that the caller sees")
    assigned: int = Field(description="Of those, targets assigned to a rep")
    on_platform: int = Field(description="Of those, targets with a company on the platform")
    opened: int = Field(description="Of those, targets whose account a rep opened")
    lost: int = Field(description="Of those, targets given up (a reason recorded as lost)")


class FieldsalesImportError(Schema):
    row: int = Field(description="Row number as Excel shows it (the header is row 1)")
    column: str
    code: str
    message: str


class FieldsalesImportDuplicate(Schema):
    row: int = Field(description="Row number as Excel shows it (the header is row 1)")
    name: str
    target: str = Field(description="The market's existing target the row duplicates")
    by: str = Field(description="credit_code, name or company")


class FieldsalesImportOut(Schema):
    dry_run: bool
    created: int = Field(description="Targets created (or, in a dry run, to be created)")
    matched_credit_code: int = Field(
        description="New targets matched to a platform company by credit code"
    )
    matched_name: int = Field(description="New targets matched to a platform company by name")
    duplicates: list[FieldsalesImportDuplicate]


class FieldsalesRepRef(Schema):
    id: str
    name: str
    company: str


class FieldsalesTargetIn(Schema):
    market: str
    name: str = Field(max_length=200)
    credit_code: str = Field("", max_length=18)
    province: str = Field("", max_length=30)
    city: str = Field("", max_length=30)
    size_band: str = Field("", max_length=20, description="micro, small, medium or large")
    monthly_need: str = Field(
        "", max_length=30, description="Estimated monthly need of the market's goods, money"
    )
    expected_users: str = Field(
        "", max_length=10, description="Number of people who should use the platform"
    )
    note: str = Field("", max_length=500)


class FieldsalesKeyPersonOut(Schema):
    id: str
    rank: int = Field(description="1: key person (关键人); 2: second key person (第二关键人)")
    name: str
    role: str
    phone: str
    email: str
    wechat: str
    note: str


class FieldsalesAssignmentOut(Schema):
    rep: FieldsalesRepRef
    start: datetime
    end: datetime | None


class FieldsalesReasonRecordOut(Schema):
    id: str
    step: str
    reason: str | None
    text: str
    lost: bool
    rep: str | None
    recorded_at: datetime


class FieldsalesTargetOut(Schema):
    id: str
    market: str
    market_name: str
    name: str
    credit_code: str
    province: str
    city: str
    size_band: str
    monthly_need: str = Field(description="Estimated monthly need, money as a string")
    currency: str
    expected_users: int = Field(description="Number of people who should use the platform")
    source: str
    match: str
    company: str | None
    company_name: str | None
    rep: FieldsalesRepRef | None
    opened_at: datetime | None
    opened_by: FieldsalesRepRef | None
    note: str


class FieldsalesTargetDetailOut(FieldsalesTargetOut):
    key_persons: list[FieldsalesKeyPersonOut]
    assignments: list[FieldsalesAssignmentOut]
    reasons: list[FieldsalesReasonRecordOut]


class FieldsalesTargetFilter(Schema):
    market: str = ""
    rep: str = ""
    state: str = Field("", description="unassigned, assigned, opened, matched or lost")
    q: str = Field("", max_length=100)


class FieldsalesBulkAssignOut(Schema):
    rep: FieldsalesRepRef
    targets: list[FieldsalesTargetOut]


class FieldsalesAssignIn(Schema):
    rep: str


class FieldsalesBulkAssignIn(Schema):
    targets: list[str] = Field(max_length=500)
    rep: str


class FieldsalesKeyPersonIn(Schema):
    rank: int = Field(ge=1, le=2, description="1: key person; 2: second key person")
    name: str = Field(max_length=60)
    role: str = Field("", max_length=60)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    wechat: str = Field("", max_length=60)
    note: str = Field("", max_length=500)


class FieldsalesOpenAccountIn(Schema):
    boss_email: str = Field(max_length=254)
    legal_name: str = Field("", max_length=200)
    short_name: str = Field("", max_length=60)
    kind: str = Field("buyer", description="buyer, seller or both")


class FieldsalesOpenAccountOut(Schema):
    target: FieldsalesTargetOut
    company: str
    invitation: str
    invitation_email: str
    invitation_expires_at: datetime


class FieldsalesReasonRecordIn(Schema):
    step: str = Field(description="coverage, conversion, repurchase or penetration")
    reason: str | None = None
    text: str = Field("", max_length=500)
    lost: bool = False


class FieldsalesVisitIn(Schema):
    visited_on: IsoDate
    met: str = Field("", max_length=100)
    key_person: str | None = None
    outcome: str = Field(description="positive, neutral, negative, opened or ordered")
    summary: str = Field("", max_length=1000)
    next_step: str = Field("", max_length=500)
    next_on: IsoDate | None = None


class FieldsalesVisitOut(Schema):
    id: str
    target: str
    target_name: str
    rep: FieldsalesRepRef
    visited_on: date
    met: str
    key_person: str | None
    outcome: str
    summary: str
    next_step: str
    next_on: date | None
    created_at: datetime


class FieldsalesVisitFilter(Schema):
    target: str = ""


class FieldsalesRepIn(Schema):
    membership: str = Field("", description="The seat's id (a manager: one of his members)")
    email: str = Field("", max_length=254, description="Or the person's e-mail (operators)")
    name: str = Field("", max_length=60)
    phone: str = Field("", max_length=30)


class FieldsalesRepPatchIn(Schema):
    name: str | None = Field(None, max_length=60)
    phone: str | None = Field(None, max_length=30)
    is_active: bool | None = None


class FieldsalesRepOut(Schema):
    id: str
    name: str
    phone: str
    company: str
    company_name: str
    membership: str
    email: str
    is_active: bool
    targets: int = Field(description="Targets the rep holds now")


class FieldsalesReasonIn(Schema):
    step: str = Field(description="coverage, conversion, repurchase or penetration")
    label: str = Field(max_length=100)
    label_en: str = Field("", max_length=100)
    position: int = Field(0, ge=0, le=999, description="Order in the list, smallest first")


class FieldsalesReasonPatchIn(Schema):
    label: str | None = Field(None, max_length=100)
    label_en: str | None = Field(None, max_length=100)
    position: int | None = Field(None, ge=0, le=999, description="Order in the list")
    is_active: bool | None = None


class FieldsalesReasonOut(Schema):
    id: str
    step: str
    label: str
    label_en: str
    position: int = Field(description="Order in the list, smallest first")
    is_active: bool


# ------------------------------------------------------------------------- shapes


def _rep_ref(rep: Rep | None) -> dict[str, Any] | None:
    if rep is None:
        return None
    return {"id": str(rep.public_id), "name": rep.name, "company": rep.company.short_name}


def market_out(market: TargetMarket, figures: dict[str, int]) -> dict[str, Any]:
    return {
        "id": str(market.public_id),
        "name": market.name,
        "province": market.province,
        "industry": market.industry,
        "description": market.description,
        "currency": market.currency,
        "is_active": market.is_active,
        "targets": figures.get("targets") or 0,
        "assigned": figures.get("assigned") or 0,
        "on_platform": figures.get("on_platform") or 0,
        "opened": figures.get("opened") or 0,
        "lost": figures.get("lost") or 0,
    }


def target_out(target: Target) -> dict[str, Any]:
    return {
        "id": str(target.public_id),
        "market": str(target.market.public_id),
        "market_name": target.market.name,
        "name": target.name,
        "credit_code": target.credit_code,
        "province": target.province,
        "city": target.city,
        "size_band": target.size_band,
        "monthly_need": str(target.monthly_need),
        "currency": target.market.currency,
        "expected_users": target.expected_users,
        "source": target.source,
        "match": target.match,
        "company": str(target.company.public_id) if target.company else None,
        "company_name": target.company.short_name if target.company else None,
        "rep": _rep_ref(target.rep),
        "opened_at": target.opened_at,
        "opened_by": _rep_ref(target.opened_by),
        "note": target.note,
    }


def target_detail_out(target: Target) -> dict[str, Any]:
    return {
        **target_out(target),
        "key_persons": [
            {
                "id": str(p.public_id),
                "rank": p.rank,
                "name": p.name,
                "role": p.role,
                "phone": p.phone,
                "email": p.email,
                "wechat": p.wechat,
                "note": p.note,
            }
            for p in selectors.key_persons_of(target)
        ],
        "assignments": [
            {"rep": _rep_ref(a.rep), "start": a.start, "end": a.end}
            for a in selectors.assignments_of(target)
        ],
        "reasons": [
            {
                "id": str(r.public_id),
                "step": r.step,
                "reason": r.reason.label if r.reason else None,
                "text": r.text,
                "lost": r.lost,
                "rep": r.rep.name if r.rep else None,
                "recorded_at": r.recorded_at,
            }
            for r in selectors.reason_records_of(target)
        ],
    }


def visit_out(visit: Visit) -> dict[str, Any]:
    return {
        "id": str(visit.public_id),
        "target": str(visit.target.public_id),
        "target_name": visit.target.name,
        "rep": _rep_ref(visit.rep),
        "visited_on": visit.visited_on,
        "met": visit.met,
        "key_person": str(visit.key_person.public_id) if visit.key_person else None,
        "outcome": visit.outcome,
        "summary": visit.summary,
        "next_step": visit.next_step,
        "next_on": visit.next_on,
        "created_at": visit.created_at,
    }


def rep_out(rep: Rep) -> dict[str, Any]:
    return {
        "id": str(rep.public_id),
        "name": rep.name,
        "phone": rep.phone,
        "company": str(rep.company.public_id),
        "company_name": rep.company.short_name,
        "membership": str(rep.membership.public_id),
        "email": rep.membership.person.email,
        "is_active": rep.is_active,
        "targets": getattr(rep, "n_targets", 0),
    }


def reason_out(reason: Any) -> dict[str, Any]:
    return {
        "id": str(reason.public_id),
        "step": reason.step,
        "label": reason.label,
        "label_en": reason.label_en,
        "position": reason.position,
        "is_active": reason.is_active,
    }


def _target(request: HttpRequest, target: Target) -> dict[str, Any]:
    return target_detail_out(selectors.target_get(request.actor, target.public_id))


# ------------------------------------------------------------------------- markets


@router.get("/fieldsales/markets", response={200: list[FieldsalesMarketOut], **ERRORS})
@paginate(LimitOffset)
def markets(request: HttpRequest) -> Any:
    """The markets the caller works in (operators: all), with his targets counted."""
    rows = selectors.markets_with_figures(request.actor)
    return Shaped(
        rows,
        lambda m: market_out(
            m,
            {
                "targets": m.n_targets,
                "assigned": m.n_assigned,
                "on_platform": m.n_company,
                "opened": m.n_opened,
            },
        ),
    )


@router.post("/fieldsales/markets", response={201: FieldsalesMarketOut, **ERRORS})
def market_create(request: HttpRequest, payload: FieldsalesMarketIn) -> Status:
    """Operators only (403 ``operator_only``)."""
    market = market_services.market_create(actor=request.actor, **payload.dict())
    return Status(201, market_out(market, {}))


@router.get("/fieldsales/markets/import-template", response={200: None, **ERRORS})
def import_template(request: HttpRequest) -> HttpResponse:
    """An empty .xlsx with the import's header row."""
    selectors.reasons_visible_to(request.actor)  # signed-in only
    response = HttpResponse(target_import.template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="targets.xlsx"'
    return response


@router.post("/fieldsales/markets/import", response={200: FieldsalesImportOut, **ERRORS})
def market_import(
    request: HttpRequest,
    market: Form[str],
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
) -> dict[str, Any]:
    """Import a market's targets from an .xlsx (columns 企业名称, 统一社会信用代码, 省份,
    城市, 规模, 月需求额, 应有用户数, 备注; Chinese or English headers). All rows or none:
    any bad row is a 422 ``invalid_rows`` listing every error and nothing is written.
    Rows naming a target the market has (credit code, then name) are skipped and listed
    in ``duplicates``. Operators only; another market id is a 404."""
    result = target_import.targets_import(
        actor=request.actor,
        market_id=market,
        content=file.read(workbook_guard.max_file_bytes() + 1),
        dry_run=dry_run,
    )
    return {
        "dry_run": dry_run,
        "created": result.created,
        "matched_credit_code": result.matched_credit_code,
        "matched_name": result.matched_name,
        "duplicates": result.duplicates,
    }


@router.get("/fieldsales/markets/{market_id}", response={200: FieldsalesMarketOut, **ERRORS})
def market_detail(request: HttpRequest, market_id: str) -> dict[str, Any]:
    market = selectors.market_get(request.actor, market_id)
    return market_out(market, selectors.market_figures(request.actor, market))


@router.patch("/fieldsales/markets/{market_id}", response={200: FieldsalesMarketOut, **ERRORS})
def market_update(
    request: HttpRequest, market_id: str, payload: FieldsalesMarketPatchIn
) -> dict[str, Any]:
    """Operators only; ``{"is_active": false}`` closes the market."""
    market = market_services.market_update(
        actor=request.actor, market_id=market_id, **payload.dict(exclude_unset=True)
    )
    return market_out(market, selectors.market_figures(request.actor, market))


# ------------------------------------------------------------------------- targets


@router.get("/fieldsales/targets", response={200: list[FieldsalesTargetOut], **ERRORS})
@paginate(LimitOffset)
def targets(request: HttpRequest, filters: Query[FieldsalesTargetFilter]) -> Any:
    """The targets the caller sees (a rep: the ones he holds), filtered by market, rep,
    state and a search in names and credit codes. An unknown market or rep is a 404."""
    actor = request.actor
    market = selectors.market_get(actor, filters.market) if filters.market else None
    rep = selectors.rep_get(actor, filters.rep) if filters.rep else None
    state = filters.state if filters.state in selectors.TARGET_STATES else ""
    rows = selectors.targets_list(actor, market=market, rep=rep, state=state, q=filters.q)
    return Shaped(rows, target_out)


@router.post("/fieldsales/targets", response={201: FieldsalesTargetDetailOut, **ERRORS})
def target_create(request: HttpRequest, payload: FieldsalesTargetIn) -> Status:
    """Add a target by hand: an operator (unassigned) or a rep (his). 409
    ``duplicate_target`` when the market has it (credit code, then name)."""
    data = payload.dict()
    target = target_services.target_create(
        actor=request.actor, market_id=data.pop("market"), **data
    )
    return Status(201, _target(request, target))


@router.post("/fieldsales/targets/assign", response={200: FieldsalesBulkAssignOut, **ERRORS})
def targets_assign(request: HttpRequest, payload: FieldsalesBulkAssignIn) -> dict[str, Any]:
    """Assign (or move) several targets to one rep, all or none."""
    done = target_services.targets_assign(
        actor=request.actor, target_ids=payload.targets, rep_id=payload.rep
    )
    return {"rep": _rep_ref(done[0].rep), "targets": [target_out(t) for t in done]}


@router.get("/fieldsales/targets/{target_id}", response={200: FieldsalesTargetDetailOut, **ERRORS})
def target_detail(request: HttpRequest, target_id: str) -> dict[str, Any]:
    """A target with its key persons, assignment history and reasons against."""
    return target_detail_out(selectors.target_get(request.actor, target_id))


@router.post(
    "/fieldsales/targets/{target_id}/assign", response={200: FieldsalesTargetDetailOut, **ERRORS}
)
def target_assign(request: HttpRequest, target_id: str, payload: FieldsalesAssignIn) -> Any:
    """Assign the target to a rep, or move it to another: the history is kept."""
    target = target_services.target_assign(
        actor=request.actor, target_id=target_id, rep_id=payload.rep
    )
    return _target(request, target)


@router.post(
    "/fieldsales/targets/{target_id}/key-persons",
    response={200: FieldsalesTargetDetailOut, **ERRORS},
)
def key_person_set(request: HttpRequest, target_id: str, payload: FieldsalesKeyPersonIn) -> Any:
    """Record or correct the key person (rank 1) or second key person (rank 2); the rep
    holding the target only."""
    target_services.key_person_set(actor=request.actor, target_id=target_id, **payload.dict())
    return target_detail_out(selectors.target_get(request.actor, target_id))


@router.post(
    "/fieldsales/targets/{target_id}/open-account",
    response={201: FieldsalesOpenAccountOut, **ERRORS},
)
def open_account(request: HttpRequest, target_id: str, payload: FieldsalesOpenAccountIn) -> Status:
    """The rep holding the target opens its account: a company and an invitation mailed
    to its boss to take the master account. 409 ``already_on_platform``."""
    target, invitation, _token = target_services.target_open_account(
        actor=request.actor, target_id=target_id, **payload.dict()
    )
    return Status(
        201,
        {
            "target": target_out(target),
            "company": str(target.company.public_id),
            "invitation": str(invitation.public_id),
            "invitation_email": invitation.email,
            "invitation_expires_at": invitation.expires_at,
        },
    )


@router.post(
    "/fieldsales/targets/{target_id}/reasons",
    response={201: FieldsalesTargetDetailOut, **ERRORS},
)
def reason_record(request: HttpRequest, target_id: str, payload: FieldsalesReasonRecordIn) -> Any:
    """Record a reason against a step (a listed reason, text, or both; ``lost`` gives
    the target up); the rep holding the target only."""
    target_services.reason_record_create(
        actor=request.actor,
        target_id=target_id,
        step=payload.step,
        reason_id=payload.reason,
        text=payload.text,
        lost=payload.lost,
    )
    return Status(201, target_detail_out(selectors.target_get(request.actor, target_id)))


@router.post("/fieldsales/targets/{target_id}/visits", response={201: FieldsalesVisitOut, **ERRORS})
def visit_create(request: HttpRequest, target_id: str, payload: FieldsalesVisitIn) -> Status:
    """Log a visit (not after today); the rep holding the target only."""
    data = payload.dict()
    visit = visit_services.visit_create(
        actor=request.actor,
        target_id=target_id,
        key_person_id=data.pop("key_person"),
        **data,
    )
    return Status(201, visit_out(selectors.visit_get(request.actor, visit.public_id)))


# -------------------------------------------------------------------------- visits


@router.get("/fieldsales/visits", response={200: list[FieldsalesVisitOut], **ERRORS})
@paginate(LimitOffset)
def visits(request: HttpRequest, filters: Query[FieldsalesVisitFilter]) -> Any:
    """Visits, newest first: a rep his own, a manager his reps', the operator all."""
    rows = visits_visible_to(request.actor).select_related("rep__company")
    if filters.target:
        rows = rows.filter(target=selectors.target_get(request.actor, filters.target))
    return Shaped(rows, visit_out)


@router.get("/fieldsales/visits/{visit_id}", response={200: FieldsalesVisitOut, **ERRORS})
def visit_detail(request: HttpRequest, visit_id: str) -> dict[str, Any]:
    return visit_out(selectors.visit_get(request.actor, visit_id))


# ---------------------------------------------------------------------------- reps


@router.get("/fieldsales/reps", response={200: list[FieldsalesRepOut], **ERRORS})
@paginate(LimitOffset)
def reps(request: HttpRequest) -> Any:
    """Reps: the operator all, a manager his company's, a rep himself."""
    return Shaped(selectors.reps_with_counts(request.actor), rep_out)


@router.post("/fieldsales/reps", response={201: FieldsalesRepOut, **ERRORS})
def rep_create(request: HttpRequest, payload: FieldsalesRepIn) -> Status:
    """Register a seat as a rep (its role must allow field work)."""
    rep = rep_services.rep_create(
        actor=request.actor,
        membership_id=payload.membership,
        email=payload.email,
        name=payload.name,
        phone=payload.phone,
    )
    return Status(201, rep_out(selectors.rep_get(request.actor, rep.public_id)))


@router.get("/fieldsales/reps/{rep_id}", response={200: FieldsalesRepOut, **ERRORS})
def rep_detail(request: HttpRequest, rep_id: str) -> dict[str, Any]:
    return rep_out(selectors.rep_get(request.actor, rep_id))


@router.patch("/fieldsales/reps/{rep_id}", response={200: FieldsalesRepOut, **ERRORS})
def rep_update(request: HttpRequest, rep_id: str, payload: FieldsalesRepPatchIn) -> Any:
    rep = rep_services.rep_update(
        actor=request.actor, rep_id=rep_id, **payload.dict(exclude_unset=True)
    )
    return rep_out(selectors.rep_get(request.actor, rep.public_id))


# ------------------------------------------------------------------------- reasons


@router.get("/fieldsales/reasons", response={200: list[FieldsalesReasonOut], **ERRORS})
@paginate(LimitOffset)
def reasons(request: HttpRequest) -> Any:
    """The reasons against, per step (reps and managers: the active ones)."""
    return Shaped(selectors.reasons_visible_to(request.actor), reason_out)


@router.post("/fieldsales/reasons", response={201: FieldsalesReasonOut, **ERRORS})
def reason_create(request: HttpRequest, payload: FieldsalesReasonIn) -> Status:
    """Operators only."""
    reason = reason_services.reason_create(actor=request.actor, **payload.dict())
    return Status(201, reason_out(reason))


@router.patch("/fieldsales/reasons/{reason_id}", response={200: FieldsalesReasonOut, **ERRORS})
def reason_update(request: HttpRequest, reason_id: str, payload: FieldsalesReasonPatchIn) -> Any:
    """Operators only; ``{"is_active": false}`` retires the reason."""
    reason = reason_services.reason_update(
        actor=request.actor, reason_id=reason_id, **payload.dict(exclude_unset=True)
    )
    return reason_out(reason)
