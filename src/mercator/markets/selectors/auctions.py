"""Reads of auctions (拍卖), scoped to who asks, and the live state one bidder may see.

Who sees an auction: its owner's members and operators always; everyone signed in once
it is published (open, closed, sold, unsold); a registered bidder always. A draft, or a
cancelled auction of another company, is a 404 to the others.

What a bidder sees of the others: aliases (竞买人N), prices (not before the close on a
sealed auction), his own rank; never another bidder's company. The owner sees aliases
until the close, then the winner's company. Reads treat a passed ``ends_at`` as closed
even before the sweep has run."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.actor import Actor
from mercator.core.errors import NotAuthenticated, NotFound
from mercator.core.ids import parse_public_id
from mercator.markets.models import Auction, AuctionParticipant, Bid

A = Auction.Status
K = Auction.Kind
PUBLIC_STATUSES = (A.OPEN, A.CLOSED, A.SOLD, A.UNSOLD)
SETTLED = (A.CLOSED, A.SOLD, A.UNSOLD)


def _base() -> QuerySet[Auction]:
    return Auction.objects.select_related(
        "market", "sku__product", "category", "owner", "high_participant"
    )


def auctions_visible_to(actor: Actor) -> QuerySet[Auction]:
    """Every auction the actor may open."""
    if not actor.is_authenticated:
        return Auction.objects.none()
    if actor.is_operator:
        return _base()
    if actor.company is None:
        return _base().filter(status__in=PUBLIC_STATUSES, published_at__isnull=False)
    mine = AuctionParticipant.objects.filter(auction=OuterRef("pk"), company=actor.company)
    return _base().filter(
        Q(owner=actor.company)
        | Q(status__in=PUBLIC_STATUSES, published_at__isnull=False)
        | Q(Exists(mine))
    )


def auction_get(actor: Actor, public_id: object) -> Auction:
    if not actor.is_authenticated:
        raise NotAuthenticated()
    key = parse_public_id(public_id)
    found = auctions_visible_to(actor).filter(public_id=key).first() if key else None
    if found is None:
        raise NotFound()
    return found


def auctions_hall(
    actor: Actor, *, market: str = "", kind: str = "", status: str = ""
) -> QuerySet[Auction]:
    """The 拍卖大厅: published auctions (open by default), soonest close first."""
    rows = auctions_visible_to(actor).filter(published_at__isnull=False)
    if status in A.values and status != A.OPEN:
        rows = rows.filter(status=status)
    else:  # open, and not past its close (before the sweep writes it down)
        rows = rows.filter(status=A.OPEN, ends_at__gt=timezone.now())
    if market:
        rows = rows.filter(market__code=market)
    if kind in K.values:
        rows = rows.filter(kind=kind)
    return rows.order_by("ends_at", "pk")


def auctions_owned(actor: Actor) -> QuerySet[Auction]:
    """The acting company's own auctions (as seller or procuring buyer), newest first."""
    if not actor.is_authenticated or actor.company is None:
        return Auction.objects.none()
    return _base().filter(owner=actor.company).order_by("-created_at", "-pk")


def auctions_bidding(actor: Actor) -> QuerySet[Auction]:
    """The auctions the acting company registered for, newest first."""
    if not actor.is_authenticated or actor.company is None:
        return Auction.objects.none()
    return (
        _base()
        .filter(participants__company=actor.company)
        .distinct()
        .order_by("-created_at", "-pk")
    )


def auctions_for_operator(actor: Actor, *, status: str = "") -> QuerySet[Auction]:
    """Every auction (operators only; the others get 404)."""
    if not actor.is_authenticated or not actor.is_operator:
        raise NotFound()
    rows = _base().order_by("-created_at", "-pk")
    return rows.filter(status=status) if status in A.values else rows


# ------------------------------------------------------------------ the clock


def effective_status(auction: Auction, now: datetime | None = None) -> str:
    """An open auction past its close reads as closed before the sweep runs."""
    now = now or timezone.now()
    if auction.status == A.OPEN and (
        auction.ends_at <= now or japanese_outcome(auction, now).finished
    ):
        return A.CLOSED
    return auction.status


def effective_status_label(auction: Auction) -> str:
    return str(A(effective_status(auction)).label)


