"""Auctions (拍卖): drafts, publication, registration with a deposit, bids, the close.

A bid is accepted by ONE conditional ``UPDATE`` of the auction row (status open, before
the close, the price beating the high by the increment) that also bumps ``bid_count``,
sets the high and, in the last ``anti_snipe_minutes``, pushes ``ends_at`` back by
``extend_minutes``; the ``Bid`` row then takes ``sequence`` = the new ``bid_count``. Two
bids can never both beat one high, on SQLite (one writer) as on PostgreSQL (row lock of
the UPDATE).

The close (``auctions_close_due``) flips ``open → closed`` by a conditional UPDATE, so a
second worker finds nothing to do; the winner gets a prepaid order from
``market_order_place`` with his deposit counting toward it. A later pass of the same
sweep follows that order: paid → SOLD (the other deposits go back); cancelled unpaid →
the winner's deposit is forfeited to the owner and the lot goes to the next bidder or is
relisted (``on_failure``). Deposits of bidders who might still be offered the lot stay
held until then."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connections, transaction
from django.db.models import Case, Exists, F, Max, OuterRef, Q, When
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from mercator.catalog.models import Category, Sku
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.actor import SYSTEM, Actor
from mercator.core.errors import Conflict, NotFound, PermissionDenied, not_allowed
from mercator.core.ids import parse_public_id
from mercator.core.money import amount_of
from mercator.core.services import audit_record
from mercator.markets.models import Auction, AuctionParticipant, Bid, DepositStatus, Proposal
from mercator.markets.selectors import auctions as sel
from mercator.markets.services.common import (
    AUCTION_PREFIX,
    check_eligible,
    hold_deposit,
    invalid,
    new_number,
    price_of,
    provinces_of,
    quantity_of,
    require_buyer,
    require_seller,
    text_of,
    unit_of,
)
from mercator.membership.models import Grade
from mercator.payments.selectors.ledger import deposit_held
from mercator.payments.services.deposits import deposit_forfeit, deposit_release
from mercator.trading.models import Order
from mercator.trading.services.market_orders import MarketLine, market_order_place

A = Auction.Status
K = Auction.Kind
D = DepositStatus
MAX_DAYS = 60
ZERO = Decimal("0")

# ------------------------------------------------------------------ who may do what


def _owner_check(actor: Actor, kind: str) -> Company:
    """The owner's side: a seller sells a lot, a buyer procures one."""
    return require_buyer(actor) if kind in Auction.PROCUREMENT else require_seller(actor)


def _bidder_check(actor: Actor, auction: Auction) -> Company:
    return require_seller(actor) if auction.is_procurement else require_buyer(actor)


def _manages(actor: Actor, auction: Auction) -> bool:
    if actor.is_operator:
        return True
    if actor.company is None or auction.owner_id != actor.company.pk:
        return False
    need = "orders.place" if auction.is_procurement else "orders.fulfil"
    return actor.can(need)


def can_create(actor: Actor) -> bool:
    """A verified company's member who may sell or buy drafts an auction (the kind then
    decides which of the two he needs)."""
    company = actor.company
    return (
        company is not None
        and company.is_verified
        and (actor.can("orders.fulfil") or actor.can("orders.place"))
    )


def can_update(actor: Actor, auction: Auction) -> bool:
    return auction.status == A.DRAFT and _manages(actor, auction)


def can_publish(actor: Actor, auction: Auction) -> bool:
    return auction.status == A.DRAFT and _manages(actor, auction)


def can_cancel(actor: Actor, auction: Auction) -> bool:
    if not _manages(actor, auction):
        return False
    if auction.status == A.DRAFT:
        return True
    return sel.effective_status(auction) == A.OPEN and auction.bid_count == 0


def can_register(actor: Actor, auction: Auction) -> bool:
    return (
        actor.company is not None
        and auction.owner_id != actor.company.pk
        and sel.effective_status(auction) == A.OPEN
        and actor.can("orders.fulfil" if auction.is_procurement else "orders.place")
        and sel.participant_of(actor, auction) is None
    )


def can_bid(actor: Actor, auction: Auction, *, registered: bool | None = None) -> bool:
    """``registered``: whether the actor's company is a participant, when the caller
    already read it (the live box)."""
    if not (
        sel.effective_status(auction) == A.OPEN
        and auction.starts_at <= timezone.now()
        and actor.can("orders.fulfil" if auction.is_procurement else "orders.place")
    ):
        return False
    if registered is None:
        registered = sel.participant_of(actor, auction) is not None
    return registered


