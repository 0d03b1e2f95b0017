"""Demo group buys (团购, issue 12): the operator (ops@mercator.demo) opens group buys of
崇左糖厂's white sugar for Guangxi and Guangdong food factories.

- An OPEN one for grade 1 white sugar: ≥250 t at 5,050/t, ≥350 t at 4,990/t against
  5,100/t alone, closing 5 days after the demo is built; 华南食品 (buyer@foodfactory.demo)
  has committed 100 t, 南宁甜园食品 80 t and 柳州糕点厂 60 t: 240 t, 10 t short of the
  first tier, so the page shows the gap.
- A past one that SUCCEEDED (290 t reached 5,050/t): one order per participant, each
  paid from the wallet, the deposit applied.
- A past one that FAILED (grade 2, 广东 only, 100 t of 300 t): the deposit refunded.

Two more Guangxi food factories join the world for it (their bosses can sign in, but
are not among the README's logins). Wallets are funded by a bank deposit posted to the
ledger, as a real transfer would be. Everything else goes through the services on its
own day (``demo.clock``); a group buy already there (by title) is skipped, so a second
run adds nothing."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mercator.catalog.models import Sku
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.companies.services.members import company_create
from mercator.core.actor import SYSTEM, Actor
from mercator.core.models import User
from mercator.demo.clock import demo_clock
from mercator.demo.services import DemoCompany, DemoPerson, _person, _verify
from mercator.markets.models import Commitment, GroupBuy
from mercator.markets.services import groupbuys as services
from mercator.payments.services.wallet import wallet_bank_deposit
from mercator.trading.services.orders_fulfil import order_pay

MILL = "崇左糖厂"
FOOD = "华南食品"
OPERATOR = "ops@mercator.demo"
FUNDS = Decimal("1000000.00")

# Guangxi food factories that buy sugar in smaller lots than 华南食品.
BUYERS: tuple[DemoCompany, ...] = (
    DemoCompany(
        "南宁甜园食品有限公司",
        "南宁甜园食品",
        Company.Kind.BUYER,
        (DemoPerson("boss@tianyuan-food.demo", "梁甜园", Role.MASTER, "总经理"),),
        province="广西",
        city="南宁",
        industry="食品加工",
        size_band=Company.SizeBand.SMALL,
        division="450100",
    ),
    DemoCompany(
        "柳州糕点食品厂",
        "柳州糕点厂",
        Company.Kind.BUYER,
        (DemoPerson("boss@liuzhou-bakery.demo", "覃师傅", Role.MASTER, "厂长"),),
        province="广西",
        city="柳州",
        industry="食品加工",
        division="450200",
    ),
)
DESCRIPTION = (
    "崇左糖厂直供，崇左仓提货或送货到厂（运费另议）。平台汇总同地区食品厂的用量，总量越大价格越低。"
)
SERIAL = 40  # credit-code serials after the world's own


@dataclass(frozen=True)
class DemoGroupBuy:
    title: str
    product: str  # the mill's product name
    regions: list[str]
    list_price: str
    tiers: list[tuple[str, str]]
    min_quantity: str
    opened_days_ago: int
    days_open: int
    commits: list[tuple[str, str]]  # (company short name, tonnes)
    pay: bool = False


OPEN = DemoGroupBuy(
    "广西、广东食品厂一级白砂糖团购",
    "一级白砂糖",
    ["广西", "广东"],
    "5100",
    [("250", "5050"), ("350", "4990")],
    "250",
    opened_days_ago=1,
    days_open=6,
    commits=[(FOOD, "100"), ("南宁甜园食品", "80"), ("柳州糕点厂", "60")],
)
SUCCEEDED = DemoGroupBuy(
    "十一月广西食品厂白砂糖团购",
    "一级白砂糖",
    ["广西", "广东"],
    "5100",
    [("250", "5050"), ("350", "4990")],
    "250",
    opened_days_ago=25,
    days_open=5,
    commits=[(FOOD, "150"), ("南宁甜园食品", "80"), ("柳州糕点厂", "60")],
    pay=True,
)
FAILED = DemoGroupBuy(
    "广东食品厂二级白砂糖团购",
    "二级白砂糖",
    ["广东"],
    "5000",
    [("300", "4900")],
    "300",
    opened_days_ago=14,
    days_open=4,
    commits=[(FOOD, "100")],
)


def _company(short_name: str) -> Company | None:
    return Company.objects.filter(short_name=short_name).first()


def _member(company: Company, email: str | None = None) -> Membership:
    rows = Membership.objects.filter(company=company, is_active=True)
    if email:
        return rows.get(person__email=email)
    return rows.get(role=Role.MASTER)


def _buyers() -> None:
    for serial, spec in enumerate(BUYERS, start=SERIAL):
        company = _company(spec.short_name)
        if company is None:
            company = company_create(
                actor=SYSTEM,
                legal_name=spec.legal_name,
                short_name=spec.short_name,
                kind=spec.kind,
                master=_person(spec.people[0]),
                province=spec.province,
                city=spec.city,
                industry=spec.industry,
                size_band=spec.size_band,
            )
        _verify(spec, company, serial)


def _fund(company: Company) -> None:
    """A bank transfer into the company's wallet, once."""
    wallet_bank_deposit(
        company=company,
        amount=FUNDS,
        bank_reference=f"demo-groupbuy-funds:{company.public_id}",
        memo="demo bank transfer for group-buy deposits",
    )


