"""Demo orders, money and invoices (issue 5, DOMAIN.md §4, §7, §8): weeks of real deals
for the market price index, and one order waiting at each step a newcomer should try.

- 崇左糖厂's finance grants 华南食品 a 600,000 CNY, 30-day credit line.
- History: settled, paid (bank transfers, reconciled) and invoiced orders of white sugar
  from 华南食品 and the platform's self-operated company, apples from 烟台苹果冷库 to 华南食品 and
  eucalyptus boards from 钦州桉木 to 烟台苹果冷库 (pallets for its cold store), spread
  over the past six weeks; one credit order repaid. One day (16 days ago) the platform's
  self-operated grade 1 sugar also sells to 华南食品 and 烟台苹果冷库 while the platform
  buys from the mill: two sellers, three buyers, so /market/prices/ publishes a cell
  (issue 9: cells need 3 deals, 2 sellers, 3 buyers).
- Waiting now: a paid order the mill's clerk shipped (the buyer confirms receipt); a paid
  apple order the buyer disputes (the operator splits its escrow at /ops/disputes/); an
  approved order for 华南食品's finance to pay; an order over 200,000 CNY waiting for
  华南食品's boss under its approval rule (``demo.approvals``); a bank transfer whose
  code is in ``docs/samples/bank-statement.csv`` (the operator uploads it at
  /ops/bank-statements/: one line matches; one has a mistyped code and the desk suggests
  the payment it is; one from an unknown payer stays unmatched); two credit orders settled into
  receivables, one of them overdue.
- 王采购's cart holds a few items.

Everything goes through the services as the demo people (rules, approvals, ledger and
events are genuine). A history order's steps run on their own days (``demo.clock``), so
its number's date, events, payments, ledger rows, notifications, invoice, deal and
receivable all carry the dates the story says; nothing is rewritten afterwards. An
order is found again by its note, so running it again adds nothing.
Needs the catalog and pricing demos; without them it does nothing."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mercator.catalog.models import Listing
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.demo.clock import demo_clock
from mercator.demo.files import frozen_apples_png
from mercator.payments.models import AccountKind, CreditLine, PaymentIntent, Receivable
from mercator.payments.selectors.payouts import payouts_visible_to
from mercator.payments.selectors.wallet import wallet_of
from mercator.payments.services.credit import credit_line_grant, receivable_pay_start
from mercator.payments.services.intents import intent_capture
from mercator.payments.services.payouts import payout_request
from mercator.pricing import services as pricing
from mercator.pricing.models import CustomerPrice, FreightRate, PriceList
from mercator.trading.models import CartItem, Order
from mercator.trading.selectors.orders import orders_visible_to
from mercator.trading.services import (
    cart_add,
    cart_clear,
    invoice_issue_for_order,
    order_dispute,
    order_pay,
    order_place_from_cart,
    order_receive,
    order_ship,
)
from mercator.trading.services.disputes import dispute_evidence_add

MILL, FOOD, PLATFORM = "崇左糖厂", "华南食品", "平台自营"
APPLES, TIMBER = "烟台苹果冷库", "钦州桉木"
SUGAR, SUGAR2, FUJI, BOARDS = "CZ-WS1-50KG", "CZ-WS2-50KG", "YT-FUJI-80", "QZ-EU-18MM"
OWN_SUGAR = "MX-WS1-50KG"  # the platform's self-operated grade 1 white sugar
CREDIT_LIMIT, CREDIT_DAYS = Decimal("600000"), 30
# The bank transfer's code, fixed so docs/samples/bank-statement.csv names it.
DEMO_TRANSFER_CODE = "MCTANG8866"
# A second transfer whose payer mistyped the code in the memo (the sample statement has
# MCTANG7756): reconciliation cannot match it alone and suggests this payment instead.
DEMO_TYPO_CODE = "MCTANG7755"
# Unpaid prepaid demo orders keep their reservation this long (not 48 hours), so the world
# a newcomer opens some days after `make run` still shows them waiting.
DEMO_RESERVATION = timedelta(days=30)
# Who does what, per company: (places orders, pays, ships, issues invoices).
PEOPLE = {
    FOOD: ("buyer@foodfactory.demo", "finance@foodfactory.demo", "", ""),
    MILL: ("", "", "sales@sugarmill.demo", "finance@sugarmill.demo"),
    PLATFORM: ("ops@mercator.demo",) * 4,
    APPLES: ("boss@yantai-apple.demo",) * 4,
    TIMBER: ("", "", "boss@eucalyptus.demo", "boss@eucalyptus.demo"),
}
# Prices for the goods the pricing demo leaves unpriced: (seller, SKU, ladder, freight).
OTHER_PRICES = (
    (APPLES, FUJI, [("0", "6800"), ("10", "6600")], ("广东", "450", "1500")),
    (TIMBER, BOARDS, [("0", "1650"), ("100", "1600")], ("山东", "85", "0")),
    (PLATFORM, OWN_SUGAR, [("0", "5150"), ("50", "5080")], ("广东", "60", "0")),
    (PLATFORM, OWN_SUGAR, [], ("山东", "280", "0")),  # a second lane for the same list
)


@dataclass(frozen=True)
class DemoOrder:
    note: str  # also finds the order again on a rerun
    buyer: str
    seller: str
    sku: str
    quantity: str
    # settled, shipped, disputed, paid, approved, bank_transfer(_typo), pending_approval
    stage: str
    terms: str = "prepaid"
    province: str = "广东"  # "" = pickup at the seller's warehouse
    days_ago: int | None = None  # settled that many days ago (demo history)
    repay: bool = False  # a credit order's receivable repaid through the gateway


ORDERS: tuple[DemoOrder, ...] = (
    # History, oldest first (invoice numbers follow the dates); the first credit order is
    # now overdue, the second (six days ago) is not due yet.
    DemoOrder("九月账期白砂糖", FOOD, MILL, SUGAR, "15", "settled", "credit", days_ago=47),
    DemoOrder("十月第一批白砂糖", FOOD, MILL, SUGAR, "30", "settled", days_ago=40),
    DemoOrder("十月第二批白砂糖，货到付款", FOOD, MILL, SUGAR, "25", "settled", "cod", days_ago=34),
    DemoOrder("平台黄埔仓补货", PLATFORM, MILL, SUGAR, "35", "settled", days_ago=29),
    DemoOrder("苹果派生产线用果", FOOD, APPLES, FUJI, "8", "settled", days_ago=24),
    DemoOrder(
        "十一月账期白砂糖", FOOD, MILL, SUGAR, "20", "settled", "credit", days_ago=21, repay=True
    ),
    DemoOrder(
        "冷库托盘用桉木板", APPLES, TIMBER, BOARDS, "60", "settled", province="山东", days_ago=17
    ),
    # One day of grade 1 white sugar from two sellers to three buyers in two provinces: the
    # market price index publishes it (as a nationwide day; no province alone has enough
    # sellers and buyers). Single-seller goods (apples, boards) stay unpublished.
    DemoOrder("平台黄埔仓月中补货", PLATFORM, MILL, SUGAR, "30", "settled", days_ago=16),
    DemoOrder(
        "自营一级白砂糖，月饼馅料用", FOOD, PLATFORM, OWN_SUGAR, "12", "settled", days_ago=16
    ),
    DemoOrder(
        "自营一级白砂糖，苹果罐头用",
        APPLES,
        PLATFORM,
        OWN_SUGAR,
        "8",
        "settled",
        province="山东",
        days_ago=16,
    ),
    DemoOrder("十一月第一批白砂糖", FOOD, MILL, SUGAR, "30", "settled", days_ago=13),
    DemoOrder(
        "平台自营：崇左仓自提", PLATFORM, MILL, SUGAR, "20", "settled", province="", days_ago=9
    ),
    DemoOrder("二级白砂糖试用，账期", FOOD, MILL, SUGAR2, "20", "settled", "credit", days_ago=6),
    DemoOrder("十一月第二批白砂糖", FOOD, MILL, SUGAR, "35", "settled", days_ago=5),
    # Waiting for someone now.
    DemoOrder("本周到厂，卸货走 3 号门", FOOD, MILL, SUGAR, "25", "shipped", days_ago=0),
    DemoOrder("礼盒装红富士，冷链到货", FOOD, APPLES, FUJI, "3", "disputed"),
    DemoOrder("下周生产用糖", FOOD, MILL, SUGAR, "20", "approved"),
    # Paid into escrow, waiting for the mill's clerk to ship (his workbench's 待发货).
    DemoOrder("已付款，请周五前发货", FOOD, MILL, SUGAR, "15", "paid"),
    DemoOrder("年底旺季备货", FOOD, MILL, SUGAR, "45", "pending_approval"),
    DemoOrder("二级白砂糖，银行转账付款", FOOD, MILL, SUGAR2, "10", "bank_transfer"),
    DemoOrder("二级白砂糖补单，银行转账", FOOD, MILL, SUGAR2, "10", "bank_transfer_typo"),
)
# 王采购's cart: (SKU, quantity).
CART = ((SUGAR, "50"), (SUGAR2, "20"), (FUJI, "5"))


def _seat(company: Company, email: str) -> Actor | None:
    seat = (
        Membership.objects.select_related("person", "company")
        .filter(company=company, person__email=email, is_active=True)
        .first()
    )
    return actor_for_membership(seat, via="system") if seat else None


class _World:
    def __init__(self) -> None:
        names = list(PEOPLE)
        self.companies = {c.short_name: c for c in Company.objects.filter(short_name__in=names)}
        self.listings = {
            x.sku.code: x
            for x in Listing.objects.filter(
                status=Listing.Status.ACTIVE, seller__in=self.companies.values()
            )
            .select_related("sku", "seller")
            .order_by("pk")
        }

    def actor(self, company: str, task: int) -> Actor:
        """The company's member doing ``task`` (an index into its ``PEOPLE`` row)."""
        found = _seat(self.companies[company], PEOPLE[company][task])
        if found is None:
            raise LookupError(f"demo world not built: {company} has no one for task {task}")
        return found

    def shipper(self, spec: "DemoOrder", order: Order) -> Actor:
        """The seller's clerk when he looks after this buyer, else the seller's boss."""
        clerk = self.actor(spec.seller, 2)
        if orders_visible_to(clerk).filter(pk=order.pk).exists():
            return clerk
        seat = Membership.objects.select_related("person", "company").get(
            company=self.companies[spec.seller], role=Role.MASTER, is_active=True
        )
        return actor_for_membership(seat, via="system")

    def ready(self) -> bool:
        return set(self.companies) == set(PEOPLE) and SUGAR in self.listings