def steps_elapsed(auction: Auction, now: datetime) -> int:
    """Whole ``step_minutes`` since the start (Dutch clock steps, Japanese rounds − 1)."""
    if now <= auction.starts_at:
        return 0
    return int((now - auction.starts_at) // timedelta(minutes=max(auction.step_minutes, 1)))


def dutch_floor(auction: Auction) -> Decimal:
    return auction.reserve_price or auction.min_increment or Decimal("0.0001")


def clock_price(auction: Auction, now: datetime | None = None) -> Decimal | None:
    """Dutch: start − steps × drop, never below the floor; Japanese: this round's price."""
    now = now or timezone.now()
    if auction.kind == K.DUTCH:
        price = auction.start_price - steps_elapsed(auction, now) * auction.min_increment
        return max(price, dutch_floor(auction))
    if auction.kind == K.JAPANESE:
        return round_price(auction, current_round(auction, now))
    return None


def current_round(auction: Auction, now: datetime) -> int:
    return steps_elapsed(auction, now) + 1


def round_price(auction: Auction, round_no: int) -> Decimal:
    return auction.start_price - (round_no - 1) * auction.min_increment


def round_ends_at(auction: Auction, round_no: int) -> datetime:
    return auction.starts_at + timedelta(minutes=auction.step_minutes * round_no)


@dataclass
class JapaneseOutcome:
    finished: bool = False
    winner_id: int | None = None  # participant pk
    price: Decimal | None = None
    round_no: int = 0
    stayers: dict[int, list[int]] = field(default_factory=dict)  # round → participant pks


def japanese_outcome(auction: Auction, now: datetime) -> JapaneseOutcome:
    """Japanese rounds: to stay in round r a bidder places a STAY for it (having stayed in
    r − 1). When a finished round had at most one stayer it is over: one stayer wins at
    that round's price; none: the earliest stayer of the round before wins at its price
    (none in round 1: unsold). Past ``ends_at`` the last round with stayers decides."""
    if auction.kind != K.JAPANESE or auction.status not in (A.OPEN, A.CLOSED):
        return JapaneseOutcome()
    stays: dict[int, list[int]] = {}
    for round_no, participant_id in (
        Bid.objects.filter(auction=auction, kind=Bid.Kind.STAY)
        .order_by("round_no", "sequence")
        .values_list("round_no", "participant_id")
    ):
        stays.setdefault(round_no, []).append(participant_id)
    out = JapaneseOutcome(stayers=stays)
    expired = auction.ends_at <= now
    # Rounds over by now; past the close, every round up to the one the close fell in.
    last_done = current_round(auction, auction.ends_at) if expired else steps_elapsed(auction, now)
    for round_no in range(1, last_done + 1):
        here = stays.get(round_no, [])
        if len(here) <= 1:
            out.finished, out.round_no = True, round_no
            if here:
                out.winner_id, out.price = here[0], round_price(auction, round_no)
            elif round_no > 1:
                out.winner_id = stays[round_no - 1][0]
                out.price = round_price(auction, round_no - 1)
            return out
    if expired:
        # Time ran out with several still in: the earliest stayer of the last round.
        out.finished = True
        if stays:
            last = max(stays)
            out.round_no, out.winner_id = last, stays[last][0]
            out.price = round_price(auction, last)
    return out


def least_acceptable(auction: Auction, now: datetime | None = None) -> Decimal | None:
    """The least (forward) or greatest (reverse) price a new bid may name right now."""
    if auction.kind == K.ENGLISH or auction.kind == K.SEALED:
        if auction.kind == K.SEALED or auction.high_price is None:
            return auction.start_price
        return auction.high_price + auction.min_increment
    if auction.kind == K.REVERSE:
        if auction.high_price is None:
            return auction.start_price
        return auction.high_price - auction.min_increment
    return clock_price(auction, now)


# ------------------------------------------------------------------ who is who


def participant_of(actor: Actor, auction: Auction) -> AuctionParticipant | None:
    if actor.company is None:
        return None
    # By pk: the model's ordering would join the auction for nothing.
    return (
        AuctionParticipant.objects.filter(auction=auction, company=actor.company)
        .order_by("pk")
        .first()
    )


def participant_for_bid(
    actor: Actor, public_id: object, *, with_high: bool = False
) -> AuctionParticipant | None:
    """The actor's company's registration for the auction, with the auction, in one read
    (a registered bidder always sees his auction); None: not registered, or no such
    auction (the caller then asks ``auction_get`` for the 404)."""
    key = parse_public_id(public_id)
    if not actor.is_authenticated or actor.company is None or key is None:
        return None
    # The high bidder's alias only for the live state (a bid's answer names its bidder).
    related = "auction__high_participant" if with_high else "auction"
    return (
        AuctionParticipant.objects.select_related(related)
        .filter(auction__public_id=key, company=actor.company)
        .order_by("pk")
        .first()
    )


def auction_live_get(actor: Actor, public_id: object) -> tuple[Auction, AuctionParticipant | None]:
    """The auction and the actor's registration for the live box and ``GET /live``
    (polled every 2 s by every open page): a registered bidder's in one read, without
    the visibility query and its joins; anyone else through ``auction_get`` (404)."""
    me = participant_for_bid(actor, public_id, with_high=True)
    if me is not None:
        return me.auction, me
    auction = auction_get(actor, public_id)
    # Not registered (the read above found no row of his company): no second look.
    return auction, None


def alias(alias_no: int) -> str:
    return _("竞买人%(n)d") % {"n": alias_no}


def _best_by_participant(auction: Auction) -> list[tuple[int, Decimal, int]]:
    """(participant pk, best price, sequence of that best) of each bidder, best first."""
    live = Bid.objects.filter(auction=auction, superseded=False)
    agg = Min("price") if auction.is_procurement else Max("price")
    bests = dict(
        live.values("participant_id").annotate(best=agg).values_list("participant_id", "best")
    )
    firsts: dict[int, int] = {}
    for pid, price, seq in live.values_list("participant_id", "price", "sequence"):
        if price == bests.get(pid) and (pid not in firsts or seq < firsts[pid]):
            firsts[pid] = seq
    rows = [(pid, best, firsts[pid]) for pid, best in bests.items()]
    sign = 1 if auction.is_procurement else -1
    rows.sort(key=lambda r: (sign * r[1], r[2]))
    return rows


def ranking(auction: Auction) -> list[tuple[int, Decimal, int]]:
    return _best_by_participant(auction)


def rank_of(auction: Auction, participant: AuctionParticipant | None) -> int | None:
    """1 = the best bid. None: no bid yet, or a sealed auction before its close.

    1 + the bidders whose best beats his (a better price, or the same one bid earlier):
    one COUNT over the participants' ``best_price`` index (at most one statement, none
    for the high bidder of a ladder auction), whatever the number of bids."""
    if participant is None or auction.kind in (K.DUTCH, K.JAPANESE):
        return None
    if auction.kind == K.SEALED and effective_status(auction) == A.OPEN:
        return None
    mine, sequence = participant.best_price, participant.best_sequence
    if mine is None or sequence is None:
        return None
    if auction.kind in (K.ENGLISH, K.REVERSE) and auction.high_participant_id == participant.pk:
        return 1  # every accepted ladder bid beats the high: the high bidder leads
    beats = Q(best_price__lt=mine) if auction.is_procurement else Q(best_price__gt=mine)
    ahead = (
        AuctionParticipant.objects.filter(auction_id=auction.pk)
        .filter(beats | Q(best_price=mine, best_sequence__lt=sequence))
        .count()
    )
    return ahead + 1


def sees_winner_company(actor: Actor, auction: Auction) -> bool:
    """The owner (and operators) learn the winner's company once the auction is closed."""
    return effective_status(auction) in SETTLED and (
        actor.is_operator or (actor.company is not None and auction.owner_id == actor.company.pk)
    )


def is_owner(actor: Actor, auction: Auction) -> bool:
    return actor.company is not None and auction.owner_id == actor.company.pk


def winner_name(actor: Actor, auction: Auction) -> str | None:
    """The winner as this actor may know him: his company (owner after the close, or the
    winner himself), else his alias; None before the close or without a winner."""
    if auction.winner_id is None:
        return None
    winner = auction.winner
    if sees_winner_company(actor, auction) or (
        actor.company is not None and winner.company_id == actor.company.pk
    ):
        return winner.company.short_name or winner.company.legal_name
    return alias(winner.alias_no)


# A caller that has not read the actor's participant (None is an answer: not registered).
UNKNOWN: Any = object()


def bids_view(
    actor: Actor, auction: Auction, limit: int = 50, *, me: Any = UNKNOWN
) -> list[dict[str, Any]]:
    """The bid history by alias (newest first). Sealed before the close: only his own.
    ``me``: the actor's participant (or None) when the caller already has it."""
    if me is UNKNOWN:
        me = participant_of(actor, auction)
    rows = Bid.objects.filter(auction=auction).select_related("participant")
    sealed_open = auction.kind == K.SEALED and effective_status(auction) == A.OPEN
    if sealed_open:
        rows = rows.filter(participant=me) if me is not None else rows.none()
    return [
        {
            "id": bid.public_id,
            "alias": alias(bid.participant.alias_no),
            "mine": me is not None and bid.participant_id == me.pk,
            "kind": bid.kind,
            "price": bid.price,
            "sequence": bid.sequence,
            "round": bid.round_no,
            "superseded": bid.superseded,
            "at": bid.created_at,
        }
        for bid in rows.order_by("-sequence")[:limit]
    ]


@dataclass
class Live:
    """What the bid box and the API's live state show one actor."""

    auction: Auction
    status: str
    high_price: Decimal | None
    high_alias: str | None
    high_is_me: bool
    my_alias: str | None
    my_rank: int | None
    least: Decimal | None
    ends_at: datetime
    clock_price: Decimal | None
    round_no: int | None
    in_round: bool | None
    bid_count: int
    server_time: datetime
    seconds_left: int
    registered: bool
    my_best: Decimal | None = None
    winner: str | None = None
    winning_price: Decimal | None = None

    @property
    def status_label(self) -> str:
        return str(A(self.status).label)

    @property
    def countdown(self) -> str:
        """The time left as "2 天 03:04:05" (or "03:04:05")."""
        days, rest = divmod(self.seconds_left, 86400)
        hours, rest = divmod(rest, 3600)
        clock = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
        return (_("%(days)d 天 ") % {"days": days} + clock) if days else clock


def live_state(actor: Actor, auction: Auction, *, me: Any = UNKNOWN) -> Live:
    """``me``: the actor's participant (or None) when the caller already has it (a bid's
    answer), so the answer costs no re-read; his best is on his row (no bid is read)."""
    now = timezone.now()
    status = effective_status(auction, now)
    if me is UNKNOWN:
        me = participant_of(actor, auction)
    sealed_open = auction.kind == K.SEALED and status == A.OPEN
    high_price = None if sealed_open else auction.high_price
    high_alias = None
    if not sealed_open and auction.high_participant_id is not None:
        if me is not None and auction.high_participant_id == me.pk:
            high_alias = alias(me.alias_no)
        else:
            high_alias = alias(auction.high_participant.alias_no)
    round_no = in_round = None
    if auction.kind == K.JAPANESE and status == A.OPEN:
        round_no = current_round(auction, now)
        if me is not None:
            in_round = Bid.objects.filter(
                auction=auction, participant=me, kind=Bid.Kind.STAY, round_no=round_no
            ).exists()
    my_best = me.best_price if me is not None else None
    return Live(
        auction=auction,
        status=status,
        high_price=high_price,
        high_alias=high_alias,
        high_is_me=me is not None and auction.high_participant_id == me.pk and not sealed_open,
        my_alias=alias(me.alias_no) if me is not None else None,
        my_rank=rank_of(auction, me),
        least=least_acceptable(auction, now) if status == A.OPEN else None,
        ends_at=auction.ends_at,
        clock_price=clock_price(auction, now) if status == A.OPEN else None,
        round_no=round_no,
        in_round=in_round,
        bid_count=auction.bid_count,
        server_time=now,
        seconds_left=max(0, int((auction.ends_at - now).total_seconds())),
        registered=me is not None,
        my_best=my_best,
        winner=winner_name(actor, auction) if status in SETTLED else None,
        winning_price=auction.winning_price if status in SETTLED else None,
    )


def auction_participants(auction: Auction) -> QuerySet[AuctionParticipant]:
    """Participants of an auction the caller already got from ``auction_get``."""
    return AuctionParticipant.objects.filter(auction=auction).order_by("alias_no")
