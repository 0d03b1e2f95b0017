"""Pages: a company's "my grade" (per market: badge, points effort vs money, what the
next grade needs, what this one gives, a warning with its date, the points and grades
history, the appeal form on a downgrade) and the operators' desk (grades, weights,
appeals, standings)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mercator.companies.services import referrals as referral_services
from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.membership import selectors, services
from mercator.membership.models import Grade, GradeAppeal
from mercator.membership.points import REASONS, reason_label

PAGE_SIZE = 20
GRADE_FIELDS = (
    "code",
    "name",
    "name_en",
    "rank",
    "colour",
    "min_points",
    "ranking_boost",
    "rfq_early_hours",
    "monthly_quote_quota",
    "monthly_inquiry_quota",
    "idle_warn_days",
    "idle_grace_days",
    "description",
    "description_en",
)


def _page(request: HttpRequest, rows: Any, param: str) -> Page:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get(param))


@login_required
@require_http_methods(["GET", "POST"])
def my_grades(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        overview = selectors.overview_of(actor)
    except DomainError as exc:
        return error_page(request, exc)
    errors: dict[str, str] = {}
    if request.method == "POST":
        paying = request.POST.get("action") == "pay"
        key = request.POST.get("market", "") if paying else request.POST.get("change", "")
        try:
            if paying:
                market = selectors.market_of(key)
                services.membership_pay(actor=actor, market=market)
                done = _("已从钱包支付%(market)s的付费会员。") % {"market": market.display_name}
            else:
                services.appeal_create(actor=actor, change_id=key, body=request.POST.get("text"))
                done = _("申诉已提交，运营处理后会通知您。")
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            errors[key] = str(exc.message)
        else:
            messages.success(request, done)
            return redirect(reverse("membership-home"))
    points = _page(request, selectors.points_of(actor), "page")
    shown = selectors.refs_shown(entry.ref for entry in points.object_list)
    point_rows = [
        {"entry": e, "label": reason_label(e.reason), "ref": shown.get(e.ref)}
        for e in points.object_list
    ]
    changes = _page(request, selectors.changes_of(actor), "cpage")
    referral_link, referrals = None, None
    if actor.can("company.manage"):  # the link and who came through it: the managers only
        code = referral_services.referral_code_ensure(actor=actor)
        referral_link = request.build_absolute_uri(f"{reverse('register')}?ref={code}")
        referrals = selectors.referrals_summary(actor)
    context = {
        "overview": overview,
        "points": points,
        "point_rows": point_rows,
        "changes": changes,
        "appeals": list(selectors.appeals_of(actor)[:20]),
        "referral_link": referral_link,
        "referrals": referrals,
        "errors": errors,
        "posted": request.POST,
        # The same checks the services make (appeal: company.manage; pay: and payments.pay).
        "can_appeal": actor.can("company.manage"),
        "can_pay": actor.can("company.manage") and actor.can("payments.pay"),
    }
    return render(request, "membership/my_grades.html", context, status=422 if errors else 200)


TABS = ("grades", "weights", "appeals", "standings")


def _ops_post(request: HttpRequest, market: Any) -> tuple[str | None, str]:
    """Run the posted action; (error message or None, the key of the form it belongs to)."""
    actor = request.actor
    action = request.POST.get("action", "")
    if action == "grade":
        grade_id = request.POST.get("grade", "")
        grade: Grade | None = selectors.grade_for_operator(actor, grade_id) if grade_id else None
        data = {f: request.POST.get(f, "") for f in GRADE_FIELDS if f in request.POST}
        data["is_active"] = request.POST.get("is_active") == "on"
        if grade is not None:
            data.pop("code", None)
        services.grade_save(
            actor=actor, market=grade.market if grade else market, grade=grade, data=data
        )
        messages.success(request, _("等级已保存。"))
        return None, grade_id or "new"
    if action == "weights":
        weights = {r: request.POST.get(f"w_{r}", "") for r in REASONS if f"w_{r}" in request.POST}
        services.scoring_set(
            actor=actor,
            market=market,
            window_days=request.POST.get("window_days"),
            weights=weights,
            appeal_protect_days=request.POST.get("appeal_protect_days"),
            membership_fee=request.POST.get("membership_fee", ""),
            membership_days=request.POST.get("membership_days"),
        )
        messages.success(request, _("积分规则已保存。"))
        return None, "weights"
    if action in ("accept", "reject"):
        appeal = services.appeal_decide(
            actor=actor,
            appeal_id=request.POST.get("appeal", ""),
            accept=action == "accept",
            note=request.POST.get("note", ""),
        )
        messages.success(
            request,
            _("申诉已处理：%(status)s。") % {"status": appeal.get_status_display()},
        )
        return None, "appeal"
    raise NotFound()


@login_required
@require_http_methods(["GET", "POST"])
def ops_membership(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "grades"
    markets = list(selectors.markets())
    try:
        market = (
            selectors.market_of(request.GET["market"])
            if request.GET.get("market")
            else (markets[0] if markets else None)
        )
        if market is None:
            selectors.appeals_for_operator(actor)
            return render(request, "membership/ops.html", {"tab": tab, "markets": markets})
        grades = list(selectors.grades_for_operator(actor, market))
    except DomainError as exc:
        return error_page(request, exc)
    error, error_key = None, ""
    if request.method == "POST":
        try:
            _done, error_key = _ops_post(request, market)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                return error_page(request, exc)
            error, error_key = (
                str(exc.message),
                request.POST.get("grade")
                or request.POST.get("appeal")
                or request.POST.get("action", ""),
            )
        else:
            return redirect(f"{reverse('ops-membership')}?tab={tab}&market={market.code}")
    weights = selectors.weights_of(market)
    status = request.GET.get("status", GradeAppeal.Status.PENDING)
    appeals = _page(request, selectors.appeals_for_operator(actor, status), "page")
    standings = _page(
        request,
        selectors.standings_for_operator(
            actor,
            market=market,
            grade=request.GET.get("grade", ""),
            q=request.GET.get("q", "").strip()[:100],
        ),
        "page",
    )
    context = {
        "tab": tab,
        "markets": markets,
        "market": market,
        "grades": grades,
        "colours": Grade.Colour.choices,
        "weight_rows": [
            {"reason": r, "label": reason_label(r), "weight": w, "side": REASONS[r][0]}
            for r, w in weights.items()
        ],
        "window_days": selectors.window_days_of(market),
        "protect_days": selectors.protect_days_of(market),
        "scoring": selectors.scoring_of_market(market),
        "appeals": appeals,
        "appeal_status": status,
        "appeal_statuses": GradeAppeal.Status.choices,
        "standings": standings,
        "error": error,
        "error_key": error_key,
        "posted": request.POST,
        "filters": {"grade": request.GET.get("grade", ""), "q": request.GET.get("q", "")},
    }
    return render(request, "membership/ops.html", context, status=422 if error else 200)


urlpatterns: list[URLPattern] = [
    path("membership/", my_grades, name="membership-home"),
    path("ops/membership/", ops_membership, name="ops-membership"),
]
