"""Field-sales pages: the four rates (/fieldsales/rates/) with the previous period, a
funnel chart, the reasons against ranked, and every table in Excel; the companies behind
one step (/fieldsales/rates/<step>/); the three guns (/fieldsales/guns/) with customers
by level per market and rep and their monthly trend as stacked bars.

Who sees what is the selectors' (``fieldsales.selectors.rates``): 404 for anyone without
a field-sales page, or for a market or rep he may not see."""

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mercator.companies.charts import Bar, Number, Series, hbar_chart, stacked_bars
from mercator.core.errors import DomainError
from mercator.core.listing import Column, wants_xlsx
from mercator.core.reports import Sheet, change, report_range, xlsx_report
from mercator.core.views import error_page
from mercator.fieldsales.models import Step
from mercator.fieldsales.selectors.guns import LEVEL_LABELS, guns_report, reasons_ranking
from mercator.fieldsales.selectors.rates import Rates, rates_drill, rates_report, step_of
from mercator.fieldsales.selectors.scope import markets_visible_to, reps_visible_to
from mercator.fieldsales.selectors.work import field_work

PAGE_SIZE = 50
FIGURES = (
    ("coverage", Step.COVERAGE.label),
    ("conversion", Step.CONVERSION.label),
    ("repurchase", Step.REPURCHASE.label),
    ("spend", gettext_lazy("渗透率（金额）")),
    ("seats", gettext_lazy("渗透率（席位）")),
)


def _params(request: HttpRequest) -> dict[str, str]:
    return {k: (request.GET.get(k) or "").strip()[:64] for k in ("start", "end", "market", "rep")}


def _percent(value: Number) -> str:
    return f"{value:.1f}%"


def _lines(now: Rates, before: Rates) -> list[dict[str, Any]]:
    """One line per figure: this period, the one before, and the change of the rate."""
    out = []
    for key, label in FIGURES:
        a, b = getattr(now, key), getattr(before, key)
        out.append(
            {
                "key": key,
                "step": "penetration" if key in ("spend", "seats") else key,
                "label": str(label),
                "now": a,
                "before": b,
                "change": change(a.percent, b.percent),
                "money": key == "spend",
            }
        )
    return out


def _figure_columns(prefix: str = "") -> list[Column]:
    columns = []
    for key, label in FIGURES:
        columns += [
            Column(
                f"{label} · {_('分子')}", lambda r, k=key: getattr(r.rates, k).numerator, "number"
            ),
            Column(
                f"{label} · {_('分母')}", lambda r, k=key: getattr(r.rates, k).denominator, "number"
            ),
            Column(f"{label} %", lambda r, k=key: getattr(r.rates, k).percent, "number"),
        ]
    return columns


def _filters(actor: Any) -> dict[str, Any]:
    return {
        "markets": list(markets_visible_to(actor).order_by("name")),
        "reps": list(reps_visible_to(actor).order_by("name")),
    }


