"""Auctions: the bidders' side (register with a deposit; every kind of bid, each
accepted by one conditional ``UPDATE ... RETURNING`` of the auction row, ``_claim``)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connections, transaction
from django.db.models import Case, F, Max, Q, When
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from mercator.catalog.models import Sku
from mercator.core.actor import Actor
from mercator.core.errors import Conflict
from mercator.markets.models import Auction, AuctionParticipant, Bid
from mercator.markets.selectors import auctions as sel
from mercator.markets.services.auctions.base import A, D, K, _audit, _bidder_check, _by_id
from mercator.markets.services.auctions.closing import auctions_close_due
from mercator.markets.services.common import (
    check_eligible,
    hold_deposit,
    invalid,
    price_of,
)

# ------------------------------------------------------------------ bidding


def auction_register(*, actor: Actor, auction_id: object, sku: object = None) -> AuctionParticipant:
    """Register the actor's company to bid: the next alias, the deposit held (409
    ``insufficient_funds`` writes nothing). A procurement bidder names the SKU of his own
    he would deliver."""
    auction = sel.auction_get(actor, auction_id)
    company = _bidder_check(actor, auction)
    if auction.owner_id == company.pk:
        raise Conflict(_("不能参加自己发起的拍卖。"), code="own_auction")
    if sel.effective_status(auction) != A.OPEN:
        raise Conflict(_("拍卖已结束或未开放，不能报名。"), code="auction_closed")
    if sel.participant_of(actor, auction) is not None:
        raise Conflict(_("贵公司已报名本场拍卖。"), code="already_registered")
    check_eligible(
        company,
        market_id=auction.market_id,
        verified_only=auction.verified_only,
        min_grade=auction.min_grade,
        regions=auction.regions,
    )
    own_sku = None
    if auction.is_procurement:
        if sku in (None, "") and auction.sku_id is not None and auction.sku.seller_id == company.pk:
            own_sku = auction.sku
        else:
            if sku in (None, ""):
                raise invalid(_("请选择贵公司将交付的商品（SKU）。"), "sku_required", "sku")
            own_sku = _by_id(Sku, sku, field="sku", seller=company)
    try:
        with transaction.atomic():
            # The row lock orders registrations (aliases); SQLite has one writer anyway.
            locked = Auction.objects.select_for_update().get(pk=auction.pk)
            if locked.status != A.OPEN or locked.ends_at <= timezone.now():
                raise Conflict(_("拍卖已结束或未开放，不能报名。"), code="auction_closed")
            last = AuctionParticipant.objects.filter(auction=locked).aggregate(n=Max("alias_no"))[
                "n"
            ]
            participant = AuctionParticipant(
                auction=locked,
                company=company,
                registered_by=actor.membership,
                alias_no=(last or 0) + 1,
                sku=own_sku,
                deposit_amount=locked.deposit_amount,
            )
            held = hold_deposit(
                company=company,
                amount=locked.deposit_amount,
                reference=participant.deposit_ref,
                currency=locked.currency,
                created_by=actor.membership,
            )
            participant.deposit_status = D.HELD if held else D.NONE
            participant.save(force_insert=True)
            _audit(
                actor,
                locked,
                action="auction.register",
                alias=participant.alias_no,
                deposit=participant.deposit_amount,
            )
    except IntegrityError:
        raise Conflict(_("贵公司已报名本场拍卖。"), code="already_registered") from None
    return participant


def _refuse(auction: Auction, code: str, least: Decimal | None, *, fresh: bool = False) -> Conflict:
    """The 409 of a refused bid, naming the high as it is now (``fresh``: the caller just
    read the row)."""
    if not fresh:
        auction = Auction.objects.filter(pk=auction.pk).first() or auction
    fresh_row = auction
    high = None if fresh_row.kind == K.SEALED else fresh_row.high_price
    if code == "auction_closed":
        message = _("拍卖已结束，出价未被接受。")
    elif high is not None and least is not None:
        message = _("出价未被接受：当前最高价 %(high)s，可接受的出价为 %(least)s。") % {
            "high": high,
            "least": least,
        }
    elif least is not None:
        message = _("出价未被接受：可接受的出价为 %(least)s。") % {"least": least}
    else:
        message = _("出价未被接受。")
    return Conflict(
        message,
        code=code,
        details={
            "high_price": None if high is None else str(high),
            "least_acceptable": None if least is None else str(least),
        },
    )


def auction_bid(
    *, actor: Actor, auction_id: object, price: object = None, action: str = "bid"
) -> Bid | None:
    """One bid (``action``: bid; buy_now for English; take for Dutch; stay or drop for
    Japanese rounds), accepted or refused atomically against the current high. A drop
    writes no bid (None)."""
    # A registered bidder always sees his auction: one read finds both (the hot path).
    me = sel.participant_for_bid(actor, auction_id)
    auction = me.auction if me is not None else sel.auction_get(actor, auction_id)
    _bidder_check(actor, auction)
    if auction.owner_id == getattr(actor.company, "pk", None):
        raise Conflict(_("不能参加自己发起的拍卖。"), code="own_auction")
    if me is None:
        raise Conflict(_("请先报名（缴纳保证金）再出价。"), code="not_registered")
    now = timezone.now()
    if sel.effective_status(auction, now) != A.OPEN or auction.starts_at > now:
        raise _refuse(auction, "auction_closed", None)
    kind = auction.kind
    if action not in ("bid", "buy_now", "take", "stay", "drop"):
        raise invalid(_("未知的出价方式。"), "invalid_action", "action")
    if kind == K.ENGLISH:
        if action == "buy_now" or (
            auction.buy_now_price is not None
            and price not in (None, "")
            and price_of(price) >= auction.buy_now_price
        ):
            return _buy_now(actor, auction, me, now)
        return _ladder_bid(actor, auction, me, price_of(price), now, up=True)
    if kind == K.REVERSE:
        return _ladder_bid(actor, auction, me, price_of(price), now, up=False)
    if kind == K.DUTCH:
        return _dutch_take(actor, auction, me, now)
    if kind == K.JAPANESE:
        if action == "drop":
            return _japanese_drop(actor, auction, me, now)
        return _japanese_stay(actor, auction, me, now)
    return _sealed_bid(actor, auction, me, price_of(price), now)


def _snipe(auction: Auction, now: datetime) -> Case | F:
    if auction.anti_snipe_minutes == 0 or auction.extend_minutes == 0:
        return F("ends_at")
    return Case(
        When(
            ends_at__lte=now + timedelta(minutes=auction.anti_snipe_minutes),
            then=F("ends_at") + timedelta(minutes=auction.extend_minutes),
        ),
        default=F("ends_at"),
    )


def _insert(
    actor: Actor,
    auction: Auction,
    me: AuctionParticipant,
    price: Decimal,
    kind: str,
    now: datetime,
    sequence: int,
    round_no: int = 0,
) -> Bid:
    """The accepted bid's row, the bidder's best (his latest bid, see the model) and the
    audit row; ``sequence`` is the auction's ``bid_count`` the claim returned."""
    bid = Bid.objects.create(
        auction=auction,
        participant=me,
        placed_by=actor.membership,
        kind=kind,
        price=price,
        sequence=sequence,
        round_no=round_no,
        created_at=now,
    )
    # Bids of one auction commit in sequence order (the claim holds its row), so the
    # guard only matters for a replayed write; it never moves a best backwards.
    AuctionParticipant.objects.filter(
        Q(best_sequence__isnull=True) | Q(best_sequence__lt=sequence), pk=me.pk
    ).update(best_price=price, best_sequence=sequence)
    me.best_price, me.best_sequence = price, sequence
    _audit(
        actor,
        auction,
        action="auction.bid",
        alias=me.alias_no,
        price=price,
        kind=kind,
        sequence=sequence,
    )
    return bid


