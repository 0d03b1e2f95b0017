"""The workbench's counters: what is waiting for this member, each a number and a link to
the list that shows those items.

One selector per role (``boss_counters``, ``sales_counters``, ``purchaser_counters``,
``finance_counters``, ``operator_counters``) names the counters that role's work needs;
``workbench_for`` asks every role whose permissions the member holds and shows the union,
each counter computed once. The counts come from the owning apps' scoped selectors and
their ``can_<action>`` rules (``order_actions``, ``can_issue_for``, ...): a rule is never
written here a second time, so a counter and the button it leads to always agree."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mercator.companies.roles import Role
from mercator.companies.selectors.approvals import approval_requests_to_decide
from mercator.companies.selectors.members import verifications_for_operator
from mercator.core.actor import Actor
from mercator.payments.models import BankStatementLine, Payout, Receivable
from mercator.payments.selectors.bank import bank_statements_visible_to
from mercator.payments.selectors.credit import can_view_credit, receivables_visible_to
from mercator.payments.selectors.payouts import ops_payouts
from mercator.trading.models import Inquiry, Invoice, InvoiceLine, Order, Quote, Rfq, Side
from mercator.trading.selectors.invoices import can_issue_for
from mercator.trading.selectors.orders import disputes_for_operator, order_actions, orders_list
from mercator.trading.selectors.quotes import (
    inquiries_inbox,
    quotes_list,
    rfqs_mine,
    rfqs_to_answer,
)
from mercator.trading.services.invoices import CREDIT_STAGES, PAID_STAGES

# "Expiring" and "closing" mean within this many days: a week, the default validity of
# a quote, so a quote sent today is already on the desk of whoever must act on it.
SOON_DAYS = 7
S = Order.Status


@dataclass(frozen=True)
class Counter:
    key: str
    label: str | Promise
    count: int
    url: str
    urgent: bool = False  # late already (overdue, past deadline): drawn in warning colour


@dataclass
class Desk:
    """One member's counters, each computed at most once per page."""

    actor: Actor
    now: Any = field(default_factory=timezone.now)
    _done: dict[str, Counter] = field(default_factory=dict)

    def get(self, key: str) -> Counter:
        if key not in self._done:
            self._done[key] = COUNTERS[key](self)
        return self._done[key]

    def many(self, keys: list[str]) -> list[Counter]:
        return [self.get(key) for key in keys]


def _url(name: str, **query: str) -> str:
    path = reverse(name)
    wanted = {k: v for k, v in query.items() if v}
    return f"{path}?{urlencode(wanted)}" if wanted else path


def _orders_where(desk: Desk, *, side: str, statuses: frozenset[str], rule: str) -> list[Order]:
    """The actor's orders on ``side`` whose ``order_actions`` grants ``rule`` now.
    (The status filter only narrows what the rule is asked about.)"""
    actor = desk.actor
    candidates = orders_list(actor, side=side).filter(status__in=statuses)
    return [order for order in candidates if order_actions(actor, order)[rule]]


def _order_counter(key: str, label: Promise, side: str, orders: list[Order]) -> Counter:
    # The list filters by one status; when the items share it, link to exactly them.
    statuses = {order.effective_status() for order in orders}
    status = statuses.pop() if len(statuses) == 1 else ""
    return Counter(key, label, len(orders), _url("orders", side=side, status=status))


# --------------------------------------------------------------------------- orders


def _to_approve(desk: Desk) -> Counter:
    count = approval_requests_to_decide(desk.actor).count()
    return Counter("to_approve", _("待我审批"), count, _url("approvals"))


def _to_pay(desk: Desk) -> Counter:
    wanted = frozenset({S.APPROVED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.RECEIVED})
    orders = _orders_where(desk, side="buy", statuses=wanted, rule="can_pay")
    return _order_counter("to_pay", _("待付款"), "buy", orders)


def _to_ship(desk: Desk) -> Counter:
    wanted = frozenset({S.APPROVED, S.PAID, S.PARTIALLY_SHIPPED})
    orders = _orders_where(desk, side="sell", statuses=wanted, rule="can_ship")
    return _order_counter("to_ship", _("待发货"), "sell", orders)


def _to_receive(desk: Desk) -> Counter:
    wanted = frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED})
    orders = _orders_where(desk, side="buy", statuses=wanted, rule="can_receive")
    return _order_counter("to_receive", _("待确认收货"), "buy", orders)


