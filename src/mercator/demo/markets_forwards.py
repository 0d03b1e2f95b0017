"""Demo forward trading (中远期, DOMAIN.md §5): 崇左糖厂 offers its grade-one white sugar
(CZ-WS1-50KG) for this month and the coming four; the buyers post demand per month at
their own prices, contracts hold margins, and the contract of the month that has begun
is delivered into an order.

- Five weeks ago the mill's clerk opens the offer (10% margin each side, 50% of a
  defaulter's margin forfeited) for this month and the next four; each party's bank
  transfer into its wallet pays the margins (a DEPOSIT through the ledger).
- 华南食品 takes 60 t of this month at the ask; 烟台苹果冷库's demand of 40 t next month is
  accepted by the mill; 华南食品 takes 30 t of the month after: three contracts, both
  sides' margins held.
- Over the following days 华南食品, 烟台苹果冷库 and the platform's self-operated company
  post demand for each of the four coming months at different prices (the book at
  /markets/forwards/ aggregates it without naming them).
- Now (this month has begun) the mill delivers the first contract: a prepaid order whose
  deposit is 华南食品's margin; the factory's cashier pays the rest by bank transfer, so
  the order waits for the mill to ship and the mill's margin is released.

Every step runs through the services as the demo people, on its own day (``demo_clock``).
The offer is found again by its title, so running it again adds nothing. Needs the
companies and catalog demos; without them it does nothing."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mercator.catalog.models import Sku
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from mercator.demo.clock import demo_clock
from mercator.markets.models import ForwardDemand, ForwardOffer
from mercator.markets.selectors.forwards import contract_order
from mercator.markets.services.forwards import (
    forward_contract_convert,
    forward_contract_follow,
    forward_demand_accept,
    forward_demand_post,
    forward_offer_create,
    forward_take,
)
from mercator.payments.models import AccountKind
from mercator.payments.services.intents import intent_capture
from mercator.payments.services.wallet import wallet_bank_deposit
from mercator.trading.services import order_pay

SUGAR_MILL = "广西崇左甘蔗糖业有限公司"
FOOD_FACTORY = "广州华南食品有限公司"
COLD_STORE = "烟台栖霞苹果冷链仓储有限公司"
PLATFORM = "Mercator 平台自营（上海）有限公司"
SKU_CODE = "CZ-WS1-50KG"
TITLE = "崇左一级白砂糖 中远期（本月起五个交割月）"
OFFER_DAYS_AGO = 35
# The ask per month, from this month (0) to four months ahead.
ASKS = ("5180", "5220", "5260", "5300", "5340")
QUANTITIES = ("300", "500", "500", "600", "600")
# Each buyer's demand for months 1..4 ahead: (quantity, price); different prices per buyer.
DEMAND: dict[str, tuple[tuple[str, str], ...]] = {
    FOOD_FACTORY: (("100", "5200"), ("80", "5240"), ("120", "5250"), ("100", "5280")),
    COLD_STORE: (("40", "5220"), ("50", "5210"), ("60", "5300"), ("30", "5300")),
    PLATFORM: (("50", "5150"), ("100", "5230"), ("80", "5200"), ("150", "5260")),
}
# Bank transfers into the wallets that hold the margins (CNY).
FUNDS = {SUGAR_MILL: "150000", FOOD_FACTORY: "100000", COLD_STORE: "50000"}


@dataclass
class _People:
    mill: Company
    sku: Sku
    clerk: Actor
    buyers: dict[str, Actor]
    food_cashier: Actor


def _actor(company: Company, email: str) -> Actor | None:
    seat = (
        Membership.objects.select_related("person", "company")
        .filter(company=company, person__email=email, is_active=True)
        .first()
    )
    return actor_for_membership(seat, via="system") if seat else None


def _people() -> _People | None:
    names = [*FUNDS, PLATFORM]
    companies = {c.legal_name: c for c in Company.objects.filter(legal_name__in=names)}
    mill = companies.get(SUGAR_MILL)
    sku = Sku.objects.filter(seller=mill, code=SKU_CODE).first() if mill else None
    if sku is None or len(companies) < 4:
        return None  # the companies and catalog demos have not run
    logins = {
        FOOD_FACTORY: "buyer@foodfactory.demo",
        COLD_STORE: "boss@yantai-apple.demo",
        PLATFORM: "ops@mercator.demo",
    }
    buyers = {name: _actor(companies[name], email) for name, email in logins.items()}
    clerk = _actor(mill, "sales@sugarmill.demo")
    cashier = _actor(companies[FOOD_FACTORY], "finance@foodfactory.demo")
    if clerk is None or cashier is None or None in buyers.values():
        return None
    return _People(mill, sku, clerk, buyers, cashier)  # type: ignore[arg-type]


def _month(now: datetime, ahead: int) -> date:
    first = timezone.localtime(now).date().replace(day=1)
    for _ in range(ahead):
        first = (first + timedelta(days=32)).replace(day=1)
    return first


def _bank_to_wallet(company: Company, amount: str) -> None:
    """The company's bank transfer into its wallet (bank clearing → wallet), once."""
    wallet_bank_deposit(
        company=company,
        amount=Decimal(amount),
        bank_reference=f"demo:forwards:wallet:{company.public_id}",
        memo="bank transfer to wallet: forward margins",
    )


