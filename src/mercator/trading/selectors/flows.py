"""The three flows of an order (信息流、物流、资金流, DOMAIN.md §8): what the deal costs in
information, logistics and capital, shown to both sides on the order page.

- Information flow: the platform's information fee, ``fee_percent`` of the order total,
  taken from the seller's proceeds at settlement (``order.fee_amount`` once settled;
  before that, the amount it will be).
- Logistics flow: the freight in the lines (``freight_per_unit × quantity``), and the
  storage fees the warehouses charged through the ledger when the order's goods left
  them (payments' ``STORAGE_FEE`` transactions on ``order:<id>``, logistics app).
- Capital flow: the cost of money tied up, at ``CAPITAL_COST_ANNUAL_PERCENT`` a year.
  On credit (账期) the seller finances the buyer for ``credit_days``:
  ``total × rate/100 × credit_days/365``. Prepaid or cash on delivery, the buyer's money
  waits in escrow from payment to settlement (or until now, while still held): the same
  formula over the days held. Unpaid: nothing held yet.
All amounts are ``Decimal`` quantized to the currency's minor unit.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.figures import money
from mercator.core.money import plain, quantize_amount
from mercator.payments.fees import fee_of
from mercator.payments.selectors.ledger import storage_fees_for
from mercator.pricing.models import PaymentTerms
from mercator.trading.models import Order

DAYS_A_YEAR = Decimal(365)


def capital_rate_percent() -> Decimal:
    return Decimal(str(settings.MERCATOR["CAPITAL_COST_ANNUAL_PERCENT"]))


def _capital_cost(total: Decimal, days: int, currency: str) -> Decimal:
    return quantize_amount(total * capital_rate_percent() / 100 * days / DAYS_A_YEAR, currency)


def _days_between(start: Any, end: Any) -> int:
    """Whole calendar days between two moments, counted on Asia/Shanghai dates."""
    return max((timezone.localtime(end).date() - timezone.localtime(start).date()).days, 0)


def _information(order: Order) -> dict[str, Any]:
    settled = order.status == Order.Status.SETTLED
    fee = order.fee_amount if settled else fee_of(order.total, order.fee_percent, order.currency)
    return {
        "label": _("信息流"),
        "amount": fee,
        "fee_percent": order.fee_percent,
        "final": settled,
        "payer": "seller",
        "note": (
            _("平台信息服务费 %(percent)s%%，结算时从卖方货款中扣除。")
            % {"percent": plain(order.fee_percent)}
            if settled
            else _("平台信息服务费 %(percent)s%%，将在结算时从卖方货款中扣除（预计金额）。")
            % {"percent": plain(order.fee_percent)}
        ),
    }


def _logistics(order: Order, storage: Decimal | None) -> dict[str, Any]:
    freight = sum((line.freight_per_unit * line.quantity for line in order.lines.all()), Decimal(0))
    freight = quantize_amount(freight, order.currency)
    if storage is None:
        storage = storage_fees_for(reference=order.ref, currency=order.currency)
    storage = quantize_amount(storage, order.currency)
    figures = {"freight": money(freight, order.currency), "storage": money(storage, order.currency)}
    return {
        "label": _("物流"),
        "amount": freight + storage,
        "freight": freight,
        "storage": storage,
        "note": (
            _(
                "运费 %(freight)s（已含在送货单价中）；仓储费 %(storage)s，"
                "为货物出库时仓库按计费规则收取的金额。"
            )
            % figures
            if storage
            else _("运费 %(freight)s（已含在送货单价中）；本单货物没有产生仓储费。") % figures
        ),
    }


def _capital(order: Order, now: Any) -> dict[str, Any]:
    rate = capital_rate_percent()
    if order.payment_terms == PaymentTerms.CREDIT:
        days = int(order.credit_days)
        return {
            "label": _("资金流"),
            "amount": _capital_cost(order.total, days, order.currency),
            "basis": "credit",
            "days": days,
            "rate_percent": rate,
            "note": _("账期 %(days)s 天：卖方为买方垫付货款，按年化 %(rate)s%% 计算资金成本。")
            % {"days": days, "rate": plain(rate)},
        }
    if order.paid_at is None:
        return {
            "label": _("资金流"),
            "amount": quantize_amount(Decimal(0), order.currency),
            "basis": "unpaid",
            "days": 0,
            "rate_percent": rate,
            "note": _("尚未付款：资金尚未进入平台托管。"),
        }
    end = order.settled_at or order.cancelled_at or now
    days = _days_between(order.paid_at, end)
    held = order.settled_at is None and order.cancelled_at is None
    return {
        "label": _("资金流"),
        "amount": _capital_cost(order.total, days, order.currency),
        "basis": "escrow",
        "days": days,
        "rate_percent": rate,
        "note": (
            _("买方货款已在平台托管 %(days)s 天（仍在托管中），按年化 %(rate)s%% 计算资金成本。")
            if held
            else _("买方货款在平台托管 %(days)s 天（付款至结算），按年化 %(rate)s%% 计算资金成本。")
        )
        % {"days": days, "rate": plain(rate)},
    }


def order_three_flows(
    order: Order, *, now: Any = None, storage: Decimal | None = None
) -> dict[str, Any]:
    """The three flows of ``order`` with their amounts and explanations (both sides see
    the same figures). ``storage``: the order's storage fees when the caller has read
    them for many orders at once (``payments.selectors.ledger.storage_fees_by_reference``,
    the operators' report); otherwise read here from the ledger."""
    now = now or timezone.now()
    information = _information(order)
    logistics = _logistics(order, storage)
    capital = _capital(order, now)
    return {
        "currency": order.currency,
        "information": information,
        "logistics": logistics,
        "capital": capital,
        "rows": [information, logistics, capital],
        "total": information["amount"] + logistics["amount"] + capital["amount"],
    }