def _to_invoice(desk: Desk) -> Counter:
    actor = desk.actor
    # Orders an issued blue invoice covers already are skipped in one query;
    # ``can_issue_for`` decides about the rest.
    covered = InvoiceLine.objects.filter(
        order=OuterRef("pk"), invoice__kind=Invoice.Kind.BLUE, invoice__status=Invoice.Status.ISSUED
    )
    candidates = (
        orders_list(actor, side="sell")
        .filter(status__in=PAID_STAGES | CREDIT_STAGES)
        .exclude(Exists(covered))
    )
    orders = [order for order in candidates if can_issue_for(actor, order)]
    return _order_counter("to_invoice", _("待开发票"), "sell", orders)


# ---------------------------------------------------------------- inquiries, quotes


def _inquiries_unanswered(desk: Desk) -> Counter:
    open_ = Inquiry.Status.OPEN
    count = inquiries_inbox(desk.actor, box="received").filter(status=open_).count()
    return Counter("inquiries_unanswered", _("未回复询盘"), count, _url("inquiries", status=open_))


def _quotes_expiring(desk: Desk, side: str) -> Counter:
    live = (Quote.Status.SENT, Quote.Status.COUNTERED)
    count = (
        quotes_list(desk.actor, side=side)
        .filter(
            status__in=live,
            valid_until__gt=desk.now,
            valid_until__lte=desk.now + timedelta(days=SOON_DAYS),
        )
        .count()
    )
    if side == Side.SELLER:
        label = _("我发出的报价 %(days)s 天内到期") % {"days": SOON_DAYS}
    else:
        label = _("收到的报价 %(days)s 天内到期") % {"days": SOON_DAYS}
    return Counter(
        f"quotes_expiring_{side}",
        label,
        count,
        _url("quotes", side=side, status=Quote.Status.SENT),
    )


def _rfqs_to_answer_closing(desk: Desk) -> Counter:
    count = rfqs_to_answer(desk.actor).filter(deadline__lte=desk.now + timedelta(days=SOON_DAYS))
    return Counter(
        "rfqs_closing_seller",
        _("待报价的询价单 %(days)s 天内截止") % {"days": SOON_DAYS},
        count.count(),
        _url("quotes", side=Side.SELLER),
    )


def _rfqs_mine_closing(desk: Desk) -> Counter:
    """The buyer's open RFQs closing soon or closed and waiting for his award."""
    count = (
        rfqs_mine(desk.actor)
        .filter(status=Rfq.Status.OPEN, deadline__lte=desk.now + timedelta(days=SOON_DAYS))
        .count()
    )
    return Counter(
        "rfqs_closing_buyer",
        _("我的询价单临近截止或待定标"),
        count,
        _url("rfqs", status=Rfq.Status.OPEN),
    )


# -------------------------------------------------------------------------- money


def _receivables_overdue(desk: Desk) -> Counter:
    actor = desk.actor
    count = 0
    if can_view_credit(actor):
        count = (
            receivables_visible_to(actor, "seller", status=Receivable.Status.OPEN)
            .filter(due_on__lt=timezone.localdate(desk.now))
            .count()
        )
    return Counter(
        "receivables_overdue",
        _("逾期应收款"),
        count,
        _url("receivables", side="seller", status=Receivable.Status.OPEN),
        urgent=count > 0,
    )


# ---------------------------------------------------------------------- operators


def _verifications_waiting(desk: Desk) -> Counter:
    count = verifications_for_operator(desk.actor, "pending").count()
    return Counter("verifications_waiting", _("待审核的企业认证"), count, _url("ops-verifications"))


def _bank_lines_unmatched(desk: Desk) -> Counter:
    unmatched = Q(lines__status=BankStatementLine.Status.UNMATCHED)
    found = bank_statements_visible_to(desk.actor).aggregate(n=Count("lines", filter=unmatched))
    return Counter(
        "bank_lines_unmatched",
        _("未匹配的银行流水"),
        found["n"] or 0,
        _url("ops-bank-statements"),
    )


def _disputes_open(desk: Desk) -> Counter:
    count = disputes_for_operator(desk.actor).count()
    return Counter("disputes_open", _("待处理的争议"), count, _url("ops-disputes"), urgent=True)


def _payouts_waiting(desk: Desk) -> Counter:
    waiting = Payout.Status.REQUESTED
    count = ops_payouts(desk.actor, status=waiting).count()
    return Counter("payouts_waiting", _("待打款的提现"), count, _url("ops-payouts", status=waiting))


