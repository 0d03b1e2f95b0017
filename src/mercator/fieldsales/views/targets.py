"""Field-sales pages: markets and their Excel import, targets (assign, key persons, open
an account, reasons against), visits, the reps' registry and the operator's reasons.

Every page reads through ``fieldsales.selectors`` (another party's id is a 404) and
shows an action's form only when its ``can_*`` check passes; a refused form comes back
with the service's message and status, nothing written."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mercator.catalog import workbook_guard
from mercator.catalog.provinces import PROVINCES
from mercator.companies.models import Company
from mercator.core.errors import DomainError, NotFound
from mercator.core.listing import XLSX
from mercator.core.views import error_page
from mercator.fieldsales.models import KeyPerson, Step, Visit
from mercator.fieldsales.selectors import targets as selectors
from mercator.fieldsales.selectors.scope import rep_of, works_fieldsales
from mercator.fieldsales.services import markets as market_services
from mercator.fieldsales.services import reasons as reason_services
from mercator.fieldsales.services import reps as rep_services
from mercator.fieldsales.services import target_import
from mercator.fieldsales.services import targets as target_services
from mercator.fieldsales.services import visits as visit_services

PAGE = 50


def _require_field(request: HttpRequest) -> None:
    """The field-sales pages answer 404 to anyone without a part in field sales."""
    if not works_fieldsales(request.actor):
        raise NotFound()


def _form(request: HttpRequest, *names: str) -> dict[str, str]:
    return {name: request.POST.get(name, "") for name in names}


# ------------------------------------------------------------------------- markets


@login_required
def markets(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        _require_field(request)
        rows = list(selectors.markets_with_figures(actor))
    except DomainError as exc:
        return error_page(request, exc)
    return render(
        request,
        "fieldsales/markets.html",
        {"markets": rows, "can_manage": selectors.can_manage_markets(actor)},
    )


MARKET_FIELDS = ("name", "province", "industry", "description", "category")


@login_required
@require_http_methods(["GET", "POST"])
def market_new(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    if not selectors.can_manage_markets(actor):
        return error_page(request, NotFound())
    error, status = "", 200
    if request.method == "POST":
        try:
            market = market_services.market_create(actor=actor, **_form(request, *MARKET_FIELDS))
        except DomainError as exc:
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("目标市场已创建。"))
            return redirect("fieldsales-market", market_id=market.public_id)
    return render(
        request,
        "fieldsales/market_new.html",
        {"error": error, "posted": request.POST, "provinces": PROVINCES},
        status=status,
    )


@login_required
def market(request: HttpRequest, market_id: str) -> HttpResponse:
    actor = request.actor
    try:
        found = selectors.market_get(actor, market_id)
    except DomainError as exc:
        return error_page(request, exc)
    reps = selectors.reps_of_market(actor, found)
    return render(
        request,
        "fieldsales/market.html",
        {
            "market": found,
            "figures": selectors.market_figures(actor, found),
            "reps": list(reps),
            "can_manage": selectors.can_manage_markets(actor),
            "can_add": selectors.can_add_target(actor),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def market_import(request: HttpRequest, market_id: str) -> HttpResponse:
    """Upload an .xlsx of targets: the result (created, matched, skipped duplicates), or
    every row error with nothing written."""
    actor = request.actor
    try:
        found = selectors.market_get(actor, market_id)
        if not selectors.can_manage_markets(actor):
            raise NotFound()
    except DomainError as exc:
        return error_page(request, exc)
    context: dict[str, Any] = {"market": found, "columns": target_import.COLUMNS}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError(_("请选择要上传的 Excel 文件。"), code="file_required")
            result = target_import.targets_import(
                actor=actor,
                market_id=found.public_id,
                content=upload.read(workbook_guard.max_file_bytes() + 1),
                dry_run=request.POST.get("dry_run") == "1",
            )
        except DomainError as exc:
            status = exc.status if exc.status != 400 else 422
            context["error"] = str(exc.message)
            labels = dict(target_import.COLUMNS)
            context["row_errors"] = [
                {**e, "label": labels.get(e["column"], e["column"])}
                for e in exc.details.get("errors", [])
            ]
            context["error_count"] = exc.details.get("error_count", 0)
        else:
            context["result"] = result
            context["dry_run"] = request.POST.get("dry_run") == "1"
    return render(request, "fieldsales/market_import.html", context, status=status)


@login_required
def import_template(request: HttpRequest, market_id: str) -> HttpResponse:
    try:
        selectors.market_get(request.actor, market_id)
    except DomainError as exc:
        return error_page(request, exc)
    response = HttpResponse(target_import.template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="targets.xlsx"'
    return response


# ------------------------------------------------------------------------- targets


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        _require_field(request)
        market_id = request.GET.get("market", "")
        rep_id = request.GET.get("rep", "")
        try:
            chosen_market = selectors.market_get(actor, market_id) if market_id else None
            chosen_rep = selectors.rep_get(actor, rep_id) if rep_id else None
        except NotFound:
            chosen_market = chosen_rep = None  # a stale filter: the whole list
        state = request.GET.get("state", "")
        state = state if state in selectors.TARGET_STATES else ""
        q = request.GET.get("q", "")[:100]
        rows = selectors.targets_list(actor, market=chosen_market, rep=chosen_rep, state=state, q=q)
        page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
        assignable = list(selectors.assignable_reps(actor))
    except DomainError as exc:
        return error_page(request, exc)
    return render(
        request,
        "fieldsales/targets.html",
        {
            "page": page,
            "markets": list(selectors.markets_with_figures(actor)),
            "reps": list(selectors.reps_with_counts(actor)),
            "assignable": assignable,
            "can_assign": bool(assignable),
            "market": chosen_market,
            "rep": chosen_rep,
            "state": state,
            "states": _states(),
            "q": q,
            "can_add": selectors.can_add_target(actor),
            "my_rep": rep_of(actor),
        },
    )


def _states() -> list[tuple[str, str]]:
    return [
        ("", _("全部")),
        ("unassigned", _("未分配")),
        ("assigned", _("跟进中")),
        ("opened", _("已开户")),
        ("matched", _("已在平台")),
        ("lost", _("已流失")),
    ]


@login_required
@require_POST
def targets_assign(request: HttpRequest) -> HttpResponse:
    ids = request.POST.getlist("targets")
    try:
        done = target_services.targets_assign(
            actor=request.actor, target_ids=ids, rep_id=request.POST.get("rep", "")
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("fieldsales-targets")
    messages.success(request, _("已分配 %(n)d 家目标企业。") % {"n": len(done)})
    return redirect("fieldsales-targets")


TARGET_FIELDS = (
    "name",
    "credit_code",
    "province",
    "city",
    "size_band",
    "monthly_need",
    "expected_users",
    "note",
)


@login_required
@require_http_methods(["GET", "POST"])
def target_new(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    if not selectors.can_add_target(actor):
        return error_page(request, NotFound())
    try:
        choices = list(selectors.markets_with_figures(actor))
    except DomainError as exc:
        return error_page(request, exc)
    error, status = "", 200
    if request.method == "POST":
        try:
            target = target_services.target_create(
                actor=actor,
                market_id=request.POST.get("market", ""),
                **_form(request, *TARGET_FIELDS),
            )
        except DomainError as exc:
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("目标企业已添加。"))
            return redirect("fieldsales-target", target_id=target.public_id)
    return render(
        request,
        "fieldsales/target_new.html",
        {
            "markets": choices,
            "market_id": request.POST.get("market") or request.GET.get("market", ""),
            "error": error,
            "posted": request.POST,
            "provinces": [code for code, _label in PROVINCES],
            "sizes": Company.SizeBand.choices,
        },
        status=status,
    )


def _target_page(
    request: HttpRequest, target_id: str, *, error: DomainError | None = None, form: str = ""
) -> HttpResponse:
    actor = request.actor
    try:
        target = selectors.target_get(actor, target_id)
    except DomainError as exc:
        return error_page(request, exc)
    key_persons = {p.rank: p for p in selectors.key_persons_of(target)}
    can_work = selectors.can_work(actor, target)
    return render(
        request,
        "fieldsales/target.html",
        {
            "t": target,
            "key_persons": [
                (rank, label, key_persons.get(rank)) for rank, label in KeyPerson.Rank.choices
            ],
            "visits": list(selectors.visits_of(actor, target)[:50]),
            "assignments": list(selectors.assignments_of(target)),
            "reasons": list(selectors.reason_records_of(target)),
            "reason_choices": list(selectors.reasons_visible_to(actor).filter(is_active=True)),
            "steps": Step.choices,
            "lost": selectors.is_lost(target),
            "can_work": can_work,
            "can_open": selectors.can_open_account(actor, target),
            "can_assign": selectors.can_assign(actor, target),
            "assignable": list(selectors.assignable_reps(actor)),
            "kinds": Company.Kind.choices,
            "error": str(error.message) if error else "",
            "error_form": form,
            "posted": request.POST if error else {},
        },
        status=error.status if error else 200,
    )


@login_required
def target(request: HttpRequest, target_id: str) -> HttpResponse:
    return _target_page(request, target_id)


def _target_action(
    request: HttpRequest, target_id: str, form: str, act: Any, done: str
) -> HttpResponse:
    try:
        act()
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        return _target_page(request, target_id, error=exc, form=form)
    messages.success(request, done)
    return redirect("fieldsales-target", target_id=target_id)


@login_required
@require_POST
def target_assign(request: HttpRequest, target_id: str) -> HttpResponse:
    return _target_action(
        request,
        target_id,
        "assign",
        lambda: target_services.target_assign(
            actor=request.actor, target_id=target_id, rep_id=request.POST.get("rep", "")
        ),
        _("已分配。"),
    )


@login_required
@require_POST
def key_person(request: HttpRequest, target_id: str) -> HttpResponse:
    return _target_action(
        request,
        target_id,
        "key_person",
        lambda: target_services.key_person_set(
            actor=request.actor,
            target_id=target_id,
            **_form(request, "rank", "name", "role", "phone", "email", "wechat", "note"),
        ),
        _("关键人已保存。"),
    )


@login_required
@require_POST
def open_account(request: HttpRequest, target_id: str) -> HttpResponse:
    return _target_action(
        request,
        target_id,
        "open",
        lambda: target_services.target_open_account(
            actor=request.actor,
            target_id=target_id,
            **_form(request, "boss_email", "legal_name", "short_name", "kind"),
        ),
        _("已开户：邀请已发到老板的邮箱。"),
    )


@login_required
@require_POST
def reason_record(request: HttpRequest, target_id: str) -> HttpResponse:
    return _target_action(
        request,
        target_id,
        "reason",
        lambda: target_services.reason_record_create(
            actor=request.actor,
            target_id=target_id,
            step=request.POST.get("step", ""),
            reason_id=request.POST.get("reason", ""),
            text=request.POST.get("text", ""),
            lost=request.POST.get("lost") == "1",
        ),
        _("原因已记录。"),
    )


# -------------------------------------------------------------------------- visits

VISIT_FIELDS = ("visited_on", "met", "outcome", "summary", "next_step", "next_on")


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, target_id: str) -> HttpResponse:
    actor = request.actor
    try:
        target = selectors.target_get(actor, target_id)
        if not selectors.can_work(actor, target):
            raise NotFound()
    except DomainError as exc:
        return error_page(request, exc)
    error, status = "", 200
    if request.method == "POST":
        try:
            visit_services.visit_create(
                actor=actor,
                target_id=target.public_id,
                key_person_id=request.POST.get("key_person", ""),
                **_form(request, *VISIT_FIELDS),
            )
        except DomainError as exc:
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("拜访已记录。"))
            return redirect("fieldsales-target", target_id=target.public_id)
    return render(
        request,
        "fieldsales/visit_new.html",
        {
            "t": target,
            "key_persons": selectors.key_persons_of(target),
            "outcomes": Visit.Outcome.choices,
            "error": error,
            "posted": request.POST,
        },
        status=status,
    )


# ---------------------------------------------------------------------------- reps


@login_required
@require_http_methods(["GET", "POST"])
def reps(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        _require_field(request)
        rows = list(selectors.reps_with_counts(actor))
    except DomainError as exc:
        return error_page(request, exc)
    error, status = "", 200
    if request.method == "POST":
        try:
            rep_services.rep_create(
                actor=actor,
                membership_id=request.POST.get("membership", ""),
                email=request.POST.get("email", ""),
                name=request.POST.get("name", ""),
                phone=request.POST.get("phone", ""),
            )
        except DomainError as exc:
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("地推人员已登记。"))
            return redirect("fieldsales-reps")
    return render(
        request,
        "fieldsales/reps.html",
        {
            "reps": rows,
            "can_register": selectors.can_register_reps(actor),
            "members": list(selectors.members_for_reps(actor)),
            "is_operator": actor.is_operator,
            "error": error,
            "posted": request.POST,
        },
        status=status,
    )


@login_required
@require_POST
def rep_active(request: HttpRequest, rep_id: str) -> HttpResponse:
    try:
        rep_services.rep_update(
            actor=request.actor, rep_id=rep_id, is_active=request.POST.get("active") == "1"
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        messages.error(request, str(exc.message))
    return redirect("fieldsales-reps")


# ------------------------------------------------------------------------- reasons


@login_required
@require_http_methods(["GET", "POST"])
def reasons(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    if not selectors.can_manage_markets(actor):
        return error_page(request, NotFound())
    error, status = "", 200
    if request.method == "POST":
        try:
            reason_services.reason_create(
                actor=actor, **_form(request, "step", "label", "label_en", "position")
            )
        except DomainError as exc:
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("原因已添加。"))
            return redirect("fieldsales-reasons")
    return render(
        request,
        "fieldsales/reasons.html",
        {
            "reasons": list(selectors.reasons_visible_to(actor)),
            "steps": Step.choices,
            "error": error,
            "posted": request.POST,
        },
        status=status,
    )


@login_required
@require_POST
def reason_active(request: HttpRequest, reason_id: str) -> HttpResponse:
    try:
        reason_services.reason_update(
            actor=request.actor, reason_id=reason_id, is_active=request.POST.get("active") == "1"
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        messages.error(request, str(exc.message))
    return redirect("fieldsales-reasons")


urlpatterns: list[URLPattern] = [
    path("fieldsales/markets/", markets, name="fieldsales-markets"),
    path("fieldsales/markets/new/", market_new, name="fieldsales-market-new"),
    path("fieldsales/markets/<str:market_id>/", market, name="fieldsales-market"),
    path(
        "fieldsales/markets/<str:market_id>/import/",
        market_import,
        name="fieldsales-market-import",
    ),
    path(
        "fieldsales/markets/<str:market_id>/import/template",
        import_template,
        name="fieldsales-import-template",
    ),
    path("fieldsales/targets/", targets, name="fieldsales-targets"),
    path("fieldsales/targets/new/", target_new, name="fieldsales-target-new"),
    path("fieldsales/targets/assign/", targets_assign, name="fieldsales-targets-assign"),
    path("fieldsales/targets/<str:target_id>/", target, name="fieldsales-target"),
    path(
        "fieldsales/targets/<str:target_id>/assign/",
        target_assign,
        name="fieldsales-target-assign",
    ),
    path(
        "fieldsales/targets/<str:target_id>/key-person/",
        key_person,
        name="fieldsales-target-key-person",
    ),
    path("fieldsales/targets/<str:target_id>/open/", open_account, name="fieldsales-target-open"),
    path(
        "fieldsales/targets/<str:target_id>/reason/",
        reason_record,
        name="fieldsales-target-reason",
    ),
    path("fieldsales/targets/<str:target_id>/visits/new/", visit_new, name="fieldsales-visit-new"),
    path("fieldsales/reps/", reps, name="fieldsales-reps"),
    path("fieldsales/reps/<str:rep_id>/active/", rep_active, name="fieldsales-rep-active"),
    path("ops/fieldsales/reasons/", reasons, name="fieldsales-reasons"),
    path(
        "ops/fieldsales/reasons/<str:reason_id>/active/",
        reason_active,
        name="fieldsales-reason-active",
    ),
]
