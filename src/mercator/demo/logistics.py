"""The demo's logistics flow (issue 13, DOMAIN.md §8): three warehouses, the Yantai apple
cold store's rule, and the lots the essay talks about.

Warehouses (opened by the operator ops@mercator.demo; the policy set by the staff):
- ``qixia-cold`` 栖霞冷库, run by 烟台苹果冷库 (boss@yantai-apple.demo): the Yantai rule,
  free while the apples wait, 30 days' storage at ¥1.50 per tonne per day charged to the
  depositor when they leave, whatever the real wait (the trade's average is 60 days);
- ``qinzhou-port`` 钦州港保税堆场, run by the platform itself (ops@mercator.demo): ¥0.80
  per m³ per day; 钦州桉木's eucalyptus boards wait there for the barge to Shandong;
- ``linyi-timber`` 临沂木材物流园, run by 临沂木业 (boss@linyi-timber.demo): ¥0.60 per m³
  per day; the barge's destination, nearly empty (one lot of 临沂木业's own plywood).

栖霞苹果合作社 (boss@qixia-coop.demo), an apple growers' cooperative, stores its harvest
at 栖霞冷库 (book inbound as the cooperative, receive as the store):
- waiting: 40 t received 12 days ago (a pick-up of 6 t requested, for the store to carry
  out), 80 t received 48 days ago (under an active warehouse receipt the cooperative
  holds), 120 t received 75 days ago (the stocktake found it 0.18 t short: nine cartons,
  an open difference);
- listed: 50 t received 30 days ago, 30 t of it offered at ¥6,400/t;
- sold to 华南食品 (buyer@foodfactory.demo orders, finance@ pays from the wallet, the
  store carries the release out, the buyer confirms receipt): 24 t that waited 20 days,
  storage fee 24 × 1.50 × 30 = ¥1,080.00, and 20 t that waited 90 days, storage fee
  20 × 1.50 × 30 = ¥900.00 (by the day it would have been ¥2,700.00); both fees are
  ``STORAGE_FEE`` ledger transactions on the orders (their three flows show them);
- sold by receipt: 30 t received 60 days ago, its receipt transferred to 华南食品 five
  days ago (the goods did not move; the lot is now 华南食品's);
- 50 t booked to arrive next week, not yet received.

钦州桉木 (boss@eucalyptus.demo) has 1,200 m³ of QZ-EU-18MM boards at qinzhou-port,
received 20 days ago (the transport demo ships it), and 300 m³ received 26 days ago; its
wallet gets a bank transfer for the yard's fees and the freight.

Every step goes through the services on its own day (``demo.clock``), at a fixed hour, so
a lot received 100 days ago and released 10 days ago was stored exactly 90 days. A
warehouse is found again by its code and a lot by its inbound's note: running the demo
again adds nothing."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mercator.catalog import services as catalog
from mercator.catalog.models import Listing, Sku
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.companies.services.members import company_update
from mercator.core.actor import Actor
from mercator.demo.clock import demo_clock
from mercator.logistics import services
from mercator.logistics.models import (
    Inbound,
    Lot,
    Release,
    Stocktake,
    StoragePolicy,
    Warehouse,
)
from mercator.membership.services import listing_quality_award
from mercator.payments.services.wallet import wallet_bank_deposit
from mercator.pricing import services as pricing
from mercator.pricing.models import PriceList
from mercator.trading.models import CartItem, Order
from mercator.trading.services import cart_add, cart_clear, order_pay, order_place_from_cart
from mercator.trading.services.invoices import invoice_issue_for_order
from mercator.trading.services.orders_fulfil import order_receive

COOP, STORE, FOOD = "栖霞苹果合作社", "烟台苹果冷库", "华南食品"
TIMBER, LINYI, PLATFORM = "钦州桉木", "临沂木业", "平台自营"
OPERATOR = "ops@mercator.demo"
BUYER, PAYER = "buyer@foodfactory.demo", "finance@foodfactory.demo"
APPLE_RATE = Decimal("1.50")  # per tonne per day, 30 days charged on leaving
FLAT_DAYS = 30
APPLE_PRICE = "6400"
COOP_SKU, LINYI_SKU, BOARDS = "QX-FUJI-80", "LY-POP-15MM", "QZ-EU-18MM"
PRICE_LIST = "冷库现货价"
OPENED_DAYS_AGO = 120  # the warehouses open before the oldest lot
STOCKTAKE_NOTE = "月度盘点：逐垛清点纸箱并抽检称重。"
SHORT = Decimal("0.18")  # nine 20 kg cartons missing at the stocktake


@dataclass(frozen=True)
class DemoWarehouse:
    code: str
    name: str
    name_en: str
    kind: str
    operator: str  # company short name
    staff: str  # the email of who sets its policy
    province: str
    city: str
    address: str
    capacity: str
    unit: str
    temperature: str
    accepts: tuple[str, ...]
    policy: str
    rate: str
    note: str


WAREHOUSES: tuple[DemoWarehouse, ...] = (
    DemoWarehouse(
        "qixia-cold",
        "栖霞冷库",
        "Qixia cold store",
        Warehouse.Kind.COLD,
        STORE,
        "boss@yantai-apple.demo",
        "山东",
        "烟台",
        "栖霞市松山街道冷链产业园 8 号",
        "20000",
        "t",
        "0–1 ℃",
        ("apple",),
        StoragePolicy.Kind.FLAT_DAYS,
        str(APPLE_RATE),
        "等待免费，出库按 30 天计费（行业平均等待约 60 天）。",
    ),
    DemoWarehouse(
        "qinzhou-port",
        "钦州港保税堆场",
        "Qinzhou port bonded yard",
        Warehouse.Kind.PORT,
        PLATFORM,
        OPERATOR,
        "广西",
        "钦州",
        "钦州港大榄坪港区 3 号堆场",
        "60000",
        "m3",
        "",
        (),
        StoragePolicy.Kind.PER_DAY,
        "0.80",
        "按实际存放天数计费，装船出场时结算。",
    ),
    DemoWarehouse(
        "linyi-timber",
        "临沂木材物流园",
        "Linyi timber logistics park",
        Warehouse.Kind.GENERAL,
        LINYI,
        "boss@linyi-timber.demo",
        "山东",
        "临沂",
        "临沂市兰山区义堂镇木材物流园",
        "30000",
        "m3",
        "",
        ("timber-board", "eucalyptus-board"),
        StoragePolicy.Kind.PER_DAY,
        "0.60",
        "按实际存放天数计费。",
    ),
)


@dataclass(frozen=True)
class DemoLot:
    note: str  # the inbound's note: finds the lot again on a rerun
    owner: str  # the depositor's short name
    warehouse: str
    sku: str
    quantity: str
    received: int  # days ago
    location: str
    grade: str = ""
    # "wait", "pickup", "receipt", "listed", "sold", "receipt_sold"
    story: str = "wait"
    sold: int = 0  # days ago the order was paid (it leaves the store the next day)


APPLES: tuple[DemoLot, ...] = (
    DemoLot(
        "霜降后采摘第三批，80# 纸箱",
        COOP,
        "qixia-cold",
        COOP_SKU,
        "40",
        12,
        "A-07",
        "一级果 80#",
        "pickup",
    ),
    DemoLot(
        "寒露采摘第一批，80# 纸箱",
        COOP,
        "qixia-cold",
        COOP_SKU,
        "80",
        48,
        "B-02",
        "一级果 80#",
        "receipt",
    ),
    DemoLot("早熟红富士，80# 纸箱", COOP, "qixia-cold", COOP_SKU, "120", 75, "B-05", "一级果 80#"),
    DemoLot(
        "霜降采摘第二批，80# 纸箱",
        COOP,
        "qixia-cold",
        COOP_SKU,
        "50",
        30,
        "A-03",
        "一级果 80#",
        "listed",
    ),
    DemoLot(
        "秋分采摘，80# 纸箱，已售华南食品",
        COOP,
        "qixia-cold",
        COOP_SKU,
        "24",
        36,
        "A-01",
        "一级果 80#",
        "sold",
        sold=17,
    ),
    DemoLot(
        "去年晚采红富士，80# 纸箱，已售华南食品",
        COOP,
        "qixia-cold",
        COOP_SKU,
        "20",
        101,
        "C-04",
        "一级果 80#",
        "sold",
        sold=12,
    ),
    DemoLot(
        "白露采摘，80# 纸箱，仓单转让",
        COOP,
        "qixia-cold",
        COOP_SKU,
        "30",
        60,
        "C-01",
        "一级果 80#",
        "receipt_sold",
        sold=5,
    ),
)
BOARD_LOTS: tuple[DemoLot, ...] = (
    DemoLot("桉木板第 12 船，待驳船北运", TIMBER, "qinzhou-port", BOARDS, "1200", 20, "Y3-E"),
    # Older than the barge's lot, so the newest eucalyptus lot at the yard is the big one.
    DemoLot("桉木板第 11 船，尾货", TIMBER, "qinzhou-port", BOARDS, "300", 26, "Y3-W"),
    DemoLot("自产杨木胶合板，E1 级", LINYI, "linyi-timber", LINYI_SKU, "180", 30, "W1-S"),
)
# Booked for next week, not received yet.
NEXT_WEEK = DemoLot("立冬前采摘，预约下周入库", COOP, "qixia-cold", COOP_SKU, "50", -7, "")


def _day(days_ago: int, hour: int) -> datetime:
    """``hour`` o'clock (Shanghai) ``days_ago`` days ago: a fixed hour, so the storage
    days between two steps are exactly the days between them."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _company(short_name: str) -> Company | None:
    return Company.objects.filter(short_name=short_name).first()