def _claim(auction: Auction, rows: Any, **values: Any) -> int | None:
    """``rows.update(**values)`` (``rows``: the auction's row under its conditions) as ONE
    ``UPDATE ... RETURNING bid_count, ends_at`` (PostgreSQL; SQLite >= 3.35): the new
    ``bid_count`` (the bid's sequence), or None when the conditions refused it. The SQL is
    Django's own compilation of the same queryset, so the WHERE is the one ``update()``
    would send. The auction in memory gets the new count and close."""
    query = rows.query.chain(UpdateQuery)
    query.add_update_values(values)
    compiler = query.get_compiler(rows.db)
    compiler.pre_sql_setup()
    text, params = compiler.as_sql()
    quote = connections[rows.db].ops.quote_name
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f"{text} RETURNING {quote('bid_count')}, {quote('ends_at')}", params)
        row = cursor.fetchone()
    if row is None:
        return None
    ends_at = row[1] if isinstance(row[1], datetime) else parse_datetime(str(row[1]))
    if ends_at is not None and timezone.is_naive(ends_at):
        ends_at = timezone.make_aware(ends_at, UTC)
    auction.bid_count, auction.ends_at = int(row[0]), ends_at or auction.ends_at
    return auction.bid_count


def _open_rows(auction: Auction, now: datetime) -> Any:
    return Auction.objects.filter(pk=auction.pk, status=A.OPEN, ends_at__gt=now, starts_at__lte=now)