def _price_other_goods(world: _World) -> None:
    """A standard price list and freight lanes for the apples, the boards and the
    platform's self-operated sugar."""
    for seller, code, ladder, (province, per_unit, minimum) in OTHER_PRICES:
        listing = world.listings.get(code)
        if listing is None:
            continue
        boss = world.actor(seller, 3)
        price_list = PriceList.objects.filter(seller=listing.seller, name="标准价").first()
        if price_list is None:
            price_list = pricing.price_list_create(actor=boss, name="标准价")
            for min_qty, price in ladder:
                pricing.price_rule_set(
                    actor=boss,
                    list_id=price_list.public_id,
                    sku_id=listing.sku.public_id,
                    min_qty=min_qty,
                    unit_price=price,
                )
        if not FreightRate.objects.filter(
            seller=listing.seller, origin=listing.origin, destination_province=province
        ).exists():
            pricing.freight_rate_create(
                actor=boss,
                origin=listing.origin,
                destination_province=province,
                per_unit=per_unit,
                minimum=minimum,
            )


def _bank_paid(intent: PaymentIntent) -> None:
    """The payer's bank transfer arrives and is reconciled (what matching a statement
    line does). Not the sandbox gateway: its play money would never make a real deal,
    and the demo's history is the price index's data."""
    intent_capture(
        intent=intent,
        source_kind=AccountKind.BANK_CLEARING,
        external_id=f"demo-bank:{intent.transfer_code}",
    )


