"""Auctions (拍卖): a seller sells a lot to the highest bidder (English ascending, Dutch
descending, sealed first-price), or a buyer procures a lot from the lowest bidder
(reverse English descending, Japanese rounds).

The auction row carries the current best price (``high_price``) and the bid count: a bid
is accepted by one conditional ``UPDATE`` of that row (``WHERE status = 'open' AND
ends_at > now AND high_price < :price - increment ...``), so two bids can never both beat
the same high and no bid is ever accepted below it, on SQLite as on PostgreSQL. Bidders
register first (a participant, with the deposit held in the ledger) and are shown to one
another only by alias (竞买人3), never by company."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Category, Market, Sku, Unit
from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel
from mercator.markets.models.base import AMOUNT, PRICE, QTY, DepositStatus
from mercator.membership.models import Grade


class Auction(PublicIdModel):
    class Kind(models.TextChoices):
        ENGLISH = "english", _("英式增价拍卖")
        DUTCH = "dutch", _("荷式降价拍卖")
        SEALED = "sealed", _("密封投标")
        REVERSE = "reverse", _("反向竞价（采购）")
        JAPANESE = "japanese", _("日式轮次竞价（采购）")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("竞价中")
        CLOSED = "closed", _("已成交待付款")
        SOLD = "sold", _("已成交")
        UNSOLD = "unsold", _("流拍")
        CANCELLED = "cancelled", _("已取消")

    class OnFailure(models.TextChoices):
        NEXT_BIDDER = "next_bidder", _("转给次高出价者")
        RELIST = "relist", _("重新上拍")

    # Kinds where the owner buys and bidders (sellers) offer lower prices.
    PROCUREMENT = ("reverse", "japanese")

    number = models.CharField(_("拍卖编号"), max_length=24, unique=True)
    kind = models.CharField(_("拍卖方式"), max_length=10, choices=Kind.choices)
    # The seller of the lot (forward kinds) or the buyer procuring it (reverse kinds).
    owner = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    # The owner's SKU for a sale; for a procurement the goods are described and the
    # winning seller names his SKU when the order is placed (``sku`` may stay empty).
    sku = models.ForeignKey(Sku, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("说明"), max_length=4000, blank=True)
    # The lot.
    quantity = models.DecimalField(_("数量"), **QTY)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    quality_grade = models.CharField(_("质量等级"), max_length=60, blank=True)
    province = models.CharField(_("货物所在省份"), max_length=30, blank=True)
    location = models.CharField(_("存放地点"), max_length=120, blank=True)
    pickup_terms = models.CharField(_("提货条款"), max_length=500, blank=True)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    # Prices are per unit. English/sealed: the lowest first bid; Dutch: the clock's
    # start; reverse: the ceiling; Japanese: the first round's price.
    start_price = models.DecimalField(_("起拍价"), **PRICE)
    # English/sealed: the lowest price that sells (hidden); Dutch: the clock's floor;
    # procurement: the highest price the buyer accepts (hidden).
    reserve_price = models.DecimalField(_("保留价"), **PRICE, null=True, blank=True)
    # English/reverse: the least step between bids; Dutch: the clock's drop per step;
    # Japanese: the drop per round.
    min_increment = models.DecimalField(_("加价幅度"), **PRICE, default=0)
    buy_now_price = models.DecimalField(_("一口价"), **PRICE, null=True, blank=True)
    step_minutes = models.PositiveSmallIntegerField(_("降价/轮次间隔（分钟）"), default=5)
    anti_snipe_minutes = models.PositiveSmallIntegerField(_("延时触发（分钟）"), default=5)
    extend_minutes = models.PositiveSmallIntegerField(_("延时时长（分钟）"), default=5)
    deposit_amount = models.DecimalField(_("保证金"), **AMOUNT, default=0)
    # Who may bid.
    verified_only = models.BooleanField(_("仅认证企业"), default=True)
    min_grade = models.ForeignKey(
        Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    regions = models.JSONField(_("限定地区"), default=list, blank=True)  # provinces; [] = all
    starts_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    ends_at = models.DateTimeField(_("结束时间"))
    original_ends_at = models.DateTimeField(null=True, blank=True)
    pay_hours = models.PositiveSmallIntegerField(_("付款期限（小时）"), default=72)
    on_failure = models.CharField(
        _("未付款处理"), max_length=12, choices=OnFailure.choices, default=OnFailure.NEXT_BIDDER
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The live state, moved only by conditional updates.
    high_price = models.DecimalField(**PRICE, null=True, blank=True)
    high_participant = models.ForeignKey(
        "markets.AuctionParticipant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bid_count = models.PositiveIntegerField(default=0)
    round_no = models.PositiveSmallIntegerField(default=0)  # Japanese
    # The result.
    winner = models.ForeignKey(
        "markets.AuctionParticipant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    winning_price = models.DecimalField(**PRICE, null=True, blank=True)
    order_ref = models.CharField(max_length=80, blank=True)  # "order:<id>"
    offers_made = models.PositiveSmallIntegerField(default=0)  # winner, then next bidders
    relisted_as = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposal = models.ForeignKey(
        "markets.Proposal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("拍卖")
        verbose_name_plural = _("拍卖")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "ends_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["market", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="auction_qty_positive"),
            models.CheckConstraint(condition=Q(start_price__gt=0), name="auction_start_positive"),
            models.CheckConstraint(
                condition=Q(min_increment__gte=0), name="auction_increment_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(deposit_amount__gte=0), name="auction_deposit_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="auction_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ref(self) -> str:
        return f"auction:{self.public_id}"

    @property
    def is_procurement(self) -> bool:
        return self.kind in self.PROCUREMENT


class AuctionParticipant(PublicIdModel):
    """A company registered to bid, known to everyone else only as 竞买人<alias_no>."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="participants")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    registered_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    alias_no = models.PositiveSmallIntegerField()
    deposit_amount = models.DecimalField(**AMOUNT, default=0)
    deposit_status = models.CharField(
        max_length=10, choices=DepositStatus.choices, default=DepositStatus.NONE
    )
    # Procurement kinds: the bidder's own SKU he would deliver (the winner's order line).
    sku = models.ForeignKey(Sku, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Japanese rounds: the round he dropped out in (null while he stays in).
    dropped_round = models.PositiveSmallIntegerField(null=True, blank=True)
    # A failed payment: the order offered to him was not paid (or he declined).
    defaulted = models.BooleanField(default=False)
    registered_at = models.DateTimeField(default=timezone.now)
    # His live bid: the price and sequence of his latest accepted bid, written in that
    # bid's transaction. Every kind's latest accepted bid is also his best (a ladder bid
    # beats the high, a sealed bid replaces his earlier one, Japanese rounds only fall),
    # so his rank is one COUNT over the (auction, best_price) index, never every bid.
    best_price = models.DecimalField(**PRICE, null=True, blank=True)
    best_sequence = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("竞买人")
        verbose_name_plural = _("竞买人")
        ordering = ["auction", "alias_no"]
        indexes = [models.Index(fields=["auction", "best_price"], name="auction_participant_best")]
        constraints = [
            models.UniqueConstraint(fields=["auction", "company"], name="uniq_auction_bidder"),
            models.UniqueConstraint(fields=["auction", "alias_no"], name="uniq_auction_alias"),
        ]

    def __str__(self) -> str:
        return f"{self.auction_id}#{self.alias_no}"

    @property
    def deposit_ref(self) -> str:
        return f"deposit:{self.public_id}"


class Bid(PublicIdModel):
    class Kind(models.TextChoices):
        BID = "bid", _("出价")
        BUY_NOW = "buy_now", _("一口价")
        TAKE = "take", _("接受当前价")  # Dutch: the first taker at the clock's price
        STAY = "stay", _("留在本轮")  # Japanese: stays in at the round's price
        SEALED = "sealed", _("密封出价")

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="bids")
    participant = models.ForeignKey(
        AuctionParticipant, on_delete=models.CASCADE, related_name="bids"
    )
    placed_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.BID)
    price = models.DecimalField(_("出价"), **PRICE)
    # The auction's bid_count after this bid: strictly increasing per auction.
    sequence = models.PositiveIntegerField()
    round_no = models.PositiveSmallIntegerField(default=0)
    # Sealed bids: replaced by a later one from the same bidder before the close.
    superseded = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("出价")
        verbose_name_plural = _("出价")
        ordering = ["auction", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "sequence"], name="uniq_bid_sequence"),
            models.CheckConstraint(condition=Q(price__gt=0), name="bid_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.auction_id}:{self.sequence} {self.price}"