@login_required
def rates_page(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    params = _params(request)
    try:
        span = report_range(params["start"], params["end"])
        report = rates_report(actor, span, market=params["market"], rep=params["rep"])
        before = rates_report(actor, span.previous(), market=params["market"], rep=params["rep"])
        reasons = reasons_ranking(actor, span, market=params["market"], rep=params["rep"])
        work = field_work(actor, span, market=params["market"], rep=params["rep"])
        work_before = field_work(actor, span.previous(), market=params["market"], rep=params["rep"])
    except DomainError as exc:
        return error_page(request, exc)
    work_rows = [
        (_("拜访次数"), work.visits, work_before.visits),
        (_("拜访过的目标企业"), work.visited, work_before.visited),
        (_("已记录关键人的目标企业"), work.key_person, work_before.key_person),
        (_("已记录第二关键人的目标企业"), work.second_key_person, work_before.second_key_person),
    ]
    if wants_xlsx(request):
        name = [Column(_("名称"), lambda r: r.label)]
        reason_rows = [(r.step_label, c) for r in reasons for c in r.reasons]
        return xlsx_report(
            [
                Sheet(_("市场"), name + _figure_columns(), report.markets),
                Sheet(_("地推人员"), name + _figure_columns(), report.reps),
                Sheet(
                    _("地推工作"),
                    [
                        Column(_("指标"), lambda r: str(r[0])),
                        Column(_("本期"), lambda r: r[1], "number"),
                        Column(_("上期"), lambda r: r[2], "number"),
                    ],
                    work_rows,
                ),
                Sheet(
                    _("未达成原因"),
                    [
                        Column(_("环节"), lambda r: str(r[0])),
                        Column(_("原因"), lambda r: r[1].label),
                        Column(_("次数"), lambda r: r[1].count, "number"),
                        Column(_("已流失"), lambda r: r[1].lost, "number"),
                    ],
                    reason_rows,
                ),
            ],
            name="rates",
            filters={
                _("期间"): f"{span.start} – {span.end}",
                **{k: v for k, v in params.items() if v},
            },
        )
    funnel = hbar_chart(
        [
            Bar(str(label), getattr(report.total, key).percent or Decimal(0))
            for key, label in FIGURES
        ],
        title=_("四个率"),
        value_format=_percent,
    )
    query = urlencode({k: v for k, v in params.items() if k in ("market", "rep") and v})
    span_query = urlencode({"start": span.start, "end": span.end})
    context = {
        "report": report,
        "lines": _lines(report.total, before.total),
        "before_span": span.previous(),
        "funnel": funnel,
        "reasons": reasons,
        "work_rows": work_rows,
        "params": params,
        "span": span,
        "query": "&".join(q for q in (span_query, query) if q),
        **_filters(actor),
    }
    return render(request, "fieldsales/rates.html", context)


@login_required
def rates_drill_page(request: HttpRequest, step: str) -> HttpResponse:
    actor = request.actor
    params = _params(request)
    hit_text = (request.GET.get("hit") or "").strip()
    hit = {"1": True, "0": False}.get(hit_text)
    raw = request.GET.get("page") or "1"
    number = min(int(raw), 100_000) if raw.isdigit() and int(raw) > 0 else 1
    try:
        name = step_of(step)
        span = report_range(params["start"], params["end"])
        options = {"market": params["market"], "rep": params["rep"], "hit": hit}
        if wants_xlsx(request):
            drill = rates_drill(actor, span, name, offset=0, limit=5000, **options)
        else:
            drill = rates_drill(
                actor, span, name, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE, **options
            )
    except DomainError as exc:
        return error_page(request, exc)
    if wants_xlsx(request):
        columns = [
            Column(_("目标企业"), lambda r: r.target.name),
            Column(_("市场"), lambda r: r.target.market.name),
            Column(_("计入"), lambda r: _("是") if r.hit else _("否")),
            Column(_("地推人员"), lambda r: r.rep.name if r.rep else ""),
            Column(_("开户时间"), lambda r: r.target.opened_at, "date"),
            Column(_("首次付款"), lambda r: r.first_paid, "date"),
            Column(_("期内复购"), lambda r: r.repeat_at, "date"),
            Column(_("平台采购额"), lambda r: r.spend, "money"),
            Column(_("期间需求额"), lambda r: r.need, "money"),
            Column(_("活跃成员"), lambda r: r.seats, "number"),
            Column(_("应有用户数"), lambda r: r.target.expected_users, "number"),
        ]
        return xlsx_report(
            [Sheet(Step(name).label, columns, drill.rows)],
            name=f"rates-{name}",
            filters={
                _("期间"): f"{span.start} – {span.end}",
                **{k: v for k, v in params.items() if v},
            },
        )
    paginator = Paginator(range(drill.count), PAGE_SIZE)
    page = Page(drill.rows, min(number, max(paginator.num_pages, 1)), paginator)
    query = urlencode({k: v for k, v in {**params, "hit": hit_text}.items() if v})
    return render(
        request,
        "fieldsales/rates_drill.html",
        {
            "drill": drill,
            "step_label": Step(name).label,
            "page": page,
            "params": params,
            "hit": hit_text,
            "query": query,
            "span": span,
        },
    )


@login_required
def guns_page(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    params = _params(request)
    try:
        span = report_range(params["start"], params["end"])
        report = guns_report(actor, span, market=params["market"], rep=params["rep"])
    except DomainError as exc:
        return error_page(request, exc)
    levels = [(key, str(label)) for key, label in LEVEL_LABELS.items()]
    mix_columns = (
        [Column(_("名称"), lambda r: r.label)]
        + [Column(label, lambda r, k=key: getattr(r.mix, k), "number") for key, label in levels]
        + [Column(_("客户数"), lambda r: r.mix.customers, "number")]
    )
    if wants_xlsx(request):
        month_columns = [Column(_("月份"), lambda r: r[0].strftime("%Y-%m"))] + [
            Column(label, lambda r, k=key: getattr(r[1], k), "number") for key, label in levels
        ]
        return xlsx_report(
            [
                Sheet(_("市场"), mix_columns, report.markets),
                Sheet(_("地推人员"), mix_columns, report.reps),
                Sheet(_("月度趋势"), month_columns, report.months),
            ],
            name="guns",
            filters={
                _("期间"): f"{span.start} – {span.end}",
                **{k: v for k, v in params.items() if v},
            },
        )
    css = {"manual": "bar highlight", "semi": "bar mid", "full": "bar"}
    chart = stacked_bars(
        [m.strftime("%Y-%m") for m, _mix in report.months],
        [
            Series(label, [getattr(mix, key) for _m, mix in report.months], css[key])
            for key, label in levels
        ],
        title=_("三把枪：各月客户自动化程度"),
    )
    query = urlencode({k: v for k, v in params.items() if v})
    return render(
        request,
        "fieldsales/guns.html",
        {"report": report, "chart": chart, "levels": levels, "params": params, "span": span,
         "query": query, **_filters(actor)},
    )  # fmt: skip


urlpatterns: list[URLPattern] = [
    path("fieldsales/rates/", rates_page, name="fieldsales-rates"),
    path("fieldsales/rates/<str:step>/", rates_drill_page, name="fieldsales-rates-drill"),
    path("fieldsales/guns/", guns_page, name="fieldsales-guns"),
]
