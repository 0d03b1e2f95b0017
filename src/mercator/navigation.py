"""The one definition of the page navigation, grouped by what people do.

Each entry names its group, label, URL name and a predicate on the actor. A predicate
asks the very check the target page makes (the selector or ``require_*`` the view calls),
so a link is shown exactly when its page answers 200 for this member: no link leads to a
403 or an error page. Where a page would answer 200 but hold nothing for the member (a
seller's pages for a buying-only company, a clerk's order list for a read-only member),
the predicate narrows it further by company kind or permission, never widens it.

``navigation`` is the context processor base.html renders (``nav_groups``): the member's
groups, each with its visible entries and the current one marked. tests/test_navigation.py
requests every link for every demo login.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from mercator.catalog.selectors import SELLER_KINDS
from mercator.catalog.services import require_catalog_manager
from mercator.community.selectors import require_operator as community_operator
from mercator.community.selectors import require_reader as community_reader
from mercator.companies.models import Company
from mercator.companies.selectors.activity import notifications_unread_count
from mercator.companies.selectors.approvals import approval_requests_visible_to
from mercator.companies.selectors.customers import customers_visible_to
from mercator.companies.selectors.members import members_visible_to, verifications_for_operator
from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.fieldsales.selectors.commission import require_plan_operator, sees_statements
from mercator.fieldsales.selectors.scope import field_team
from mercator.fieldsales.selectors.targets import can_manage_markets as fieldsales_operator
from mercator.insights.selectors.boss import require_boss as insights_boss
from mercator.insights.selectors.figures import require_operator as insights_operator
from mercator.logistics.selectors.flows import require_operator as flows_operator
from mercator.logistics.selectors.stock import check_lot_reader
from mercator.logistics.selectors.transport import lanes_visible_to
from mercator.markets.selectors.forwards import contracts_visible_to as forward_contracts
from mercator.markets.selectors.forwards import offer_skus as forward_offer_skus
from mercator.markets.selectors.forwards import offers_visible_to as forward_offers
from mercator.markets.selectors.groupbuys import require_groupbuy_manager
from mercator.markets.selectors.proposals import proposals_for_operator, proposals_of_seller
from mercator.membership.selectors import appeals_for_operator, standings_of
from mercator.payments.selectors.bank import bank_statements_visible_to
from mercator.payments.selectors.credit import can_view_credit
from mercator.payments.selectors.ledger import platform_accounts
from mercator.payments.selectors.payouts import ops_payouts
from mercator.payments.selectors.wallet import accounts_of
from mercator.pricing.selectors import seller_of
from mercator.trading.selectors.index import require_reader
from mercator.trading.selectors.invoices import invoices_visible_to
from mercator.trading.selectors.orders import disputes_for_operator, orders_visible_to, sees_all
from mercator.trading.selectors.quotes import (
    inquiries_visible_to,
    quotes_visible_to,
    rfqs_visible_to,
)
from mercator.trading.selectors.ratings import complaints_for_operator

Predicate = Callable[[Actor], bool]
# Labels carry the context "navigation": "报价" is "Quotes" in the menu whatever it is as
# a column heading elsewhere.


BUYER_KINDS = (Company.Kind.BUYER, Company.Kind.BOTH)

GROUPS: tuple[tuple[str, Promise], ...] = (
    ("buy", pgettext_lazy("navigation", "采购")),
    ("sell", pgettext_lazy("navigation", "销售")),
    ("money", pgettext_lazy("navigation", "资金")),
    ("stock", pgettext_lazy("navigation", "仓储物流")),
    ("field", pgettext_lazy("navigation", "地推")),
    ("company", pgettext_lazy("navigation", "企业")),
    ("platform", pgettext_lazy("navigation", "平台")),
)


# ------------------------------------------------------------------ predicate helpers


def passes(check: Callable[[Actor], object]) -> Predicate:
    """A page whose view calls ``check`` first: shown when the check raises nothing."""

    def predicate(actor: Actor) -> bool:
        try:
            check(actor)
        except DomainError:
            return False
        return True

    return predicate


def reads(selector: Callable[[Actor], Any]) -> Predicate:
    """A page listing what ``selector`` returns: shown when the selector neither refuses
    the actor (raises) nor answers him ``none()``. Building the queryset runs no query."""

    def predicate(actor: Actor) -> bool:
        try:
            found = selector(actor)
        except DomainError:
            return False
        return not found.query.is_empty()

    return predicate


def every(*predicates: Predicate) -> Predicate:
    return lambda actor: all(predicate(actor) for predicate in predicates)


def can(permission: str) -> Predicate:
    return lambda actor: actor.can(permission)


def any_of(*permissions: str) -> Predicate:
    return lambda actor: any(actor.can(p) for p in permissions)


def buys(actor: Actor) -> bool:
    """A company that buys (buyer, or buyer and seller): the 采购 pages."""
    return actor.company is not None and actor.company.kind in BUYER_KINDS


def sells(actor: Actor) -> bool:
    """A company that sells (catalog.selectors.SELLER_KINDS): the 销售 pages."""
    return actor.company is not None and actor.company.kind in SELLER_KINDS


def has_company(actor: Actor) -> bool:
    return actor.is_authenticated and actor.company is not None


def no_company(actor: Actor) -> bool:
    return actor.is_authenticated and actor.company is None


def signed_in(actor: Actor) -> bool:
    return actor.is_authenticated


def member_report_check(actor: Actor) -> None:
    """companies.views.activity.member_report."""
    actor.require_company()
    actor.require("reports.view")


def roles_check(actor: Actor) -> None:
    """companies.views.members.roles."""
    actor.require_company()
    actor.require("members.view")


def moves_goods(actor: Actor) -> bool:
    """Who ships or handles shipments: depositors (stock.manage), warehouse staff
    (warehouse.operate), operators. logistics.views.transport.shipment_list reads
    ``shipments_visible_to``, which answers every signed-in member (empty for others)."""
    return actor.is_operator or actor.can("stock.manage") or actor.can("warehouse.operate")


def operator(actor: Actor) -> bool:
    """Platform staff; also Django's admin's own test (AdminSite.has_permission)."""
    return actor.is_operator and bool(getattr(actor.person, "is_active", False))


# --------------------------------------------------------------------- the definition


@dataclass(frozen=True)
class Entry:
    key: str  # unique; the link's data-testid is "nav-<key>"
    group: str
    label: Promise
    url_name: str
    visible: Predicate
    query: str = ""  # e.g. "side=buy": the same page opened on one side
    also: tuple[str, ...] = ()  # URL names of pages inside this section (highlighting)


ENTRIES: tuple[Entry, ...] = (
    # 采购: buying.
    Entry(
        "market",
        "buy",
        pgettext_lazy("navigation", "市场"),
        "catalog",
        lambda actor: True,
        also=("listing-detail",),
    ),
    Entry(
        "price-index",
        "buy",
        pgettext_lazy("navigation", "行情"),
        "price-index",
        passes(require_reader),
    ),
    Entry(
        "forwards",
        "buy",
        pgettext_lazy("navigation", "中远期"),
        "forwards",
        passes(forward_offers),
        also=("forward-offer",),
    ),
    Entry(
        "forward-contracts",
        "buy",
        pgettext_lazy("navigation", "中远期合同"),
        "forward-contracts",
        passes(forward_contracts),
    ),
    Entry(
        "cart",
        "buy",
        pgettext_lazy("navigation", "购物车"),
        "cart",
        every(buys, has_company, can("orders.place")),
    ),
    Entry(
        "quick-order",
        "buy",
        pgettext_lazy("navigation", "快速下单"),
        "quick-order",
        every(buys, has_company, can("orders.place")),
    ),
    Entry(
        "groupbuys",
        "buy",
        pgettext_lazy("navigation", "团购"),
        "groupbuy-list",
        signed_in,
        also=("groupbuy-detail",),
    ),
    Entry(
        "groupbuy-commitments",
        "buy",
        pgettext_lazy("navigation", "我的团购"),
        "groupbuy-mine",
        every(buys, has_company, can("orders.place")),
    ),
    Entry(
        "rfqs",
        "buy",
        pgettext_lazy("navigation", "我的询价单"),
        "rfqs",
        every(buys, reads(rfqs_visible_to)),
        also=("rfq-new", "rfq-detail"),
    ),
    Entry(
        "inquiries-sent",
        "buy",
        pgettext_lazy("navigation", "我发出的询盘"),
        "inquiries",
        every(buys, reads(inquiries_visible_to)),
        query="box=sent",
    ),
    Entry(
        "quotes-received",
        "buy",
        pgettext_lazy("navigation", "收到的报价"),
        "quotes",
        every(buys, reads(quotes_visible_to)),
        query="side=buyer",
    ),
    Entry(
        "orders",
        "buy",
        pgettext_lazy("navigation", "采购订单"),
        "orders",
        every(buys, reads(orders_visible_to), lambda a: sees_all(a) or a.can("orders.place")),
        query="side=buy",
    ),
    Entry(
        "auctions",
        "buy",
        pgettext_lazy("navigation", "拍卖大厅"),
        "auctions",
        signed_in,
        also=("auction-detail", "auction-register"),
    ),
    Entry(
        "auctions-bidding",
        "buy",
        pgettext_lazy("navigation", "我的竞拍"),
        "auctions-bidding",
        every(buys, has_company, can("orders.place")),
    ),
    Entry(
        "auctions-procure",
        "buy",
        pgettext_lazy("navigation", "我的采购竞价"),
        "auctions-mine",
        every(buys, has_company, can("orders.place")),
        query="side=buy",
    ),
    Entry(
        "pushes-received",
        "buy",
        pgettext_lazy("navigation", "推单"),
        "pushes-received",
        every(buys, has_company, can("orders.place")),
        also=("push-detail",),
    ),
    Entry(
        "standing-orders",
        "buy",
        pgettext_lazy("navigation", "定期订单"),
        "standing-orders",
        every(buys, has_company, can("orders.place")),
        also=("standing-order-new",),
    ),
    # 销售: selling.
    Entry(
        "inquiries",
        "sell",
        pgettext_lazy("navigation", "询盘"),
        "inquiries",
        every(sells, reads(inquiries_visible_to)),
        also=("inquiry-detail",),
    ),
    Entry(
        "quotes",
        "sell",
        pgettext_lazy("navigation", "报价"),
        "quotes",
        every(sells, reads(quotes_visible_to)),
        query="side=seller",
        also=("quote-new", "quote-detail"),
    ),
    Entry(
        "customers",
        "sell",
        pgettext_lazy("navigation", "客户"),
        "customers",
        every(sells, reads(customers_visible_to)),
        also=("customer-new", "customer-detail"),
    ),
    Entry(
        "proposals",
        "sell",
        pgettext_lazy("navigation", "聚合建议"),
        "proposals",
        every(sells, reads(proposals_of_seller)),
    ),
    Entry(
        "products",
        "sell",
        pgettext_lazy("navigation", "我的商品"),
        "seller-products",
        passes(require_catalog_manager),
        also=(
            "seller-product",
            "seller-listings",
            "seller-listing",
            "seller-import",
            "seller-import-job",
        ),
    ),
    Entry(
        "pricing",
        "sell",
        pgettext_lazy("navigation", "价格管理"),
        "pricing",
        every(sells, passes(seller_of)),
        also=("pricing-list",),
    ),
    Entry(
        "forward-offer-new",
        "sell",
        pgettext_lazy("navigation", "发布中远期报盘"),
        "forward-offer-new",
        every(sells, passes(forward_offer_skus)),
    ),
    Entry(
        "orders-sold",
        "sell",
        pgettext_lazy("navigation", "销售订单"),
        "orders",
        every(sells, reads(orders_visible_to), lambda a: sees_all(a) or a.can("orders.fulfil")),
        query="side=sell",
    ),
    Entry(
        "auctions-mine",
        "sell",
        pgettext_lazy("navigation", "我发起的拍卖"),
        "auctions-mine",
        every(sells, has_company, can("orders.fulfil")),
        also=("auction-new",),
    ),
    Entry(
        "auctions-supplying",
        "sell",
        pgettext_lazy("navigation", "我参与的采购竞价"),
        "auctions-bidding",
        every(sells, has_company, can("orders.fulfil")),
        query="side=sell",
    ),
    Entry(
        "groupbuys-managed",
        "sell",
        pgettext_lazy("navigation", "团购管理"),
        "groupbuy-managed",
        passes(require_groupbuy_manager),
        also=("groupbuy-new", "groupbuy-edit"),
    ),
    # 仓储物流: stock and logistics.
    Entry(
        "receipts",
        "stock",
        pgettext_lazy("navigation", "仓单"),
        "logistics-receipts",
        every(has_company, any_of("stock.manage", "warehouse.operate")),
        also=("logistics-receipt",),
    ),
    # 资金: money.
    Entry(
        "wallet",
        "money",
        pgettext_lazy("navigation", "钱包"),
        "wallet",
        reads(accounts_of),
        also=("payment-intent",),
    ),
    Entry(
        "receivables",
        "money",
        pgettext_lazy("navigation", "应收账款"),
        "receivables",
        every(sells, can_view_credit),
        query="side=seller",
    ),
    Entry(
        "payables",
        "money",
        pgettext_lazy("navigation", "应付账款"),
        "receivables",
        every(buys, can_view_credit),
        query="side=buyer",
    ),
    Entry(
        "credit", "money", pgettext_lazy("navigation", "授信额度"), "credit-lines", can_view_credit
    ),
    Entry(
        "invoices",
        "money",
        pgettext_lazy("navigation", "发票"),
        "invoices",
        reads(invoices_visible_to),
        also=("invoice-detail",),
    ),
    # 仓储物流: warehouses, stored goods, transport.
    Entry(
        "warehouses",
        "stock",
        pgettext_lazy("navigation", "仓库"),
        "logistics-warehouses",
        has_company,
        also=(
            "logistics-warehouse",
            "logistics-warehouse-new",
            "logistics-inbound-book",
            "logistics-stocktake-new",
            "logistics-stocktake",
        ),
    ),
    Entry(
        "inbounds",
        "stock",
        pgettext_lazy("navigation", "入库预约"),
        "logistics-inbounds",
        every(has_company, any_of("stock.manage", "warehouse.operate")),
        also=("logistics-inbound",),
    ),
    # 仓储物流: stored goods, releases.
    Entry(
        "logistics-lots",
        "stock",
        pgettext_lazy("navigation", "我的库存"),
        "logistics-lots",
        passes(check_lot_reader),
        also=("logistics-lot", "logistics-lot-list", "logistics-release-new"),
    ),
    Entry(
        "logistics-releases",
        "stock",
        pgettext_lazy("navigation", "出库单"),
        "logistics-releases",
        passes(check_lot_reader),
        also=("logistics-release",),
    ),
    # 仓储物流: transport (lanes, quotes by mode, shipments).
    Entry(
        "logistics-shipments",
        "stock",
        pgettext_lazy("navigation", "运输"),
        "logistics-shipments",
        every(has_company, moves_goods),
        also=("logistics-shipment", "logistics-shipment-new"),
    ),
    Entry(
        "logistics-lanes",
        "stock",
        pgettext_lazy("navigation", "运价线路"),
        "logistics-lanes",
        passes(lanes_visible_to),
        also=("logistics-lane-edit",),
    ),
    Entry(
        "logistics-quote",
        "stock",
        pgettext_lazy("navigation", "运输比价"),
        "logistics-quote",
        passes(lanes_visible_to),
    ),
    # 地推: the four rates and the three guns (fieldsales.views.rates).
    Entry(
        "fieldsales-rates",
        "field",
        pgettext_lazy("navigation", "四个率"),
        "fieldsales-rates",
        field_team,
        also=("fieldsales-rates-drill",),
    ),
    Entry(
        "fieldsales-guns",
        "field",
        pgettext_lazy("navigation", "三把枪"),
        "fieldsales-guns",
        field_team,
    ),
    # 地推: field sales (markets, targets, reps).
    Entry(
        "fieldsales-markets",
        "field",
        pgettext_lazy("navigation", "目标市场"),
        "fieldsales-markets",
        field_team,
        also=("fieldsales-market", "fieldsales-market-new", "fieldsales-market-import"),
    ),
    Entry(
        "fieldsales-targets",
        "field",
        pgettext_lazy("navigation", "目标企业"),
        "fieldsales-targets",
        field_team,
        also=("fieldsales-target", "fieldsales-target-new", "fieldsales-visit-new"),
    ),
    Entry(
        "fieldsales-reps",
        "field",
        pgettext_lazy("navigation", "地推人员"),
        "fieldsales-reps",
        field_team,
    ),
    # 企业: the company and the person.
    Entry(
        "company",
        "company",
        pgettext_lazy("navigation", "企业资料"),
        "company-profile",
        has_company,
    ),
    Entry(
        "company-new", "company", pgettext_lazy("navigation", "注册企业"), "company-new", no_company
    ),
    Entry(
        "members",
        "company",
        pgettext_lazy("navigation", "成员"),
        "members",
        reads(members_visible_to),
    ),
    Entry(
        "roles", "company", pgettext_lazy("navigation", "角色与权限"), "roles", passes(roles_check)
    ),
    Entry(
        "approvals",
        "company",
        pgettext_lazy("navigation", "审批"),
        "approvals",
        reads(approval_requests_visible_to),
        also=("approval-detail", "approval-rules", "approval-rule-edit"),
    ),
    Entry(
        "report",
        "company",
        pgettext_lazy("navigation", "成员报告"),
        "member-report",
        passes(member_report_check),
    ),
    Entry(
        "membership",
        "company",
        pgettext_lazy("navigation", "会员等级"),
        "membership-home",
        passes(standings_of),
    ),
    Entry(
        "tokens",
        "company",
        pgettext_lazy("navigation", "API 令牌"),
        "tokens",
        every(has_company, can("tokens.manage_own")),
    ),
    Entry(
        "community",
        "company",
        pgettext_lazy("navigation", "社区"),
        "community",
        passes(community_reader),
        also=(
            "community-board",
            "community-post",
            "community-post-new",
            "community-post-edit",
            "community-search",
        ),
    ),
    Entry(
        "security",
        "company",
        pgettext_lazy("navigation", "账户安全"),
        "account-security",
        signed_in,
    ),
    Entry(
        "insights-boss",
        "company",
        pgettext_lazy("navigation", "老板看板"),
        "insights-boss",
        passes(insights_boss),
    ),
    # 平台: the platform's own staff.
    Entry(
        "ops-verifications",
        "platform",
        pgettext_lazy("navigation", "认证审核"),
        "ops-verifications",
        reads(verifications_for_operator),
    ),
    Entry(
        "ops-bank",
        "platform",
        pgettext_lazy("navigation", "银行对账"),
        "ops-bank-statements",
        reads(bank_statements_visible_to),
        also=("ops-bank-statement",),
    ),
    Entry(
        "ops-ledger",
        "platform",
        pgettext_lazy("navigation", "平台账务"),
        "ops-ledger",
        reads(platform_accounts),
    ),
    Entry(
        "ops-disputes",
        "platform",
        pgettext_lazy("navigation", "争议处理"),
        "ops-disputes",
        reads(disputes_for_operator),
    ),
    Entry(
        "ops-complaints",
        "platform",
        pgettext_lazy("navigation", "投诉处理"),
        "ops-complaints",
        reads(complaints_for_operator),
    ),
    Entry(
        "ops-payouts",
        "platform",
        pgettext_lazy("navigation", "提现打款"),
        "ops-payouts",
        reads(ops_payouts),
    ),
    Entry(
        "ops-community",
        "platform",
        pgettext_lazy("navigation", "社区管理"),
        "ops-community",
        passes(community_operator),
        also=("ops-community-bans", "ops-community-words", "ops-community-boards"),
    ),
    Entry(
        "ops-membership",
        "platform",
        pgettext_lazy("navigation", "会员等级管理"),
        "ops-membership",
        reads(appeals_for_operator),
    ),
    Entry(
        "ops-proposals",
        "platform",
        pgettext_lazy("navigation", "聚合建议"),
        "ops-proposals",
        reads(proposals_for_operator),
    ),
    Entry(
        "logistics-flows",
        "platform",
        pgettext_lazy("navigation", "三流核算"),
        "logistics-flows",
        passes(flows_operator),
    ),
    Entry(
        "fieldsales-plans",
        "platform",
        pgettext_lazy("navigation", "分润方案"),
        "fieldsales-plans",
        passes(require_plan_operator),
    ),
    Entry(
        "insights-ops",
        "platform",
        pgettext_lazy("navigation", "经营看板"),
        "insights-ops",
        passes(insights_operator),
    ),
    # 地推: field sales.
    Entry(
        "fieldsales-pushes",
        "field",
        pgettext_lazy("navigation", "推单"),
        "fieldsales-pushes",
        field_team,
        also=("fieldsales-push-new",),
    ),
    Entry(
        "fieldsales-reasons",
        "platform",
        pgettext_lazy("navigation", "未达成原因"),
        "fieldsales-reasons",
        fieldsales_operator,
    ),
    Entry("admin", "platform", pgettext_lazy("navigation", "平台后台"), "admin:index", operator),
    # 地推: field sales.
    Entry(
        "fieldsales-statements",
        "field",
        pgettext_lazy("navigation", "分润对账单"),
        "fieldsales-statements",
        sees_statements,
        also=("fieldsales-statement",),
    ),
)


# ------------------------------------------------------------------------ rendering


def _href(entry: Entry) -> str:
    url = reverse(entry.url_name)
    return f"{url}?{entry.query}" if entry.query else url


def _matches(entry: Entry, url_name: str, query: dict[str, str]) -> tuple[bool, bool]:
    """(this page belongs to the entry, and its query agrees with the entry's)."""
    if url_name != entry.url_name and url_name not in entry.also:
        return False, False
    wanted = dict(part.split("=", 1) for part in entry.query.split("&") if part)
    return True, all(query.get(k) == v for k, v in wanted.items())


def groups_for(actor: Actor, url_name: str = "", query: dict[str, str] | None = None) -> list:
    """The member's groups, in order, each with its visible entries; the entry of the
    current page (``url_name``, preferring the one whose query matches) marked current."""
    query = query or {}
    visible = [entry for entry in ENTRIES if entry.visible(actor)]
    current = None
    for entry in visible:
        belongs, agrees = _matches(entry, url_name, query)
        if belongs and agrees:
            current = entry
            break
        if belongs and current is None:
            current = entry
    groups = []
    for key, label in GROUPS:
        entries = [
            {
                "key": entry.key,
                "label": entry.label,
                "href": _href(entry),
                "current": entry is current,
            }
            for entry in visible
            if entry.group == key
        ]
        if entries:
            groups.append(
                {
                    "key": key,
                    "label": label,
                    "entries": entries,
                    "current": current is not None and current.group == key,
                }
            )
    return groups


def visible_urls(actor: Actor) -> list[str]:
    """Every link the actor's navigation shows (tests request each one)."""
    return [entry["href"] for group in groups_for(actor) for entry in group["entries"]]


def entry_keys(groups: Iterable[dict]) -> set[str]:
    return {entry["key"] for group in groups for entry in group["entries"]}


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``nav_groups`` and the unread notifications count (shown in
    the top bar on every page, also on a phone) for a signed-in person, else nothing."""
    actor = getattr(request, "actor", None)
    if actor is None or not actor.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    url_name = ""
    if match is not None and match.url_name:
        url_name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    return {
        "nav_groups": groups_for(actor, url_name, request.GET.dict()),
        "nav_unread_count": notifications_unread_count(actor),
    }
