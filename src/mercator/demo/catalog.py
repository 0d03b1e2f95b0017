"""The demo catalog (DOMAIN.md §6, §7): four markets with what their buyers value, their
categories, and the essay's goods: the Chongzuo sugar mill's white sugar, the platform's
own self-operated sugar, Yantai apples from the cold store and Guangxi eucalyptus boards.
Built through the services by the platform operator and each seller's boss; running it
again adds nothing."""

from dataclasses import dataclass

from django.db import transaction

from mercator.catalog import services
from mercator.catalog.models import Category, Market, Sku
from mercator.companies.actors import actor_for_membership, actor_for_person
from mercator.companies.models import Company
from mercator.companies.roles import Role
from mercator.core.models import User

MARKETS: tuple[tuple[str, str, str, list[str], str], ...] = (
    ("sugar", "食糖", "Sugar", ["better", "cheaper"], "白砂糖、绵白糖、原糖：品质和价格最要紧。"),
    ("fruit", "水果", "Fruit", ["faster", "better"], "鲜果冷链：交货快、品相好。"),
    ("timber", "木材", "Timber", ["cheaper", "more"], "板材原木：量大价省。"),
    ("lab", "实验室化学品", "Lab chemicals", ["more", "better"], "试剂耗材：品类全、纯度高。"),
)

# (market, code, name, name_en, parent code)
CATEGORIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("sugar", "sugar", "食糖", "Sugar", ""),
    ("sugar", "white-sugar", "白砂糖", "White granulated sugar", "sugar"),
    ("sugar", "raw-sugar", "原糖", "Raw sugar", "sugar"),
    ("fruit", "fruit-fresh", "鲜果", "Fresh fruit", ""),
    ("fruit", "apple", "苹果", "Apples", "fruit-fresh"),
    ("timber", "timber-board", "板材", "Boards", ""),
    ("timber", "eucalyptus-board", "桉木板材", "Eucalyptus boards", "timber-board"),
    ("lab", "reagent", "试剂", "Reagents", ""),
)


# English names of the demo's grades and warehouses (catalog.migrations.0003 fills the
# same ones into a demo built before the fields existed).
GRADES_EN: dict[str, str] = {
    "国标一级": "GB grade 1",
    "国标二级": "GB grade 2",
    "一级果 80#": "Grade 1, 80 mm",
    "AA 级": "Grade AA",
}
ORIGINS_EN: dict[str, str] = {
    "崇左糖厂成品仓": "Chongzuo mill finished-goods warehouse",
    "平台广州黄埔仓": "Platform warehouse, Huangpu, Guangzhou",
    "栖霞冷库": "Qixia cold store",
    "钦州港堆场": "Qinzhou port yard",
}


@dataclass(frozen=True)
class DemoGoods:
    seller: str  # short name
    category: str
    name: str
    name_en: str
    grade: str
    unit: str
    moq: str
    sku_code: str
    sku_name: str
    origin: str
    province: str
    city: str
    stock: str
    lead_days: int
    specification: str = ""


GOODS: tuple[DemoGoods, ...] = (
    DemoGoods(
        "崇左糖厂",
        "white-sugar",
        "一级白砂糖",
        "Grade 1 white sugar",
        "国标一级",
        "t",
        "10",
        "CZ-WS1-50KG",
        "50 kg 编织袋",
        "崇左糖厂成品仓",
        "广西",
        "崇左",
        "5000",
        3,
        "GB/T 317-2018 一级；蔗糖分 ≥ 99.6%",
    ),
    DemoGoods(
        "崇左糖厂",
        "white-sugar",
        "二级白砂糖",
        "Grade 2 white sugar",
        "国标二级",
        "t",
        "10",
        "CZ-WS2-50KG",
        "50 kg 编织袋",
        "崇左糖厂成品仓",
        "广西",
        "崇左",
        "5000",
        3,
        "GB/T 317-2018 二级",
    ),
    DemoGoods(
        "平台自营",
        "white-sugar",
        "一级白砂糖",
        "Grade 1 white sugar",
        "国标一级",
        "t",
        "5",
        "MX-WS1-50KG",
        "50 kg 编织袋",
        "平台广州黄埔仓",
        "广东",
        "广州",
        "800",
        2,
        "统一交易条件：平台仓提货或配送",
    ),
    DemoGoods(
        "烟台苹果冷库",
        "apple",
        "红富士苹果",
        "Red Fuji apples",
        "一级果 80#",
        "t",
        "1",
        "YT-FUJI-80",
        "80# 纸箱装",
        "栖霞冷库",
        "山东",
        "烟台",
        "1200",
        1,
        "果径 80 mm 以上，冷库恒温 0–1 ℃",
    ),
    DemoGoods(
        "钦州桉木",
        "eucalyptus-board",
        "桉木板材",
        "Eucalyptus boards",
        "AA 级",
        "m3",
        "20",
        "QZ-EU-18MM",
        "1220×2440×18 mm",
        "钦州港堆场",
        "广西",
        "钦州",
        "3000",
        14,
        "海运至山东 2–3 周，费用远低于公路",
    ),
)


def _operator() -> User | None:
    return User.objects.filter(email="ops@mercator.demo", is_staff=True).first()


def _boss(short_name: str) -> object | None:
    company = Company.objects.filter(short_name=short_name).first()
    if company is None:
        return None
    seat = company.memberships.filter(role=Role.MASTER, is_active=True).first()
    return actor_for_membership(seat, via="system") if seat else None


def build_catalog() -> None:
    """Markets, categories and the demo goods; safe to run again."""
    operator_user = _operator()
    if operator_user is None:
        return  # build_companies() makes the operator first
    operator = actor_for_person(operator_user, via="system")
    with transaction.atomic():
        for code, name, name_en, favours, description in MARKETS:
            if not Market.objects.filter(code=code).exists():
                services.market_create(
                    actor=operator,
                    code=code,
                    name=name,
                    name_en=name_en,
                    favours=favours,
                    description=description,
                )
        for market, code, name, name_en, parent in CATEGORIES:
            if not Category.objects.filter(code=code).exists():
                services.category_create(
                    actor=operator,
                    market_id=market,
                    code=code,
                    name=name,
                    name_en=name_en,
                    parent_id=parent or None,
                )
        for goods in GOODS:
            actor = _boss(goods.seller)
            if (
                actor is None
                or Sku.objects.filter(seller=actor.company, code=goods.sku_code).exists()
            ):
                continue
            product = services.product_create(
                actor=actor,
                category_id=goods.category,
                name=goods.name,
                name_en=goods.name_en,
                grade=goods.grade,
                grade_en=GRADES_EN.get(goods.grade, ""),
                specification=goods.specification,
                unit=goods.unit,
                min_order_qty=goods.moq,
            )
            sku = services.sku_create(
                actor=actor, product_id=product.public_id, code=goods.sku_code, name=goods.sku_name
            )
            services.listing_create(
                actor=actor,
                sku_id=sku.public_id,
                origin=goods.origin,
                origin_en=ORIGINS_EN.get(goods.origin, ""),
                province=goods.province,
                city=goods.city,
                stock=goods.stock,
                lead_days=goods.lead_days,
            )
