"""Demo field sales (DOMAIN.md §2): a Guangxi food-factory market (广西食品厂) of 40
targets, imported from an Excel file built here in memory through the import service; two
reps: the platform's own (rep@mercator.demo, 韦地推) and the partner 南宁拓客's
(rep@nanning-partner.demo, 黄地推; its boss boss@nanning-partner.demo manages him).

- The operator keeps the reasons against (a few per step) and splits the market between
  the two reps; they log visits and record key persons.
- 12 accounts opened (6 each), each a company whose boss accepted the invitation
  (login ``boss@<slug>.demo``, the demo password) and had it verified; 6 of them
  converted by real paid orders of 崇左糖厂's grade 1 sugar (placed through trading,
  paid from the wallet after a bank transfer into it), 2 of those bought again.
- One opened account was moved from the platform's rep to the partner's after opening;
  one target given up (lost) with its reason.

Every step goes through the services as the people concerned, on its own day
(``demo.clock``). Running it again adds nothing (the market is the marker). Needs the
companies, catalog and pricing demos (the mill's listing and standard price list)."""

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook

from mercator.catalog.models import Listing
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.companies.services.members import invitation_accept_as_newcomer
from mercator.core.actor import Actor
from mercator.demo.clock import demo_clock
from mercator.demo.services import DEMO_PASSWORD, DemoCompany, _verify, demo_credit_code
from mercator.fieldsales.models import Reason, Target, TargetMarket
from mercator.fieldsales.services.markets import market_create
from mercator.fieldsales.services.reasons import reason_create
from mercator.fieldsales.services.reps import rep_create
from mercator.fieldsales.services.target_import import COLUMNS, targets_import
from mercator.fieldsales.services.targets import (
    key_person_set,
    reason_record_create,
    target_assign,
    target_open_account,
    targets_assign,
)
from mercator.fieldsales.services.visits import visit_create
from mercator.payments.services.wallet import wallet_bank_deposit
from mercator.trading.models import CartItem
from mercator.trading.services import cart_add, cart_clear, order_pay, order_place_from_cart

MARKET = "广西食品厂"
OPERATOR = "ops@mercator.demo"
PLATFORM_REP = "rep@mercator.demo"
PARTNER_REP = "rep@nanning-partner.demo"
SUGAR = "CZ-WS1-50KG"  # 崇左糖厂's grade 1 white sugar, 50 kg bags
DIVISION = "450300"  # the made-up credit codes of the market's companies

# (name, city, size band, monthly need, expected users, slug for the boss's login or "")
TARGETS: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("南宁甜蜜食品厂", "南宁", "medium", "1000000", 20, "nanning-tianmi"),
    ("南宁绿城饮料有限公司", "南宁", "medium", "800000", 12, "lvcheng-drinks"),
    ("南宁邕江糕点厂", "南宁", "small", "150000", 6, "yongjiang-cakes"),
    ("南宁青秀月饼厂", "南宁", "small", "200000", 5, "qingxiu-mooncakes"),
    ("南宁五象罐头厂", "南宁", "medium", "300000", 8, "wuxiang-cans"),
    ("南宁良庆果脯厂", "南宁", "small", "120000", 4, "liangqing-fruit"),
    ("柳州螺蛳粉食品有限公司", "柳州", "large", "600000", 15, ""),
    ("柳州鱼峰调味品厂", "柳州", "small", "90000", 4, ""),
    ("柳州柳江糖果厂", "柳州", "medium", "500000", 10, ""),
    ("柳州城中饼干厂", "柳州", "small", "110000", 5, ""),
    ("桂林米粉食品有限公司", "桂林", "medium", "250000", 9, "guilin-rice-noodles"),
    ("桂林三花酒业有限公司", "桂林", "large", "900000", 18, "guilin-sanhua"),
    ("桂林漓江豆腐乳厂", "桂林", "small", "60000", 3, "lijiang-tofu"),
    ("桂林阳朔糕点厂", "桂林", "small", "80000", 3, "yangshuo-cakes"),
    ("桂林荔浦芋头食品厂", "桂林", "small", "70000", 4, "lipu-taro"),
    ("桂林恭城油茶食品厂", "桂林", "small", "50000", 3, "gongcheng-oil-tea"),
    ("梧州龟苓膏食品厂", "梧州", "medium", "400000", 8, ""),
    ("梧州六堡茶食品有限公司", "梧州", "small", "100000", 4, ""),
    ("玉林饼干食品厂", "玉林", "medium", "350000", 7, ""),
    ("玉林牛巴食品厂", "玉林", "small", "90000", 3, ""),
    ("北海海鲜加工厂", "北海", "medium", "150000", 6, ""),
    ("北海南珠糖水铺中央厨房", "北海", "small", "80000", 4, ""),
    ("钦州坭兴食品厂", "钦州", "small", "60000", 3, ""),
    ("钦州海鸭蛋食品厂", "钦州", "small", "50000", 3, ""),
    ("防城港罐头食品厂", "防城港", "medium", "280000", 6, ""),
    ("贵港糖果食品厂", "贵港", "medium", "450000", 9, ""),
    ("贵港桂平西山茶点厂", "贵港", "small", "70000", 3, ""),
    ("百色芒果干食品厂", "百色", "medium", "300000", 7, ""),
    ("百色田阳果汁厂", "百色", "medium", "500000", 10, ""),
    ("贺州腊味食品厂", "贺州", "small", "90000", 4, ""),
    ("河池巴马饮品有限公司", "河池", "medium", "600000", 12, ""),
    ("河池宜州糍粑厂", "河池", "small", "40000", 2, ""),
    ("来宾蔗香糕点厂", "来宾", "small", "110000", 4, ""),
    ("崇左龙州凉茶厂", "崇左", "small", "130000", 5, ""),
    ("崇左凭祥果脯厂", "崇左", "small", "90000", 3, ""),
    ("南宁武鸣沃柑食品厂", "南宁", "small", "100000", 4, ""),
    ("南宁横州茉莉花茶厂", "南宁", "medium", "200000", 6, ""),
    ("南宁宾阳酸粉厂", "南宁", "small", "60000", 3, ""),
    ("南宁上林山货食品厂", "南宁", "small", "50000", 2, ""),
    ("南宁马山黑山羊食品厂", "南宁", "small", "70000", 3, ""),
)
# The first half goes to the platform's rep, the second to the partner's; each opens
# the six targets with a slug (first 6 of the list: partner; the others: platform).
PARTNER_HALF = set(range(0, 6)) | set(range(17, 31))
CONVERTED = ("nanning-tianmi", "lvcheng-drinks", "wuxiang-cans", "guilin-rice-noodles",
             "guilin-sanhua", "lijiang-tofu")  # fmt: skip