def _committer(short_name: str) -> Actor:
    company = _company(short_name)
    assert company is not None
    email = "buyer@foodfactory.demo" if short_name == FOOD else None
    return actor_for_membership(_member(company, email), via="web")


def _payer(short_name: str) -> Actor:
    company = _company(short_name)
    assert company is not None
    email = "finance@foodfactory.demo" if short_name == FOOD else None
    return actor_for_membership(_member(company, email), via="web")


def _build(spec: DemoGroupBuy, now: datetime, operator: Actor) -> None:
    if GroupBuy.objects.filter(title=spec.title).exists():
        return
    mill = _company(MILL)
    sku = Sku.objects.filter(seller=mill, product__name=spec.product).order_by("pk").first()
    if sku is None:
        return
    opened = now - timedelta(days=spec.opened_days_ago)
    deadline = opened + timedelta(days=spec.days_open)
    with demo_clock(opened):
        gb = services.groupbuy_create(
            actor=operator,
            data={
                "sku": sku.public_id,
                "title": spec.title,
                "description": DESCRIPTION,
                "regions": spec.regions,
                "size_bands": [],
                "list_price": spec.list_price,
                "min_quantity": spec.min_quantity,
                "max_quantity": "600",
                "min_commit": "10",
                "deposit_percent": "10",
                "deadline": deadline,
                "delivery_from": (deadline + timedelta(days=3)).date(),
                "delivery_to": (deadline + timedelta(days=20)).date(),
                "terms": "成团后 72 小时内付清货款（保证金抵扣）；逾期未付，保证金归卖方。",
                "withdraw_hours": 24,
                "pay_hours": 72,
                "tiers": [{"min_quantity": q, "unit_price": p} for q, p in spec.tiers],
            },
        )
        services.groupbuy_publish(actor=operator, groupbuy_id=gb.public_id)
    for hours, (buyer, tonnes) in enumerate(spec.commits, start=1):
        with demo_clock(opened + timedelta(hours=3 * hours)):
            services.groupbuy_commit(
                actor=_committer(buyer), groupbuy_id=gb.public_id, quantity=tonnes
            )
    if deadline > now:
        return
    with demo_clock(deadline + timedelta(minutes=1)):
        services.groupbuys_close_due()
    if not spec.pay:
        return
    gb.refresh_from_db()
    with demo_clock(deadline + timedelta(hours=5)):
        for commitment in Commitment.objects.filter(group_buy=gb).select_related("company"):
            order_id = commitment.order_ref.removeprefix("order:")
            order_pay(
                actor=_payer(commitment.company.short_name), order_id=order_id, method="wallet"
            )
        services.groupbuys_close_due()


def build_groupbuys() -> None:
    """The group buys of the sugar mill (needs the companies and the catalog)."""
    if _company(MILL) is None or _company(FOOD) is None:
        return
    ops = User.objects.filter(email=OPERATOR, is_staff=True).first()
    seat = Membership.objects.filter(person=ops, is_active=True).first() if ops else None
    if seat is None:
        return
    operator = actor_for_membership(seat, via="web")
    now = timezone.now()
    with transaction.atomic():
        _buyers()
        for short_name in (FOOD, *(b.short_name for b in BUYERS)):
            company = _company(short_name)
            assert company is not None
            _fund(company)
        for spec in (SUCCEEDED, FAILED, OPEN):
            _build(spec, now, operator)