def _actor(short_name: str, email: str | None = None) -> Actor:
    rows = Membership.objects.select_related("person", "company").filter(
        company__short_name=short_name, is_active=True
    )
    seat = rows.get(person__email=email) if email else rows.get(role=Role.MASTER)
    return actor_for_membership(seat, via="web")


def _linyi_sells() -> None:
    """临沂木业 sells its own plywood (a demo built before it did was a buyer only)."""
    company = _company(LINYI)
    if company is not None and company.kind == Company.Kind.BUYER:
        company_update(actor=_actor(LINYI), kind=Company.Kind.BOTH)


def _warehouses() -> dict[str, Warehouse]:
    ops = _actor(PLATFORM, OPERATOR)
    found: dict[str, Warehouse] = {}
    for spec in WAREHOUSES:
        warehouse = Warehouse.objects.filter(code=spec.code).first()
        operator = _company(spec.operator)
        assert operator is not None
        with demo_clock(_day(OPENED_DAYS_AGO, 9)):
            if warehouse is None:
                warehouse = services.warehouse_create(
                    actor=ops,
                    operator_id=operator.public_id,
                    code=spec.code,
                    name=spec.name,
                    name_en=spec.name_en,
                    kind=spec.kind,
                    province=spec.province,
                    city=spec.city,
                    address=spec.address,
                    capacity=spec.capacity,
                    capacity_unit=spec.unit,
                    temperature=spec.temperature,
                    accepts=list(spec.accepts),
                )
            if not StoragePolicy.objects.filter(warehouse=warehouse, sku__isnull=True).exists():
                services.policy_set(
                    actor=_actor(spec.operator, spec.staff),
                    warehouse_id=warehouse.public_id,
                    kind=spec.policy,
                    rate_per_day=spec.rate,
                    flat_days=FLAT_DAYS,
                    note=spec.note,
                )
        found[spec.code] = warehouse
    return found


