"""The forward-trading world for the markets tests: the trading tests' sugar world (the
mill sells, the food factory buys) plus a second verified buyer, wallets funded, and an
open offer of the mill's sugar for the next three months."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.companies.models import Company, Membership
from mercator.markets.models import ForwardOffer
from mercator.markets.services import forwards as services
from mercator.payments.models import AccountKind, LedgerAccount
from mercator.payments.selectors.ledger import deposits_held_total, ledger_problems
from tests.conftest import master_of
from tests.factories import CompanyFactory
from tests.payments.conftest import fund_wallet
from tests.trading.conftest import World, verify


def month_ahead(n: int) -> date:
    first = timezone.localdate().replace(day=1)
    for _ in range(n):
        first = (first + timedelta(days=32)).replace(day=1)
    return first


def label(n: int) -> str:
    return f"{month_ahead(n):%Y-%m}"


@dataclass
class Fw:
    w: World
    offer: ForwardOffer
    bakery: Company
    bakery_boss: Membership


def wallet(company: Company) -> Decimal:
    row = LedgerAccount.objects.filter(company=company, kind=AccountKind.WALLET).first()
    return row.balance if row else Decimal("0")


def held() -> Decimal:
    return deposits_held_total(prefix="deposit:")


def books_ok() -> None:
    assert ledger_problems() == []


def make_offer(w: World, **over: object) -> ForwardOffer:
    data = {
        "sku": str(w.sku.public_id),
        "months": [
            {"month": label(1), "quantity": "500", "ask_price": "5600"},
            {"month": label(2), "quantity": "400", "ask_price": "5650"},
            {"month": label(3), "quantity": "300", "ask_price": "5700"},
        ],
        "margin_percent": "10",
        "forfeit_percent": "50",
        "delivery_terms": "崇左仓自提",
        "pay_hours": 48,
    }
    data.update(over)
    return services.forward_offer_create(actor=w.actor(w.mill_boss), data=data)


@pytest.fixture(name="fw")
def fw_fixture(world: World) -> Fw:
    bakery = verify(CompanyFactory(short_name="南宁饼业", province="广西"))
    for company in (world.mill, world.food, bakery):
        fund_wallet(company, "10000000")
    return Fw(w=world, offer=make_offer(world), bakery=bakery, bakery_boss=master_of(bakery))