REBOUGHT = ("nanning-tianmi", "guilin-sanhua")
MOVED = "lipu-taro"  # opened by the platform's rep, then moved to the partner's
LOST = "柳州鱼峰调味品厂"

REASONS: tuple[tuple[str, str, str], ...] = (
    ("coverage", "老板不愿意开户", "The boss does not want an account"),
    ("coverage", "联系不上关键人", "Cannot reach the key person"),
    ("conversion", "价格比现有供应商高", "Dearer than the current supplier"),
    ("conversion", "账期不够长", "Payment terms too short"),
    ("repurchase", "质量有投诉", "Complaints about quality"),
    ("repurchase", "一次买够了，库存还多", "Still has stock from the first order"),
    ("penetration", "其他部门不用平台", "Other departments do not use the platform"),
)


def _day(days_ago: int, hour: int = 10) -> datetime:
    now = timezone.localtime()
    return (now - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0, microsecond=0)


def _seat_actor(email: str) -> Actor | None:
    seat = (
        Membership.objects.select_related("person", "company")
        .filter(person__email=email, is_active=True)
        .first()
    )
    return actor_for_membership(seat, via="system") if seat else None


def _workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([str(label) for _key, label in COLUMNS])
    for i, (name, city, size, need, users, _slug) in enumerate(TARGETS, start=1):
        code = demo_credit_code(DIVISION, i) if i % 2 else ""  # half known by credit code
        ws.append([name, code, "广西", city, size, need, users, ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class _Opened:
    target: Target
    boss: Actor
    slug: str


def _open(rep: Actor, target: Target, slug: str, serial: int, days_ago: int) -> _Opened:
    """The rep opens the account, the boss accepts and the company is verified."""
    with demo_clock(_day(days_ago, 15)):
        target, _invitation, token = target_open_account(
            actor=rep,
            target_id=target.public_id,
            boss_email=f"boss@{slug}.demo",
            short_name=target.name.removesuffix("有限公司")[:20],
        )
    with demo_clock(_day(days_ago - 1, 9)):
        _person, seat = invitation_accept_as_newcomer(
            token=token,
            email=f"boss@{slug}.demo",
            password=DEMO_PASSWORD,
            display_name=f"{target.name[2:4]}老板",
        )
        company = target.company
        spec = DemoCompany(
            company.legal_name,
            company.short_name,
            company.kind,
            (),
            province=company.province,
            city=company.city,
            division=DIVISION,
        )
        _verify(spec, company, serial)
    return _Opened(target, actor_for_membership(seat, via="system"), slug)


def _buy(opened: _Opened, listing: Listing, tonnes: str, days_ago: int, note: str) -> None:
    buyer = _seat_actor(opened.boss.person.email)
    assert buyer is not None
    with demo_clock(_day(days_ago, 11)):
        if CartItem.objects.filter(membership=buyer.membership).exists():
            cart_clear(actor=buyer)
        cart_add(actor=buyer, listing_id=listing.public_id, quantity=tonnes)
        (order,) = order_place_from_cart(actor=buyer, delivery_method="pickup", note=note)
        order_pay(actor=buyer, order_id=order.public_id, method="wallet")


def build_fieldsales() -> None:
    """The market, its reps and their work (see the module's docstring); once."""
    if TargetMarket.objects.filter(name=MARKET).exists():
        return
    operator = _seat_actor(OPERATOR)
    platform_rep_actor = _seat_actor(PLATFORM_REP)
    partner_rep_actor = _seat_actor(PARTNER_REP)
    listing = Listing.objects.filter(sku__code=SUGAR, status=Listing.Status.ACTIVE).first()
    if None in (operator, platform_rep_actor, partner_rep_actor) or listing is None:
        return  # the companies or catalog demos are not built
    with demo_clock(_day(75, 9)):
        for position, (step, label, label_en) in enumerate(REASONS):
            reason_create(
                actor=operator, step=step, label=label, label_en=label_en, position=position
            )
        platform_rep = rep_create(actor=operator, email=PLATFORM_REP, phone="13907710001")
        partner_rep = rep_create(actor=operator, email=PARTNER_REP, phone="13907710002")
        market = market_create(
            actor=operator,
            name=MARKET,
            province="广西",
            industry="食品加工",
            description="广西区内用糖的食品厂：糕点、饮料、罐头、调味品。月需求额按食糖采购额估算。",
            category="white-sugar",
        )
    with demo_clock(_day(73, 10)):
        targets_import(actor=operator, market_id=market.public_id, content=_workbook())
    by_name = {t.name: t for t in Target.objects.filter(market=market)}
    ordered = [by_name[row[0]] for row in TARGETS]
    with demo_clock(_day(72, 10)):
        targets_assign(
            actor=operator,
            target_ids=[t.public_id for i, t in enumerate(ordered) if i in PARTNER_HALF],
            rep_id=partner_rep.public_id,
        )
        targets_assign(
            actor=operator,
            target_ids=[t.public_id for i, t in enumerate(ordered) if i not in PARTNER_HALF],
            rep_id=platform_rep.public_id,
        )
    reps = {partner_rep.pk: partner_rep_actor, platform_rep.pk: platform_rep_actor}
    # Visits and key persons on the first 16 targets (and the lost one).
    for i, target in enumerate([*ordered[:16], by_name[LOST]]):
        rep = reps[Target.objects.get(pk=target.pk).rep_id]
        with demo_clock(_day(70 - i // 2, 14)):
            key = key_person_set(
                actor=rep,
                target_id=target.public_id,
                rank=1,
                name=f"{target.name[2:3]}总",
                role="总经理",
                phone=f"1397710{i:04d}",
            )
            if i % 3 == 0:
                key_person_set(
                    actor=rep, target_id=target.public_id, rank=2, name="采购主管", role="采购"
                )
            visit_create(
                actor=rep,
                target_id=target.public_id,
                visited_on=timezone.localdate(),
                met="",
                key_person_id=key.public_id,
                outcome="positive" if i % 4 else "neutral",
                summary="介绍平台的价格和账期，对比他们现在的供应商。",
                next_step="带开户资料再去一次",
                next_on=timezone.localdate() + timedelta(days=7),
            )
    # Twelve accounts opened, each by the rep who holds the target.
    opened: dict[str, _Opened] = {}
    for i, row in enumerate(TARGETS):
        slug = row[5]
        if not slug:
            continue
        target = ordered[i]
        rep = reps[Target.objects.get(pk=target.pk).rep_id]
        opened[slug] = _open(rep, target, slug, serial=i + 1, days_ago=60 - len(opened))
    # One account moved from the platform's rep to the partner's after it was opened.
    with demo_clock(_day(45, 10)):
        target_assign(
            actor=operator,
            target_id=opened[MOVED].target.public_id,
            rep_id=partner_rep.public_id,
        )
    # Six converted by real paid orders of the mill's sugar; two bought again.
    for n, slug in enumerate(CONVERTED):
        company: Company = opened[slug].target.company
        with demo_clock(_day(44, 9)):
            wallet_bank_deposit(
                company=company,
                amount=Decimal("200000.00"),
                bank_reference=f"demo-fieldsales-funds:{company.public_id}",
                memo="demo bank transfer into the wallet",
            )
        _buy(opened[slug], listing, "10", 40 - n, "地推开户后的第一单")
    for slug in REBOUGHT:
        _buy(opened[slug], listing, "20", 6, "复购")
    # One given up, with its reason.
    lost = by_name[LOST]
    rep = reps[Target.objects.get(pk=lost.pk).rep_id]
    with demo_clock(_day(50, 16)):
        reason_record_create(
            actor=rep,
            target_id=lost.public_id,
            step="coverage",
            reason_id=Reason.objects.get(step="coverage", label="老板不愿意开户").public_id,
            text="老板只从本地经销商拿货，不愿意开户。",
            lost=True,
        )