def _own_sku(
    owner: str, code: str, category: str, names: tuple[str, ...], spec: str, unit: str
) -> Sku:
    """A depositor's own SKU (inbound takes only the depositor's goods), made once."""
    company = _company(owner)
    sku = Sku.objects.filter(seller=company, code=code).first()
    if sku is not None:
        return sku
    boss = _actor(owner)
    name, name_en, grade, grade_en = names
    with demo_clock(_day(OPENED_DAYS_AGO, 10)):
        product = catalog.product_create(
            actor=boss,
            category_id=category,
            name=name,
            name_en=name_en,
            grade=grade,
            grade_en=grade_en,
            specification=spec,
            unit=unit,
            min_order_qty="1",
        )
        return catalog.sku_create(
            actor=boss, product_id=product.public_id, code=code, name=spec.split("；")[0]
        )


def _coop_price_list(sku: Sku) -> PriceList:
    coop = _company(COOP)
    price_list = PriceList.objects.filter(seller=coop, name=PRICE_LIST).first()
    if price_list is not None:
        return price_list
    boss = _actor(COOP)
    with demo_clock(_day(OPENED_DAYS_AGO, 10)):
        price_list = pricing.price_list_create(actor=boss, name=PRICE_LIST)
        pricing.price_rule_set(
            actor=boss,
            list_id=price_list.public_id,
            sku_id=sku.public_id,
            min_qty="0",
            unit_price=APPLE_PRICE,
        )
    return price_list


