"""Auctions: the close (the sweep, the winner and his order, the follow-up of an
unpaid order: forfeit, next bidder or relist) and the batched release of the deposits
no one needs."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from mercator.core.actor import SYSTEM, Actor
from mercator.markets.models import Auction, AuctionParticipant, Bid
from mercator.markets.selectors import auctions as sel
from mercator.markets.services.auctions.base import ZERO, A, D, K, _audit
from mercator.markets.services.common import (
    AUCTION_PREFIX,
    new_number,
)
from mercator.payments.selectors.ledger import deposit_held
from mercator.payments.services.deposits import deposit_forfeit, deposit_release
from mercator.trading.models import Order
from mercator.trading.services.market_orders import MarketLine, market_order_place

# ------------------------------------------------------------------ the close


def _winner(auction: Auction, now: datetime) -> tuple[AuctionParticipant | None, Decimal | None]:
    """Who won and at what price, with the reserve checked (None, None: unsold)."""
    kind = auction.kind
    participant_id = price = None
    if kind in (K.ENGLISH, K.REVERSE, K.DUTCH):
        participant_id, price = auction.high_participant_id, auction.high_price
    elif kind == K.SEALED:
        best = sel.ranking(auction)
        if best:
            participant_id, price = best[0][0], best[0][1]
    else:
        outcome = sel.japanese_outcome(auction, now)
        participant_id, price = outcome.winner_id, outcome.price
    if participant_id is None or price is None:
        return None, None
    reserve = auction.reserve_price
    missed = reserve is not None and (
        (auction.is_procurement and price > reserve)
        or (not auction.is_procurement and price < reserve)
    )
    if missed and kind != K.DUTCH:
        return None, None
    return AuctionParticipant.objects.select_related("company").get(pk=participant_id), price


def _release(participant: AuctionParticipant, *, actor: Actor = SYSTEM) -> None:
    if participant.deposit_status != D.HELD:
        return
    deposit_release(
        company=participant.company,
        reference=participant.deposit_ref,
        currency=participant.auction.currency,
        created_by=None,
    )
    AuctionParticipant.objects.filter(pk=participant.pk).update(deposit_status=D.RELEASED)
    participant.deposit_status = D.RELEASED


RELEASE_BATCH = 50


def _unneeded_deposits(auction_ids: list[int] | None = None) -> Any:
    """Held deposits no one can need any more: every one of a sold, unsold or cancelled
    auction; of a closed one awaiting payment, all but the winner's and (``next_bidder``)
    those of the bidders who may still be offered the lot (a live bid)."""
    ranked = Exists(Bid.objects.filter(participant=OuterRef("pk"), superseded=False))
    closed_loser = (
        Q(auction__status=A.CLOSED, auction__winner__isnull=False)
        & ~Q(auction__winner=F("pk"))
        & (Q(auction__on_failure=Auction.OnFailure.RELIST) | Q(~ranked))
    )
    rows = AuctionParticipant.objects.filter(deposit_status=D.HELD).filter(
        Q(auction__status__in=[A.SOLD, A.UNSOLD, A.CANCELLED]) | closed_loser
    )
    return rows if auction_ids is None else rows.filter(auction_id__in=auction_ids)


def _release_unneeded(auction_ids: list[int] | None = None) -> int:
    """Give back the deposits no one needs, ``RELEASE_BATCH`` per short transaction
    (after the close or the settlement has committed): SQLite's one write lock is never
    held for seconds by a lot with a thousand bidders. Each release and its row's status
    commit together, so a worker that dies half-way leaves only deposits still marked
    held, and the next sweep (or a second worker, waiting on the row locks) finishes
    them, each once."""
    released = 0
    while True:
        with transaction.atomic():
            rows = list(
                _unneeded_deposits(auction_ids)
                .select_related("company", "auction")
                .select_for_update(of=("self",))
                .order_by("pk")[:RELEASE_BATCH]
            )
            for participant in rows:
                _release(participant)
        released += len(rows)
        if not rows:
            return released


def _offer(auction: Auction, participant: AuctionParticipant, price: Decimal) -> Order:
    """Place the order of a won lot (the caller holds the auction's row)."""
    if auction.is_procurement:
        seller, buyer, placed_by = participant.company, auction.owner, auction.created_by
        sku = participant.sku or auction.sku
        deposit_ref, deposit = "", ZERO
    else:
        seller, buyer, placed_by = auction.owner, participant.company, participant.registered_by
        sku = auction.sku
        held = deposit_held(reference=participant.deposit_ref, currency=auction.currency)
        deposit_ref, deposit = (participant.deposit_ref, held) if held > 0 else ("", ZERO)
    assert sku is not None
    order = market_order_place(
        actor=SYSTEM,
        source=Order.Source.AUCTION,
        origin=auction.ref,
        seller=seller,
        buyer=buyer,
        placed_by=placed_by,
        lines=[
            MarketLine(
                sku=sku,
                quantity=auction.quantity,
                unit=auction.unit,
                unit_price=price,
                note=auction.number,
            )
        ],
        currency=auction.currency,
        pay_hours=auction.pay_hours,
        deposit_ref=deposit_ref,
        deposit=deposit,
        note=auction.number,
    )
    Auction.objects.filter(pk=auction.pk).update(
        winner=participant,
        winning_price=price,
        order_ref=order.ref,
        offers_made=F("offers_made") + 1,
    )
    auction.refresh_from_db()
    _audit(
        SYSTEM,
        auction,
        action="auction.award",
        alias=participant.alias_no,
        price=price,
        order=order.number,
    )
    return order


def _settle_closed(auction: Auction, now: datetime) -> None:
    """Right after the flip to CLOSED: the winner's order, the deposits no one needs."""
    winner, price = _winner(auction, now)
    if winner is None or price is None:
        Auction.objects.filter(pk=auction.pk).update(status=A.UNSOLD, settled_at=now)
        auction.refresh_from_db()
        _audit(SYSTEM, auction, action="auction.unsold")
        return
    if auction.kind == K.SEALED:
        Auction.objects.filter(pk=auction.pk).update(high_price=price, high_participant=winner)
    # Who may still be offered the lot keeps his deposit; the rest go back after this
    # transaction (``_release_unneeded``, by the sweep).
    order = _offer(auction, winner, price)
    _follow(auction, order, now)


def _follow(auction: Auction, order: Order, now: datetime) -> None:
    """A closed auction's order: paid → SOLD; cancelled unpaid → the failure rule."""
    if order.is_paid:
        Auction.objects.filter(pk=auction.pk, status=A.CLOSED).update(status=A.SOLD, settled_at=now)
        auction.refresh_from_db()
        if auction.winner_id is not None and not auction.is_procurement:
            winner = AuctionParticipant.objects.select_related("company").get(pk=auction.winner_id)
            if winner.deposit_status == D.HELD:
                # Trading moved the deposit into escrow on payment; any excess goes back.
                deposit_release(
                    company=winner.company, reference=winner.deposit_ref, currency=auction.currency
                )
                AuctionParticipant.objects.filter(pk=winner.pk).update(deposit_status=D.APPLIED)
        _audit(SYSTEM, auction, action="auction.sold", order=order.number)
        return
    if order.effective_status() != Order.Status.CANCELLED:
        return
    winner = AuctionParticipant.objects.select_related("company", "auction").get(
        pk=auction.winner_id
    )
    if auction.is_procurement:
        # The owner (the buyer) did not pay: nothing of the seller's is forfeited.
        Auction.objects.filter(pk=auction.pk).update(status=A.UNSOLD, settled_at=now)
        auction.refresh_from_db()
        _audit(SYSTEM, auction, action="auction.unpaid", order=order.number)
        return
    if winner.deposit_status == D.HELD:
        deposit_forfeit(reference=winner.deposit_ref, to=auction.owner, currency=auction.currency)
    AuctionParticipant.objects.filter(pk=winner.pk).update(
        defaulted=True,
        deposit_status=(D.FORFEITED if winner.deposit_status == D.HELD else winner.deposit_status),
    )
    _audit(SYSTEM, auction, action="auction.default", alias=winner.alias_no, order=order.number)
    if auction.on_failure == Auction.OnFailure.NEXT_BIDDER:
        defaulted = set(
            AuctionParticipant.objects.filter(auction=auction, defaulted=True).values_list(
                "pk", flat=True
            )
        )
        for pid, best, _seq in sel.ranking(auction):
            if pid in defaulted:
                continue
            nxt = AuctionParticipant.objects.select_related("company", "auction").get(pk=pid)
            if nxt.deposit_status not in (D.HELD, D.NONE):
                continue
            reserve = auction.reserve_price
            if reserve is not None and auction.kind != K.DUTCH and best < reserve:
                break
            new_order = _offer(auction, nxt, best)
            _follow(auction, new_order, now)
            return
        Auction.objects.filter(pk=auction.pk).update(status=A.UNSOLD, settled_at=now)
        auction.refresh_from_db()
        _audit(SYSTEM, auction, action="auction.unsold")
        return
    _relist(auction, now)


def _relist(auction: Auction, now: datetime) -> Auction:
    length = (auction.original_ends_at or auction.ends_at) - auction.starts_at
    copy = Auction(
        number=new_number(Auction, AUCTION_PREFIX),
        **{
            f.name: getattr(auction, f.name)
            for f in Auction._meta.concrete_fields
            if f.name
            in [
                "kind",
                "owner",
                "created_by",
                "market",
                "sku",
                "category",
                "title",
                "description",
                "quantity",
                "unit",
                "quality_grade",
                "province",
                "location",
                "pickup_terms",
                "currency",
                "start_price",
                "reserve_price",
                "min_increment",
                "buy_now_price",
                "step_minutes",
                "anti_snipe_minutes",
                "extend_minutes",
                "deposit_amount",
                "verified_only",
                "min_grade",
                "regions",
                "pay_hours",
                "on_failure",
                "proposal",
            ]
        },
        status=A.OPEN,
        starts_at=now,
        ends_at=now + max(length, timedelta(hours=1)),
        published_at=now,
        created_at=now,
    )
    copy.original_ends_at = copy.ends_at
    copy.save(force_insert=True)
    Auction.objects.filter(pk=auction.pk).update(status=A.UNSOLD, settled_at=now, relisted_as=copy)
    auction.refresh_from_db()
    _audit(SYSTEM, auction, action="auction.relist", relisted_as=copy.number)
    return copy


def auctions_close_due(*, now: datetime | None = None, ids: list[int] | None = None) -> int:
    """The sweep (every minute, and ``mercator manage auctions_close``): close each open
    auction past its end (Japanese: also once its rounds are decided) exactly once, then
    follow each closed auction's order. Returns how many auctions changed."""
    now = now or timezone.now()
    changed = 0
    due = Auction.objects.filter(status=A.OPEN, starts_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    candidates = list(due.filter(ends_at__lte=now).values_list("pk", flat=True))
    for auction in due.filter(kind=K.JAPANESE, ends_at__gt=now):
        if sel.japanese_outcome(auction, now).finished:
            candidates.append(auction.pk)
    for pk in candidates:
        with transaction.atomic():
            flipped = (
                Auction.objects.filter(pk=pk, status=A.OPEN)
                .filter(Q(ends_at__lte=now) | Q(kind=K.JAPANESE))
                .update(status=A.CLOSED, closed_at=now)
            )
            if not flipped:
                continue  # another worker closed it (or a bid extended it)
            auction = Auction.objects.select_related("owner", "sku__product", "created_by").get(
                pk=pk
            )
            _audit(SYSTEM, auction, action="auction.close", bids=auction.bid_count)
            _settle_closed(auction, now)
            changed += 1
    following = Auction.objects.filter(status=A.CLOSED).exclude(order_ref="")
    if ids is not None:
        following = following.filter(pk__in=ids)
    for pk, order_ref in following.values_list("pk", "order_ref"):
        with transaction.atomic():
            auction = (
                Auction.objects.select_for_update()
                .filter(pk=pk, status=A.CLOSED, order_ref=order_ref)
                .first()
            )
            if auction is None:
                continue
            order = Order.objects.filter(public_id=order_ref.removeprefix("order:")).first()
            if order is None:
                continue
            before = (auction.status, auction.order_ref)
            _follow(auction, order, now)
            auction.refresh_from_db()
            if (auction.status, auction.order_ref) != before:
                changed += 1
    # Outside the transactions above, in short ones; also finishes a pass a dead worker
    # left half-done.
    _release_unneeded(ids)
    return changed
