"""The field-sales sections of the operators' dashboard (DOMAIN.md §2): the four rates and
the three-gun ratio, this period against the previous one. insights reads fieldsales'
selectors (it is above every app), so the sections are registered here, in
``InsightsConfig.ready``, not by fieldsales."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mercator.core.actor import Actor
from mercator.core.listing import Column
from mercator.core.reports import DateRange, Sheet
from mercator.fieldsales.models import Step
from mercator.fieldsales.selectors.guns import guns_report
from mercator.fieldsales.selectors.rates import Figure as RateFigure
from mercator.fieldsales.selectors.rates import rates_report
from mercator.insights import sections
from mercator.insights.selectors.figures import Figure, require_operator

LEVELS = (
    ("manual", gettext_lazy("手动（地推代下）")),
    ("semi", gettext_lazy("半自动（地推跟进后自助）")),
    ("full", gettext_lazy("全自动（自助、再来一单、定期订单）")),
)


@dataclass(frozen=True)
class RateRow:
    key: str
    label: Any
    now: RateFigure
    before: RateFigure

    @property
    def percent(self) -> Figure:
        """The rate in percent, now and before (0 where the denominator is 0)."""
        return Figure(self.now.percent or Decimal(0), self.before.percent or Decimal(0))


def _rate_rows(actor: Actor, span: DateRange, before: DateRange) -> list[RateRow]:
    now, then = rates_report(actor, span).total, rates_report(actor, before).total
    labels = {
        Step.COVERAGE: _("覆盖率"),
        Step.CONVERSION: _("转换率"),
        Step.REPURCHASE: _("复购率"),
        "spend": _("渗透率（金额）"),
        "seats": _("渗透率（席位）"),
    }
    return [
        RateRow(key, label, getattr(now, str(key)), getattr(then, str(key)))
        for key, label in labels.items()
    ]


def four_rates(actor: Actor, span: DateRange, before: DateRange) -> sections.Section:
    require_operator(actor)
    rows = _rate_rows(actor, span, before)
    columns = [
        Column(_("指标"), lambda r: str(r.label)),
        Column(_("分子"), lambda r: r.now.numerator, "number"),
        Column(_("分母"), lambda r: r.now.denominator, "number"),
        Column(_("比率（%）"), lambda r: r.now.percent, "number"),
        Column(_("上期比率（%）"), lambda r: r.before.percent, "number"),
    ]
    return sections.Section(
        title=_("地推四个率"),
        template="insights/_section_rates.html",
        context={"rows": rows},
        sheets=[Sheet(_("四个率"), columns, rows)],
    )


@dataclass(frozen=True)
class GunRow:
    key: str
    label: Any
    customers: Figure
    share: Figure  # percent of the customers with an order in the period


def _share(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def three_guns(actor: Actor, span: DateRange, before: DateRange) -> sections.Section:
    require_operator(actor)
    now, then = guns_report(actor, span).total, guns_report(actor, before).total
    rows = [
        GunRow(
            key,
            label,
            Figure(getattr(now, key), getattr(then, key)),
            Figure(
                _share(getattr(now, key), now.customers), _share(getattr(then, key), then.customers)
            ),
        )
        for key, label in LEVELS
    ]
    columns = [
        Column(_("自动化程度"), lambda r: str(r.label)),
        Column(_("客户数"), lambda r: r.customers.now, "number"),
        Column(_("占比（%）"), lambda r: r.share.now, "number"),
        Column(_("上期客户数"), lambda r: r.customers.before, "number"),
        Column(_("上期占比（%）"), lambda r: r.share.before, "number"),
    ]
    return sections.Section(
        title=_("三把枪：客户的下单方式"),
        template="insights/_section_guns.html",
        context={"rows": rows},
        sheets=[Sheet(_("三把枪"), columns, rows)],
    )


def register_sections() -> None:
    sections.register(sections.OPS, four_rates)
    sections.register(sections.OPS, three_guns)