def _fund(short_name: str, amount: str) -> None:
    """A bank transfer into the wallet before the story's payments, once."""
    company = _company(short_name)
    assert company is not None
    with demo_clock(_day(OPENED_DAYS_AGO, 11)):
        wallet_bank_deposit(
            company=company,
            amount=Decimal(amount),
            bank_reference=f"demo-logistics-funds:{company.public_id}",
            memo="demo bank transfer for storage fees and cold-store purchases",
        )


def _staff(warehouse: Warehouse) -> Actor:
    spec = next(w for w in WAREHOUSES if w.code == warehouse.code)
    return _actor(spec.operator, spec.staff)


def _book(spec: DemoLot, warehouse: Warehouse, sku: Sku, days_ago: int) -> Inbound:
    expected: date = timezone.localdate() - timedelta(days=spec.received)
    with demo_clock(_day(days_ago, 9) if days_ago > 0 else None):
        return services.inbound_book(
            actor=_actor(spec.owner),
            warehouse_id=warehouse.public_id,
            sku_id=sku.public_id,
            quantity=spec.quantity,
            expected_on=expected,
            note=spec.note,
        )


def _receive(spec: DemoLot, warehouse: Warehouse, sku: Sku) -> Lot:
    inbound = _book(spec, warehouse, sku, spec.received + 2)
    with demo_clock(_day(spec.received, 10)):
        return services.inbound_receive(
            actor=_staff(warehouse),
            inbound_id=inbound.public_id,
            quantity=spec.quantity,
            inspection=Lot.Inspection.PASSED,
            grade=spec.grade,
            location=spec.location,
            inspection_note="抽检 20 箱：果径、糖度、硬度达标，无冻伤。" if spec.grade else "",
        )


def _order(listing: Listing, quantity: str, note: str) -> Order:
    """华南食品's purchasing clerk orders from the lot's listing, for pick-up at the store.
    Checkout takes the whole cart: his own cart (the orders demo's) is put back after."""
    buyer = _actor(FOOD, BUYER)
    kept = [
        (item.listing.public_id, item.quantity)
        for item in CartItem.objects.filter(membership=buyer.membership).select_related("listing")
    ]
    if kept:
        cart_clear(actor=buyer)
    cart_add(actor=buyer, listing_id=listing.public_id, quantity=quantity)
    (order,) = order_place_from_cart(actor=buyer, delivery_method="pickup", note=note)
    for listing_id, qty in kept:
        cart_add(actor=buyer, listing_id=listing_id, quantity=qty)
    return order


def _sell(spec: DemoLot, lot: Lot, price_list: PriceList) -> None:
    """The whole lot listed the day after it came in, bought and paid ``spec.sold`` days
    ago, carried out by the store the next day (the Yantai fee through the ledger), the
    buyer confirming receipt the day after."""
    coop = _actor(COOP)
    with demo_clock(_day(spec.received - 1, 9)):
        listing = services.lot_list(
            actor=coop,
            lot_id=lot.public_id,
            quantity=spec.quantity,
            price_list=price_list.public_id,
        )
    with demo_clock(_day(spec.sold, 10)):
        order = _order(listing, spec.quantity, f"冷库自提：{spec.note}")
        order_pay(actor=_actor(FOOD, PAYER), order_id=order.public_id, method="wallet")
    release = Release.objects.get(lot=lot, order_ref=order.ref)
    with demo_clock(_day(spec.sold - 1, 10)):
        services.release_execute(
            actor=_staff(lot.warehouse), release_id=release.public_id, vehicle="粤A·7C312 冷藏车"
        )
        # Money and invoice through the platform, as every settled demo deal: a real deal.
        invoice_issue_for_order(actor=coop, order_id=order.public_id)
    with demo_clock(_day(spec.sold - 2, 15)):
        order_receive(actor=_actor(FOOD, BUYER), order_id=order.public_id)


