"""The dashboards' tables as Excel sheets (``core.reports.Sheet``): the page's tables,
each figure with its previous period and change, one sheet per table."""

from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from mercator.core.listing import Column
from mercator.core.reports import Sheet
from mercator.insights.sections import Section
from mercator.insights.selectors.boss import BossDashboard
from mercator.insights.selectors.figures import Figure
from mercator.insights.selectors.ops import FLOW_FIGURES, OpsDashboard


def _trio(
    header: str, figure: Callable[[Any], Figure], kind: str, currency: Callable[[Any], str] | None
) -> list[Column]:
    """A figure's three columns: the period, the previous period, the change (a ratio)."""
    return [
        Column(header, lambda r: figure(r).now, kind, currency),
        Column(f"{header} · {_('上期')}", lambda r: figure(r).before, kind, currency),
        Column(f"{header} · {_('变化')}", lambda r: figure(r).change, "number"),
    ]


def _cny(_row: Any) -> str:
    return "CNY"


def ops_sheets(dashboard: OpsDashboard, sections: Sequence[Section] = ()) -> list[Sheet]:
    gmv = dashboard.gmv
    figures = [
        (_("真实成交额"), gmv.real, "money"),
        (_("记录成交额"), gmv.recorded, "money"),
        (_("真实成交订单数"), gmv.orders_real, "number"),
        (_("记录成交订单数"), gmv.orders_recorded, "number"),
    ]
    totals = Sheet(
        _("成交额汇总"),
        [
            Column(_("指标"), lambda r: r[0]),
            *_trio(_("本期"), lambda r: r[1], "number", None),
        ],
        figures,
    )

    def gmv_columns(first: str, with_month: bool = False) -> list[Column]:
        columns = [Column(first, lambda r: r.label)]
        if with_month:
            columns.append(Column(_("上期对应月"), lambda r: r.before_label))
        return [
            *columns,
            *_trio(_("真实成交额"), lambda r: r.real, "money", _cny),
            *_trio(_("记录成交额"), lambda r: r.recorded, "money", _cny),
            *_trio(_("真实成交订单数"), lambda r: r.orders_real, "number", None),
            *_trio(_("记录成交订单数"), lambda r: r.orders_recorded, "number", None),
        ]

    flow_labels = flow_names()
    flows = Sheet(
        _("三流核算"),
        [
            Column(_("币种"), lambda r: r.currency),
            *_trio(_("成交笔数"), lambda r: r.deals, "number", None),
            *[
                column
                for key in FLOW_FIGURES
                for column in _trio(
                    str(flow_labels[key]),
                    lambda r, key=key: r.figures[key],
                    "money",
                    lambda r: r.currency,
                )
            ],
        ],
        dashboard.flows,
    )
    grades = Sheet(
        _("会员等级分布"),
        [
            Column(_("市场"), lambda r: r.market),
            Column(_("等级"), lambda r: r.grade),
            *_trio(_("企业数（期末）"), lambda r: r.companies, "number", None),
        ],
        dashboard.grades,
    )
    prices = Sheet(
        _("价格指数"),
        [
            Column(_("品类"), lambda r: r.product),
            Column(_("单位"), lambda r: r.unit),
            Column(_("币种"), lambda r: r.currency),
            *_trio(_("成交均价"), lambda r: r.vwap, "money", lambda r: r.currency),
            *_trio(_("成交笔数"), lambda r: r.deals, "number", None),
            *_trio(_("成交量"), lambda r: r.quantity, "number", None),
        ],
        dashboard.prices,
    )
    return [
        totals,
        Sheet(_("按市场"), gmv_columns(_("市场")), gmv.by_market),
        Sheet(_("按地区"), gmv_columns(_("买方省份")), gmv.by_region),
        Sheet(_("按月"), gmv_columns(_("月份"), with_month=True), gmv.by_month),
        flows,
        grades,
        prices,
        *[sheet for section in sections for sheet in section.sheets],
    ]


def flow_names() -> dict[str, str]:
    return {
        "information": _("信息服务费"),
        "freight": _("运费"),
        "storage": _("仓储费"),
        "storage_platform": _("其中自营仓储费"),
        "capital": _("资金成本"),
        "total": _("三流合计"),
        "earned": _("平台收入"),
        "given": _("非平台收入"),
    }


def boss_sheets(dashboard: BossDashboard, sections: Sequence[Section] = ()) -> list[Sheet]:
    figures = [
        (_("销售额"), dashboard.sales),
        (_("采购额"), dashboard.purchases),
        (_("销售订单数"), dashboard.sales_orders),
        (_("采购订单数"), dashboard.purchase_orders),
        (_("下单客户数"), dashboard.buying),
        (_("复购客户数"), dashboard.repeat),
        (_("复购率（%）"), dashboard.repeat_rate),
        (_("有平台账户的客户中下单的"), dashboard.records_bought),
    ]
    sheets = [
        Sheet(
            _("汇总"),
            [Column(_("指标"), lambda r: r[0]), *_trio(_("本期"), lambda r: r[1], "number", None)],
            figures,
        ),
        Sheet(
            _("按月"),
            [
                Column(_("月份"), lambda r: r.label),
                Column(_("上期对应月"), lambda r: r.before_label),
                *_trio(_("销售额"), lambda r: r.sales, "money", _cny),
                *_trio(_("采购额"), lambda r: r.purchases, "money", _cny),
            ],
            dashboard.by_month,
        ),
        Sheet(
            _("客户"),
            [
                Column(_("客户"), lambda r: r.name),
                Column(_("负责人"), lambda r: r.owner),
                *_trio(_("订单数"), lambda r: r.orders, "number", None),
                *_trio(_("采购额"), lambda r: r.spend, "money", _cny),
                Column(_("复购"), lambda r: _("是") if r.repeat else _("否")),
            ],
            dashboard.customers,
        ),
    ]
    if dashboard.members is not None:
        sheets.append(
            Sheet(
                _("成员活跃"),
                [
                    Column(_("成员"), lambda r: r.name),
                    Column(_("角色"), lambda r: r.role),
                    *_trio(_("活跃天数"), lambda r: r.days_active, "number", None),
                    *_trio(_("投入秒数"), lambda r: r.active_seconds, "number", None),
                    *_trio(_("回复询盘"), lambda r: r.inquiries_answered, "number", None),
                    *_trio(_("发出报价"), lambda r: r.quotes_sent, "number", None),
                    *_trio(_("下单"), lambda r: r.orders_placed, "number", None),
                ],
                dashboard.members,
            )
        )
    return [*sheets, *[sheet for section in sections for sheet in section.sheets]]