def _place(world: _World, spec: DemoOrder) -> Order:
    buyer = world.actor(spec.buyer, 0)
    if CartItem.objects.filter(membership=buyer.membership).exists():
        cart_clear(actor=buyer)  # checkout takes the whole cart: only this order's goods
    cart_add(actor=buyer, listing_id=world.listings[spec.sku].public_id, quantity=spec.quantity)
    (order,) = order_place_from_cart(
        actor=buyer,
        payment_terms=spec.terms,
        credit_days=CREDIT_DAYS if spec.terms == "credit" else 0,
        delivery_method="delivery" if spec.province else "pickup",
        destination_province=spec.province,
        note=spec.note,
    )
    return order


# Days before the settlement (history) each step happened.
LAG = {"place": 4, "pay": 3, "ship": 2, "receive": 0}
COD_LAG = {**LAG, "pay": 1}
REPAY_AFTER = 14  # a repaid credit order's receivable is paid this many days after it opened
HISTORY_DAYS = 60  # the demo's history starts (credit line, price lists) this long ago


def _at(spec: DemoOrder, step: str) -> datetime | None:
    """When a step of a history order happened (None: now, for orders waiting now)."""
    if spec.days_ago is None:
        return None
    lag = (COD_LAG if spec.terms == "cod" else LAG)[step]
    return timezone.now() - timedelta(days=spec.days_ago + lag)