def _apple_story(spec: DemoLot, warehouse: Warehouse, sku: Sku, price_list: PriceList) -> None:
    lot = _receive(spec, warehouse, sku)
    staff, coop = _staff(warehouse), _actor(COOP)
    if spec.story == "sold":
        _sell(spec, lot, price_list)
    elif spec.story == "listed":
        with demo_clock(_day(3, 9)):
            services.lot_list(
                actor=coop, lot_id=lot.public_id, quantity="30", price_list=price_list.public_id
            )
    elif spec.story in ("receipt", "receipt_sold"):
        with demo_clock(_day(spec.received - 2, 11)):
            receipt = services.receipt_issue(actor=staff, lot_id=lot.public_id)
        if spec.story == "receipt_sold":
            food = _company(FOOD)
            assert food is not None
            with demo_clock(_day(spec.sold, 14)):
                services.receipt_transfer(
                    actor=coop,
                    receipt_id=receipt.public_id,
                    to_company_id=food.public_id,
                    ref=f"仓单转让合同 QX-{receipt.number[-6:]}",
                    note="整批按仓单转让，货款已结清，货物留在冷库。",
                )
    elif spec.story == "pickup":
        services.release_request(
            actor=coop, lot_id=lot.public_id, quantity="6", pickup_by="鲁F·3K721 王师傅"
        )


def _booked(spec: DemoLot, warehouse: Warehouse) -> bool:
    owner = _company(spec.owner)
    return Inbound.objects.filter(warehouse=warehouse, depositor=owner, note=spec.note).exists()


def _stocktake(warehouse: Warehouse) -> None:
    """Yesterday's count at the cold store: every lot in stock, the 75-day lot nine
    cartons short (an open difference, left for the store to adjust or find)."""
    if Stocktake.objects.filter(warehouse=warehouse, note=STOCKTAKE_NOTE).exists():
        return
    short = Inbound.objects.get(warehouse=warehouse, note=APPLES[2].note).lot
    counts = []
    for lot in Lot.objects.filter(warehouse=warehouse, status=Lot.Status.IN_STOCK).order_by("pk"):
        counted = lot.on_hand - SHORT if lot.pk == short.pk else lot.on_hand
        counts.append({"lot": lot.public_id, "counted": counted})
    with demo_clock(_day(1, 16)):
        services.stocktake_record(
            actor=_staff(warehouse),
            warehouse_id=warehouse.public_id,
            counts=counts,
            note=STOCKTAKE_NOTE,
        )


def build_logistics() -> None:
    """Warehouses, the cooperative's apples, the eucalyptus boards (needs the companies,
    the catalog, the orders demo's wallets and 华南食品)."""
    needed = (COOP, STORE, FOOD, TIMBER, LINYI, PLATFORM)
    if any(_company(name) is None for name in needed):
        return
    if not Sku.objects.filter(seller__short_name=TIMBER, code=BOARDS).exists():
        return  # the catalog demo has not run
    with transaction.atomic():
        _linyi_sells()
        warehouses = _warehouses()
        apples = _own_sku(
            COOP,
            COOP_SKU,
            "apple",
            ("栖霞红富士苹果", "Qixia Red Fuji apples", "一级果 80#", "Grade 1, 80 mm"),
            "80# 纸箱装；果径 80 mm 以上",
            "t",
        )
        plywood = _own_sku(
            LINYI,
            LINYI_SKU,
            "timber-board",
            ("杨木胶合板", "Poplar plywood", "E1 级", "E1 grade"),
            "1220×2440×15 mm；临沂自产",
            "m3",
        )
        price_list = _coop_price_list(apples)
        _fund(COOP, "50000")
        _fund(FOOD, "400000")
        _fund(TIMBER, "100000")
        skus = {COOP_SKU: apples, LINYI_SKU: plywood}
        board = Sku.objects.get(seller__short_name=TIMBER, code=BOARDS)
        skus[BOARDS] = board
        cold = warehouses["qixia-cold"]
        for spec in APPLES:
            if not _booked(spec, cold):
                _apple_story(spec, cold, apples, price_list)
        for spec in BOARD_LOTS:
            warehouse = warehouses[spec.warehouse]
            if not _booked(spec, warehouse):
                _receive(spec, warehouse, skus[spec.sku])
        if not _booked(NEXT_WEEK, cold):
            _book(NEXT_WEEK, cold, apples, 0)
        _stocktake(cold)
        # The cooperative's new listing earns this month's listing points now, as the
        # demo's earlier listings did in build_standings: a second run adds none.
        listing_quality_award()
