"""What earns points (seed §10: 出力出钱, effort counts more).

Each reason is a kind of fact an app pushes down through ``membership.services.points_award``.
``value`` is the fact's size in the reason's own unit (one rating's stars, one settled
order's amount in ten-thousands of yuan, one post marked helpful); points are
``value × weight``, with the market's weight when the operator set one, else the default
here. Effort reasons weigh more than money reasons by default."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

EFFORT = "effort"
MONEY = "money"

# reason -> (side, label, default weight per unit of value)
REASONS: dict[str, tuple[str, object, Decimal]] = {
    "listing_quality": (EFFORT, _("挂牌信息完整"), Decimal("2")),
    "inquiry_answered": (EFFORT, _("按时回复询盘"), Decimal("3")),
    "inquiry_late": (EFFORT, _("询盘回复超时"), Decimal("-1")),
    "rating_received": (EFFORT, _("获得评价"), Decimal("2")),
    "complaint_upheld": (EFFORT, _("被投诉属实"), Decimal("-20")),
    "buyer_referred": (EFFORT, _("推荐买家"), Decimal("10")),
    "community_helpful": (EFFORT, _("社区贡献被认可"), Decimal("2")),
    # value: the fee in thousands of yuan.
    "membership_paid": (MONEY, _("付费会员"), Decimal("1")),
    "settled_volume": (MONEY, _("平台成交额"), Decimal("1")),
    # Settled volume from before the platform kept the orders (an operator's import of a
    # company's earlier trading, one line a month; value in ten-thousands of yuan).
    "history_import": (MONEY, _("上线前的历史成交"), Decimal("1")),
}


def reason_side(reason: str) -> str:
    return REASONS[reason][0]


def reason_label(reason: str) -> str:
    entry = REASONS.get(reason)
    return str(entry[1]) if entry is not None else reason


def default_weight(reason: str) -> Decimal:
    return REASONS[reason][2]