def build_markets_forwards() -> None:
    """The offer, its demand and contracts, one delivered; running it again adds nothing."""
    people = _people()
    if people is None or ForwardOffer.objects.filter(seller=people.mill, title=TITLE).exists():
        return
    now = timezone.now()
    start = now - timedelta(days=OFFER_DAYS_AGO)
    labels = [f"{_month(now, n):%Y-%m}" for n in range(5)]
    food = people.buyers[FOOD_FACTORY]
    with transaction.atomic():
        with demo_clock(start):
            for company in Company.objects.filter(legal_name__in=FUNDS).order_by("pk"):
                _bank_to_wallet(company, FUNDS[company.legal_name])
            offer = forward_offer_create(
                actor=people.clerk,
                data={
                    "sku": str(people.sku.public_id),
                    "title": TITLE,
                    "description": "国标一级（GB/T 317-2018），蔗糖分 ≥ 99.6%，50 kg 编织袋。",
                    "months": [
                        {"month": label, "quantity": qty, "ask_price": ask}
                        for label, qty, ask in zip(labels, QUANTITIES, ASKS, strict=True)
                    ],
                    "margin_percent": "10",
                    "forfeit_percent": "50",
                    "delivery_terms": "崇左糖厂成品仓自提；买方凭交割订单提货。",
                    "pay_hours": 72,
                },
            )
        with demo_clock(start + timedelta(days=1, hours=2)):
            first = forward_take(
                actor=food, offer_id=offer.public_id, month=labels[0], quantity="60"
            )
        demands: dict[tuple[str, int], ForwardDemand] = {}
        for day, (name, rows) in enumerate(DEMAND.items()):
            for ahead, (quantity, price) in enumerate(rows, start=1):
                with demo_clock(start + timedelta(days=3 + 4 * day + ahead, hours=3)):
                    demands[(name, ahead)] = forward_demand_post(
                        actor=people.buyers[name],
                        offer_id=offer.public_id,
                        month=labels[ahead],
                        quantity=quantity,
                        price=price,
                        delivery_province="" if name == FOOD_FACTORY else "山东",
                    )
        with demo_clock(start + timedelta(days=18, hours=1)):
            # The cold store bid the ask for next month: the mill's clerk accepts it.
            forward_demand_accept(actor=people.clerk, demand_id=demands[(COLD_STORE, 1)].public_id)
        with demo_clock(start + timedelta(days=20, hours=4)):
            forward_take(actor=food, offer_id=offer.public_id, month=labels[2], quantity="30")
        # This month has begun: the mill delivers the first contract; the factory's
        # cashier pays what the margin does not cover by bank transfer.
        delivered = forward_contract_convert(actor=people.clerk, contract_id=first.public_id)
        order = contract_order(delivered)
        if order is not None and order.amount_due > 0:
            intent = order_pay(
                actor=people.food_cashier, order_id=order.public_id, method="bank_transfer"
            )
            intent_capture(
                intent=intent,
                source_kind=AccountKind.BANK_CLEARING,
                external_id=f"demo-bank:{intent.transfer_code}",
            )
        forward_contract_follow(contract_id=delivered.pk)