# ------------------------------------------------------------------ parsing a draft


def _int_of(value: object, *, field: str, low: int, high: int) -> int:
    try:
        if isinstance(value, (bool, float)):
            raise ValueError
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise invalid(_("必须是整数。"), f"invalid_{field}", field) from None
    if not low <= number <= high:
        raise invalid(
            _("必须在 %(low)d 到 %(high)d 之间。") % {"low": low, "high": high},
            f"invalid_{field}",
            field,
        )
    return number


def _bool_of(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "on", "yes")


def _moment_of(value: object, *, field: str) -> datetime:
    if isinstance(value, datetime):
        moment: datetime | None = value
    else:
        try:
            moment = parse_datetime(str(value or "").strip())
        except ValueError:
            moment = None
    if moment is None:
        raise invalid(_("请填写日期和时间。"), f"{field}_required", field)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _optional_price(data: Mapping[str, Any], key: str) -> Decimal | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    return price_of(value, field=key)


def _by_id(model: Any, value: object, *, field: str, **scope: Any) -> Any:
    key = parse_public_id(value)
    found = model.objects.filter(public_id=key, **scope).first() if key else None
    if found is None:
        raise invalid(_("找不到所选的对象。"), f"unknown_{field}", field)
    return found


def _terms(data: Mapping[str, Any], owner: Company, *, now: datetime) -> dict[str, Any]:
    """Every field of a draft from ``data`` (422 with code and field on the first fault)."""
    kind = str(data.get("kind") or "")
    if kind not in K.values:
        raise invalid(_("未知的拍卖方式。"), "invalid_kind", "kind", allowed=list(K.values))
    procurement = kind in Auction.PROCUREMENT
    sku = category = None
    if data.get("sku") not in (None, ""):
        sku = _by_id(Sku, data.get("sku"), field="sku", seller=owner)
        sku = Sku.objects.select_related("product__category__market").get(pk=sku.pk)
        market = sku.product.category.market
        category = sku.product.category
    elif not procurement:
        raise invalid(_("请选择要拍卖的商品（SKU）。"), "sku_required", "sku")
    else:
        category = _by_id(Category, data.get("category"), field="category")
        market = category.market
    if market is None:
        raise invalid(_("该品类不属于任何市场。"), "unknown_category", "category")
    terms: dict[str, Any] = {
        "kind": kind,
        "sku": sku,
        "category": category,
        "market": market,
        "title": text_of(data.get("title"), field="title", required=True, limit=120),
        "description": text_of(
            data.get("description"), field="description", required=False, limit=4000
        ),
        "quantity": quantity_of(data.get("quantity")),
        "unit": unit_of(data.get("unit") or (sku.unit if sku else "")),
        "quality_grade": text_of(
            data.get("quality_grade"), field="quality_grade", required=False, limit=60
        ),
        "province": "",
        "location": text_of(data.get("location"), field="location", required=False, limit=120),
        "pickup_terms": text_of(
            data.get("pickup_terms"), field="pickup_terms", required=False, limit=500
        ),
    }
    if data.get("province"):
        terms["province"] = provinces_of([data.get("province")], field="province")[0]
    currency = str(data.get("currency") or "CNY")
    if currency != "CNY":
        raise invalid(_("目前只支持人民币。"), "invalid_currency", "currency")
    terms["currency"] = currency
    start = price_of(data.get("start_price"), field="start_price")
    reserve = _optional_price(data, "reserve_price")
    buy_now = _optional_price(data, "buy_now_price")
    increment_raw = data.get("min_increment")
    increment = (
        ZERO if increment_raw in (None, "") else price_of(increment_raw, field="min_increment")
    )
    if kind != K.SEALED and increment <= 0:
        raise invalid(_("请填写加价（降价）幅度。"), "min_increment_required", "min_increment")
    if kind == K.DUTCH and (reserve is None or reserve >= start):
        raise invalid(
            _("荷式拍卖需要低于起拍价的底价（保留价）。"), "invalid_reserve", "reserve_price"
        )
    if procurement and reserve is not None and reserve > start:
        raise invalid(
            _("采购的保留价（最高可接受价）不能高于起始价。"), "invalid_reserve", "reserve_price"
        )
    if buy_now is not None:
        if kind != K.ENGLISH:
            raise invalid(_("只有英式拍卖可以设一口价。"), "buy_now_not_allowed", "buy_now_price")
        if buy_now <= start or (reserve is not None and buy_now < reserve):
            raise invalid(_("一口价必须高于起拍价和保留价。"), "invalid_buy_now", "buy_now_price")
    deposit_raw = data.get("deposit_amount")
    deposit = (
        ZERO
        if deposit_raw in (None, "")
        else amount_of(deposit_raw, field="deposit_amount", currency=currency, allow_zero=True)
    )
    step = _int_of(data.get("step_minutes", 5), field="step_minutes", low=1, high=1440)
    starts_at = (
        now
        if data.get("starts_at") in (None, "")
        else _moment_of(data.get("starts_at"), field="starts_at")
    )
    ends_at = _moment_of(data.get("ends_at"), field="ends_at")
    if ends_at <= max(starts_at, now):
        raise invalid(_("结束时间必须晚于开始时间和现在。"), "ends_at_in_past", "ends_at")
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise invalid(_("拍卖最长 %(days)d 天。") % {"days": MAX_DAYS}, "too_long", "ends_at")
    if kind == K.JAPANESE:
        rounds = -(-(ends_at - starts_at) // timedelta(minutes=step))
        if start - (rounds - 1) * increment <= 0:
            raise invalid(
                _("轮次太多：最后一轮的价格会降到 0 以下。"), "too_many_rounds", "min_increment"
            )
    grade = None
    if data.get("min_grade") not in (None, ""):
        grade = _by_id(Grade, data.get("min_grade"), field="min_grade", market=market)
    regions = data.get("regions") or []
    if isinstance(regions, str):
        regions = [r for r in regions.replace("，", ",").split(",") if r.strip()]
    on_failure = str(data.get("on_failure") or Auction.OnFailure.NEXT_BIDDER)
    if on_failure not in Auction.OnFailure.values:
        raise invalid(_("未知的未付款处理方式。"), "invalid_on_failure", "on_failure")
    terms.update(
        start_price=start,
        reserve_price=reserve,
        min_increment=increment,
        buy_now_price=buy_now,
        step_minutes=step,
        anti_snipe_minutes=_int_of(
            data.get("anti_snipe_minutes", 5), field="anti_snipe_minutes", low=0, high=120
        ),
        extend_minutes=_int_of(
            data.get("extend_minutes", 5), field="extend_minutes", low=0, high=120
        ),
        deposit_amount=deposit,
        verified_only=_bool_of(data.get("verified_only", True)),
        min_grade=grade,
        regions=provinces_of(regions if isinstance(regions, list) else [regions]),
        starts_at=starts_at,
        ends_at=ends_at,
        original_ends_at=ends_at,
        pay_hours=_int_of(data.get("pay_hours", 72), field="pay_hours", low=1, high=720),
        on_failure=on_failure,
    )
    return terms


def _owner_for(actor: Actor, data: Mapping[str, Any], kind: str) -> tuple[Company, Membership]:
    if actor.is_operator and data.get("owner"):
        owner = _by_id(Company, data.get("owner"), field="owner")
        if not owner.is_verified:
            raise invalid(_("只能为已认证企业创建拍卖。"), "owner_not_verified", "owner")
        member = Membership.objects.filter(company=owner, role=Role.MASTER).order_by("pk").first()
        if member is None:
            raise invalid(_("该企业没有主账号。"), "owner_without_master", "owner")
        return owner, member
    owner = _owner_check(actor, kind)
    return owner, actor.membership


def _audit(actor: Actor, auction: Auction, *, action: str, **changes: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=auction.ref,
        changes={"number": auction.number, **{k: str(v) for k, v in changes.items()}},
    )


# ------------------------------------------------------------------ drafts


def auction_create(
    *, actor: Actor, data: Mapping[str, Any], proposal: Proposal | None = None
) -> Auction:
    """A DRAFT auction of the actor's company (or, for an operator naming
    ``data["owner"]``, of that seller)."""
    if not actor.is_authenticated:
        raise PermissionDenied()
    kind = str(data.get("kind") or "")
    if kind in K.values and not (actor.is_operator and data.get("owner")):
        _owner_check(actor, kind)
    owner, member = _owner_for(actor, data, kind)
    terms = _terms(data, owner, now=timezone.now())
    with transaction.atomic():
        auction = Auction(
            number=new_number(Auction, AUCTION_PREFIX),
            owner=owner,
            created_by=member,
            proposal=proposal,
            **terms,
        )
        auction.full_clean(exclude=["number", "owner", "created_by", "market", "sku", "category"])
        auction.save(force_insert=True)
        _audit(actor, auction, action="auction.create", kind=auction.kind, owner=owner.public_id)
    return auction


def _managed(actor: Actor, auction_id: object) -> Auction:
    auction = sel.auction_get(actor, auction_id)
    if not _manages(actor, auction):
        if actor.company is not None and auction.owner_id == actor.company.pk:
            raise PermissionDenied()
        raise NotFound()
    return auction


def auction_update(*, actor: Actor, auction_id: object, data: Mapping[str, Any]) -> Auction:
    """Change a draft (the same fields as ``auction_create``; missing ones stay)."""
    auction = _managed(actor, auction_id)
    if not can_update(actor, auction):
        raise not_allowed(auction.get_status_display(), _("修改"), auction.status)
    current = {
        "kind": auction.kind,
        "sku": auction.sku.public_id if auction.sku_id else "",
        "category": auction.category.public_id if auction.category_id else "",
        "min_grade": auction.min_grade.public_id if auction.min_grade_id else "",
    }
    for name in [
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
        "regions",
        "starts_at",
        "ends_at",
        "pay_hours",
        "on_failure",
    ]:
        current[name] = getattr(auction, name)
    if auction.starts_at <= timezone.now():
        current["starts_at"] = ""
    merged = {**current, **{k: v for k, v in data.items() if k != "owner"}}
    terms = _terms(merged, auction.owner, now=timezone.now())
    with transaction.atomic():
        locked = Auction.objects.select_for_update().get(pk=auction.pk)
        if locked.status != A.DRAFT:
            raise not_allowed(locked.get_status_display(), _("修改"), locked.status)
        for name, value in terms.items():
            setattr(locked, name, value)
        locked.full_clean(exclude=["number", "owner", "created_by", "market", "sku", "category"])
        locked.save()
        _audit(actor, locked, action="auction.update", fields=",".join(sorted(data)))
    return locked


def auction_publish(*, actor: Actor, auction_id: object) -> Auction:
    """Draft → open. A start already past starts now; the close must still be ahead."""
    auction = _managed(actor, auction_id)
    if not can_publish(actor, auction):
        raise not_allowed(auction.get_status_display(), _("发布"), auction.status)
    now = timezone.now()
    if auction.ends_at <= now:
        raise invalid(_("结束时间已过，请先修改。"), "ends_at_in_past", "ends_at")
    starts_at = max(auction.starts_at, now)
    with transaction.atomic():
        done = Auction.objects.filter(pk=auction.pk, status=A.DRAFT).update(
            status=A.OPEN, published_at=now, starts_at=starts_at
        )
        if not done:
            raise not_allowed(auction.get_status_display(), _("发布"), auction.status)
        auction.refresh_from_db()
        _audit(actor, auction, action="auction.publish", ends_at=auction.ends_at.isoformat())
    return auction


def auction_cancel(*, actor: Actor, auction_id: object, reason: str = "") -> Auction:
    """Cancel a draft, or an open auction nobody has bid on (registrations' deposits go
    back). An operator may cancel any such auction."""
    auction = _managed(actor, auction_id)
    if not can_cancel(actor, auction):
        raise not_allowed(sel.effective_status_label(auction), _("取消"), auction.status)
    reason = text_of(reason, field="reason", required=False, limit=500)
    with transaction.atomic():
        done = Auction.objects.filter(
            Q(status=A.DRAFT) | Q(status=A.OPEN, bid_count=0, ends_at__gt=timezone.now()),
            pk=auction.pk,
        ).update(status=A.CANCELLED, closed_at=timezone.now())
        if not done:
            auction.refresh_from_db()
            raise not_allowed(auction.get_status_display(), _("取消"), auction.status)
        auction.refresh_from_db()
        _audit(actor, auction, action="auction.cancel", reason=reason)
    _release_unneeded([auction.pk])
    return auction


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