COUNTERS: dict[str, Callable[[Desk], Counter]] = {
    "to_approve": _to_approve,
    "to_pay": _to_pay,
    "to_ship": _to_ship,
    "to_receive": _to_receive,
    "to_invoice": _to_invoice,
    "inquiries_unanswered": _inquiries_unanswered,
    "quotes_expiring_seller": lambda desk: _quotes_expiring(desk, Side.SELLER),
    "quotes_expiring_buyer": lambda desk: _quotes_expiring(desk, Side.BUYER),
    "rfqs_closing_seller": _rfqs_to_answer_closing,
    "rfqs_closing_buyer": _rfqs_mine_closing,
    "receivables_overdue": _receivables_overdue,
    "verifications_waiting": _verifications_waiting,
    "bank_lines_unmatched": _bank_lines_unmatched,
    "disputes_open": _disputes_open,
    "payouts_waiting": _payouts_waiting,
}


# ------------------------------------------------------------------ one per role


def is_boss(actor: Actor) -> bool:
    """The boss's view: whoever reads the member report, or the master / a manager."""
    return actor.company is not None and (
        actor.can("reports.view") or actor.role in (Role.MASTER, Role.MANAGER)
    )


def boss_counters(actor: Actor, desk: Desk | None = None) -> list[Counter]:
    """The boss: what waits for his decision and what the company is owed late."""
    desk = desk or Desk(actor)
    if not is_boss(actor):
        return []
    keys = ["inquiries_unanswered"]
    if actor.can("approvals.decide"):
        keys.insert(0, "to_approve")
    if can_view_credit(actor):
        keys.append("receivables_overdue")
    return desk.many(keys)


def sales_counters(actor: Actor, desk: Desk | None = None) -> list[Counter]:
    """A sales clerk: orders to ship, inquiries to answer, his quotes about to lapse, RFQs
    to quote before they close."""
    desk = desk or Desk(actor)
    if actor.company is None or not (actor.can("orders.fulfil") or actor.can("customers.manage")):
        return []
    if actor.company.kind == "buyer":
        return []
    keys = ["inquiries_unanswered", "quotes_expiring_seller", "rfqs_closing_seller"]
    if actor.can("orders.fulfil"):
        keys.insert(0, "to_ship")
    return desk.many(keys)


def purchaser_counters(actor: Actor, desk: Desk | None = None) -> list[Counter]:
    """A purchaser: goods to confirm, quotes received about to lapse, his RFQs closing."""
    desk = desk or Desk(actor)
    if actor.company is None or not actor.can("orders.place"):
        return []
    keys = ["to_receive"]
    if actor.can("customers.manage") or actor.can("customers.view_all"):
        keys += ["quotes_expiring_buyer", "rfqs_closing_buyer"]
    return desk.many(keys)


def finance_counters(actor: Actor, desk: Desk | None = None) -> list[Counter]:
    """Finance: approvals, orders to pay, invoices to issue, receivables overdue."""
    desk = desk or Desk(actor)
    if actor.company is None:
        return []
    keys: list[str] = []
    if actor.can("payments.pay") and actor.can("approvals.decide"):
        keys.append("to_approve")
    if actor.can("payments.pay"):
        keys.append("to_pay")
    if actor.can("invoices.issue"):
        keys.append("to_invoice")
    if actor.can("payments.pay") or actor.can("credit.manage"):
        keys.append("receivables_overdue")
    return desk.many(keys)


def operator_counters(actor: Actor, desk: Desk | None = None) -> list[Counter]:
    """A platform operator: the desks of the platform itself."""
    desk = desk or Desk(actor)
    if not actor.is_operator:
        return []
    return desk.many(
        ["verifications_waiting", "bank_lines_unmatched", "disputes_open", "payouts_waiting"]
    )


ROLE_SELECTORS = (
    boss_counters,
    finance_counters,
    sales_counters,
    purchaser_counters,
    operator_counters,
)


def workbench_for(actor: Actor) -> list[Counter]:
    """The union of the counters of every role the member's permissions make him,
    each once, in the order the roles name them; those with work waiting first."""
    desk = Desk(actor)
    seen: dict[str, Counter] = {}
    for role_selector in ROLE_SELECTORS:
        for counter in role_selector(actor, desk):
            seen.setdefault(counter.key, counter)
    return sorted(seen.values(), key=lambda counter: counter.count == 0)