def _build(world: _World, spec: DemoOrder) -> Order:
    """One order, each step done by its person *on its day* (``demo_clock``): its number,
    events, payments, ledger postings, notifications and invoice carry coherent dates."""
    with demo_clock(_at(spec, "place")):
        order = _place(world, spec)
    payer = world.actor(spec.buyer, 1)
    if spec.stage in ("bank_transfer", "bank_transfer_typo"):
        intent = order_pay(actor=payer, order_id=order.public_id, method="bank_transfer")
        # Demo: the code the payer wrote in the transfer's memo, fixed so the sample
        # statement (docs/samples/bank-statement.csv) names it; codes are random otherwise.
        code = DEMO_TRANSFER_CODE if spec.stage == "bank_transfer" else DEMO_TYPO_CODE
        PaymentIntent.objects.filter(pk=intent.pk).update(transfer_code=code)
    if spec.stage in ("approved", "pending_approval", "bank_transfer", "bank_transfer_typo"):
        _hold(order)
        return order
    if spec.terms == "prepaid":
        with demo_clock(_at(spec, "pay")):
            _bank_paid(order_pay(actor=payer, order_id=order.public_id, method="bank_transfer"))
    with demo_clock(_at(spec, "ship")):
        order_ship(
            actor=world.shipper(spec, order),
            order_id=order.public_id,
            carrier="德邦物流" if spec.province else "",
            tracking_no=f"DB{order.number[-8:]}" if spec.province else "",
            note="" if spec.province else "买方自提",
        )
    if spec.terms == "cod":
        with demo_clock(_at(spec, "pay")):
            _bank_paid(order_pay(actor=payer, order_id=order.public_id, method="bank_transfer"))
    if spec.stage == "disputed":
        # The buyer holds the payment in escrow; the operator splits it at /ops/disputes/.
        order_dispute(
            actor=world.actor(spec.buyer, 0),
            order_id=order.public_id,
            reason="到货约三成冻伤，已拍照，要求按比例退款。",
        )
        # Both sides put their case before the operator: the buyer's photo, the seller's
        # answer (shown on the dispute desk with the ruling's preview).
        dispute_evidence_add(
            actor=world.actor(spec.buyer, 0),
            order_id=order.public_id,
            note="开箱照片：每箱约三分之一果面冻伤发褐。",
            upload=frozen_apples_png(),
        )
        dispute_evidence_add(
            actor=world.shipper(spec, order),
            order_id=order.public_id,
            note="出库时冷链车温度记录正常（2–4 ℃），冻伤应发生在卸货后；可接受退一成货款。",
        )
        return order
    if spec.stage == "settled":
        with demo_clock(_at(spec, "receive")):
            order_receive(actor=world.actor(spec.buyer, 0), order_id=order.public_id)
            invoice_issue_for_order(actor=world.actor(spec.seller, 3), order_id=order.public_id)
    if spec.repay:
        receivable = Receivable.objects.get(reference=order.ref)
        settled = _at(spec, "receive")
        repay_at = min(settled + timedelta(days=REPAY_AFTER), timezone.now()) if settled else None
        with demo_clock(repay_at):
            _bank_paid(
                receivable_pay_start(
                    actor=payer, receivable_id=receivable.public_id, method="bank_transfer"
                )
            )
    return Order.objects.get(pk=order.pk)


