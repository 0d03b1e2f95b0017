"""The sugar world of tests/trading/conftest.py with group buys: the mill (崇左糖厂)
sells white sugar at 5,000/t alone; food factories in 广东 and 广西 commit. Helpers to
fund wallets, open a group buy and move its deadline past."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.markets.models import GroupBuy
from mercator.markets.services import groupbuys as services
from mercator.payments.selectors.ledger import deposits_held_total
from tests.conftest import master_of
from tests.factories import CompanyFactory, UserFactory, add_member
from tests.payments.conftest import fund_wallet
from tests.trading.conftest import World, verify

LIST = Decimal("5000")


def groupbuy_data(w: World, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "sku": str(w.sku.public_id),
        "title": "广西食品厂白砂糖团购",
        "description": "一级白砂糖，崇左仓提货或送到厂。",
        "regions": ["广东", "广西"],
        "size_bands": [],
        "list_price": "5000",
        "min_quantity": "250",
        "max_quantity": None,
        "min_commit": "10",
        "deposit_percent": "10",
        "deadline": timezone.now() + timedelta(days=5),
        "delivery_from": None,
        "delivery_to": None,
        "terms": "款到发货",
        "withdraw_hours": 24,
        "pay_hours": 72,
        "tiers": [
            {"min_quantity": "250", "unit_price": "4900"},
            {"min_quantity": "350", "unit_price": "4850"},
        ],
    }
    data.update(over)
    return data


def operator_membership() -> Membership:
    platform = verify(CompanyFactory(short_name="平台运营"))
    person = UserFactory(is_staff=True)
    return add_member(platform, Role.SALES, person=person)


@dataclass
class Buyers:
    """Food factories that buy, each a verified company's master with a funded wallet."""

    members: list[Membership]

    def actor(self, index: int) -> Actor:
        return actor_for_membership(self.members[index], via="api")

    def company(self, index: int) -> Company:
        return self.members[index].company


def make_buyers(n: int, *, province: str = "广西", funds: str = "1000000") -> Buyers:
    members = []
    for i in range(n):
        company = verify(CompanyFactory(short_name=f"食品厂{i}", province=province))
        fund_wallet(company, funds)
        members.append(master_of(company))
    return Buyers(members)


def open_groupbuy(w: World, **over: Any) -> GroupBuy:
    actor = actor_for_membership(w.mill_boss, via="api")
    gb = services.groupbuy_create(actor=actor, data=groupbuy_data(w, **over))
    return services.groupbuy_publish(actor=actor, groupbuy_id=gb.public_id)


def past_deadline(gb: GroupBuy, minutes: int = 1) -> GroupBuy:
    """Move the deadline into the past (as time would)."""
    GroupBuy.objects.filter(pk=gb.pk).update(deadline=timezone.now() - timedelta(minutes=minutes))
    gb.refresh_from_db()
    return gb


def held() -> Decimal:
    return deposits_held_total(prefix="deposit:")
