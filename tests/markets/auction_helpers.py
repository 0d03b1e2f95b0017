"""Helpers of the auction tests: a sugar world (tests/trading/conftest.py) with funded
bidders, an auction published through the services, and the clock moved by shifting
the auction's own times back (the services read ``timezone.now()``)."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.markets.models import Auction, AuctionParticipant
from mercator.markets.services import auctions as services
from mercator.payments.selectors.ledger import deposit_held
from tests.factories import CompanyFactory
from tests.payments.conftest import fund_wallet
from tests.trading.conftest import World, verify

DEPOSIT = Decimal("10000.00")


def sale_data(world: World, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "english",
        "sku": str(world.sku.public_id),
        "title": "一级白砂糖 500 吨",
        "quantity": "500",
        "unit": "t",
        "start_price": "5000",
        "reserve_price": "5150",
        "min_increment": "10",
        "deposit_amount": str(DEPOSIT),
        "ends_at": (timezone.now() + timedelta(hours=2)).isoformat(),
        "province": "广西",
        "location": "崇左仓",
    }
    data.update(over)
    return data


def open_auction(world: World, **over: Any) -> Auction:
    actor = world.actor(world.mill_boss)
    auction = services.auction_create(actor=actor, data=sale_data(world, **over))
    return services.auction_publish(actor=actor, auction_id=auction.public_id)


def buyer(world: World, name: str, province: str = "广东", funds: str = "5000000") -> Membership:
    """A new verified buying company with money in its wallet: its boss."""
    company = verify(CompanyFactory(short_name=name, province=province, kind=Company.Kind.BUYER))
    fund_wallet(company, funds)
    return company.memberships.get(role=Role.MASTER)


def seller(world: World, name: str, funds: str = "5000000") -> Membership:
    company = verify(CompanyFactory(short_name=name, province="广西"))
    fund_wallet(company, funds)
    return company.memberships.get(role=Role.MASTER)


def shift(auction: Auction, minutes: float) -> Auction:
    """Move the auction ``minutes`` into its own future (its times go back)."""
    delta = timedelta(minutes=minutes)
    Auction.objects.filter(pk=auction.pk).update(
        starts_at=auction.starts_at - delta,
        ends_at=auction.ends_at - delta,
        created_at=auction.created_at - delta,
    )
    auction.refresh_from_db()
    return auction


def end(auction: Auction) -> Auction:
    """Put the auction's close one second in the past."""
    auction.refresh_from_db()
    left = (auction.ends_at - timezone.now()).total_seconds() / 60
    return shift(auction, left + 1 / 60)


def held_matches(auction_ids: list[int] | None = None) -> tuple[Decimal, Decimal]:
    """(ledger's deposits held for auction participants, sum of the participants' deposits
    marked held). Group buys and forward contracts hold theirs in the same account, so the
    ledger side sums each participant's own reference."""
    rows = list(AuctionParticipant.objects.all())
    expected = sum((p.deposit_amount for p in rows if p.deposit_status == "held"), Decimal("0"))
    held = sum((deposit_held(reference=p.deposit_ref) for p in rows), Decimal("0"))
    return held, expected


def act(world: World, member: Membership) -> Actor:
    return world.actor(member)