def _history_prices(world: _World) -> None:
    """The demo's price lists and agreed prices apply to its whole history (the pricing
    demo creates them "now"; the history's orders are priced on their own days)."""
    start = timezone.now() - timedelta(days=HISTORY_DAYS)
    sellers = list(world.companies.values())
    PriceList.objects.filter(seller__in=sellers, valid_from__gt=start).update(valid_from=start)
    CustomerPrice.objects.filter(seller__in=sellers, valid_from__gt=start).update(valid_from=start)


def _hold(order: Order) -> None:
    """Demo: an unpaid order keeps its reservation for ``DEMO_RESERVATION`` (a date only)."""
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() + DEMO_RESERVATION)


def _credit_line(world: _World) -> None:
    mill, food = world.companies[MILL], world.companies[FOOD]
    if CreditLine.objects.filter(seller=mill, buyer=food, currency="CNY").exists():
        return
    credit_line_grant(
        actor=world.actor(MILL, 3), buyer_id=food.public_id, limit=CREDIT_LIMIT, days=CREDIT_DAYS
    )


def _fill_cart(world: _World) -> None:
    buyer = world.actor(FOOD, 0)
    if CartItem.objects.filter(membership=buyer.membership).exists():
        return
    for code, quantity in CART:
        if code in world.listings:
            cart_add(actor=buyer, listing_id=world.listings[code].public_id, quantity=quantity)


# The mill's finance asks for part of its settled sales (the operators' payout desk).
PAYOUT = Decimal("100000.00")


def _payout(world: _World) -> None:
    finance = world.actor(MILL, 3)
    if payouts_visible_to(finance).exists():
        return
    wallet = wallet_of(finance).filter(currency="CNY").first()
    if wallet is None or wallet.balance < PAYOUT:
        return
    payout_request(
        actor=finance,
        amount=PAYOUT,
        currency="CNY",
        bank_account="中国工商银行崇左分行 6222 0000 1111 2222",
    )


def _build_paid(world: _World, spec: DemoOrder) -> Order:
    """Placed and paid into escrow, waiting for the seller to ship."""
    order = _place(world, spec)
    payer = world.actor(spec.buyer, 1)
    _bank_paid(order_pay(actor=payer, order_id=order.public_id, method="bank_transfer"))
    return order


def build_orders() -> None:
    """The credit line, the orders and the cart; running it again adds nothing."""
    world = _World()
    if not world.ready() or not PriceList.objects.filter(seller=world.companies[MILL]).exists():
        return  # the catalog and pricing demos have not run
    with transaction.atomic():
        with demo_clock(timezone.now() - timedelta(days=HISTORY_DAYS)):
            _price_other_goods(world)
            _credit_line(world)
        _history_prices(world)
        for spec in ORDERS:
            if spec.sku not in world.listings:
                continue
            buyer, seller = world.companies[spec.buyer], world.companies[spec.seller]
            if not Order.objects.filter(buyer=buyer, seller=seller, note=spec.note).exists():
                (_build_paid if spec.stage == "paid" else _build)(world, spec)
        _fill_cart(world)
        _payout(world)