def _ladder_bid(
    actor: Actor,
    auction: Auction,
    me: AuctionParticipant,
    price: Decimal,
    now: datetime,
    *,
    up: bool,
) -> Bid:
    """English (up) or reverse (down): the first bid at least (most) the start price, each
    next one beating the high by the increment; all in the WHERE of one UPDATE."""
    if up:
        beats = Q(high_price__isnull=True, start_price__lte=price) | Q(
            high_price__lte=price - F("min_increment")
        )
    else:
        beats = Q(high_price__isnull=True, start_price__gte=price) | Q(
            high_price__gte=price + F("min_increment")
        )
    if up and auction.buy_now_price is not None:
        beats &= Q(buy_now_price__gt=price)
    with transaction.atomic():
        sequence = _claim(
            auction,
            _open_rows(auction, now).filter(beats),
            high_price=price,
            high_participant=me,
            bid_count=F("bid_count") + 1,
            ends_at=_snipe(auction, now),
        )
        if sequence is None:
            fresh = Auction.objects.get(pk=auction.pk)
            code = (
                "auction_closed"
                if fresh.status != A.OPEN or fresh.ends_at <= now
                else "bid_too_low"
            )
            raise _refuse(fresh, code, sel.least_acceptable(fresh, now), fresh=True)
        auction.high_price, auction.high_participant = price, me
        return _insert(actor, auction, me, price, Bid.Kind.BID, now, sequence)


def _buy_now(actor: Actor, auction: Auction, me: AuctionParticipant, now: datetime) -> Bid:
    price = auction.buy_now_price
    if price is None:
        raise invalid(_("本场拍卖没有一口价。"), "no_buy_now", "action")
    with transaction.atomic():
        sequence = _claim(
            auction,
            _open_rows(auction, now).filter(Q(high_price__isnull=True) | Q(high_price__lt=price)),
            high_price=price,
            high_participant=me,
            bid_count=F("bid_count") + 1,
            ends_at=now,
        )
        if sequence is None:
            raise _refuse(auction, "auction_closed", None)
        auction.high_price, auction.high_participant = price, me
        bid = _insert(actor, auction, me, price, Bid.Kind.BUY_NOW, now, sequence)
    auctions_close_due(now=now, ids=[auction.pk])
    return bid


def _dutch_take(actor: Actor, auction: Auction, me: AuctionParticipant, now: datetime) -> Bid:
    price = sel.clock_price(auction, now)
    assert price is not None
    with transaction.atomic():
        sequence = _claim(
            auction,
            _open_rows(auction, now).filter(high_participant__isnull=True, bid_count=0),
            high_price=price,
            high_participant=me,
            bid_count=1,
            ends_at=now,
        )
        if sequence is None:
            raise _refuse(auction, "auction_closed", None)
        auction.high_price, auction.high_participant = price, me
        bid = _insert(actor, auction, me, price, Bid.Kind.TAKE, now, sequence)
    auctions_close_due(now=now, ids=[auction.pk])
    return bid


def _japanese_stay(actor: Actor, auction: Auction, me: AuctionParticipant, now: datetime) -> Bid:
    round_no = sel.current_round(auction, now)
    price = sel.round_price(auction, round_no)
    if me.dropped_round is not None:
        raise Conflict(_("贵公司已退出本场竞价。"), code="dropped_out")
    stays = Bid.objects.filter(auction=auction, participant=me, kind=Bid.Kind.STAY)
    if stays.filter(round_no=round_no).exists():
        raise Conflict(_("本轮已确认留下。"), code="already_in_round")
    if round_no > 1 and not stays.filter(round_no=round_no - 1).exists():
        raise Conflict(_("上一轮未确认留下，已出局。"), code="dropped_out")
    with transaction.atomic():
        # round_no only moves forward: a late STAY for a round already left is refused.
        sequence = _claim(
            auction,
            _open_rows(auction, now).filter(round_no__lte=round_no),
            round_no=round_no,
            high_price=price,
            high_participant=me,
            bid_count=F("bid_count") + 1,
        )
        if sequence is None:
            raise _refuse(auction, "auction_closed", None)
        auction.round_no, auction.high_price, auction.high_participant = round_no, price, me
        return _insert(actor, auction, me, price, Bid.Kind.STAY, now, sequence, round_no=round_no)


def _japanese_drop(actor: Actor, auction: Auction, me: AuctionParticipant, now: datetime) -> None:
    """Leave the rounds (recorded on the participant; no Bid row is written)."""
    round_no = sel.current_round(auction, now)
    with transaction.atomic():
        done = AuctionParticipant.objects.filter(pk=me.pk, dropped_round__isnull=True).update(
            dropped_round=round_no
        )
        if not done:
            raise Conflict(_("贵公司已退出本场竞价。"), code="dropped_out")
        _audit(actor, auction, action="auction.drop", alias=me.alias_no, round=round_no)
    return None


def _sealed_bid(
    actor: Actor, auction: Auction, me: AuctionParticipant, price: Decimal, now: datetime
) -> Bid:
    """One live sealed bid per bidder, replaced by a later one before the close."""
    if price < auction.start_price:
        raise _refuse(auction, "bid_too_low", auction.start_price)
    with transaction.atomic():
        sequence = _claim(auction, _open_rows(auction, now), bid_count=F("bid_count") + 1)
        if sequence is None:
            raise _refuse(auction, "auction_closed", None)
        Bid.objects.filter(auction=auction, participant=me, superseded=False).update(
            superseded=True
        )
        return _insert(actor, auction, me, price, Bid.Kind.SEALED, now, sequence)
