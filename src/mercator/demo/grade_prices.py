"""Demo special prices (特价, DOMAIN.md §10): the sugar mill gives the sugar market's gold
members ("gold" grade, made by ``build_membership``) a "金牌会员特价" list on its white
sugar, a little under its standard list. Built through the pricing services, as the
mill's boss would; running it again adds nothing. Needs the pricing demo (the mill's
SKUs) and the sugar market's gold grade; without them, does nothing."""

from decimal import Decimal

from mercator.companies.models import Company
from mercator.demo.pricing import SELLER, _boss, _skus
from mercator.membership.models import Grade
from mercator.pricing import services
from mercator.pricing.models import PriceList

MARKET = "sugar"
GRADE = "gold"
LIST_NAME = "金牌会员特价"
PRIORITY = 30
LADDERS: dict[str, list[tuple[str, str]]] = {
    "一级白砂糖": [("0", "5120"), ("100", "5030"), ("1000", "4940")],
    "二级白砂糖": [("0", "4920"), ("100", "4830"), ("1000", "4740")],
}


def build_grade_prices() -> None:
    seller = Company.objects.filter(short_name=SELLER).first()
    grade = Grade.objects.filter(market__code=MARKET, code=GRADE).first()
    if seller is None or grade is None:
        return
    skus = _skus(seller)
    boss = _boss(seller)
    if not skus or boss is None:
        return
    price_list = PriceList.objects.filter(seller=seller, name=LIST_NAME).first()
    if price_list is None:
        price_list = services.price_list_create(
            actor=boss, name=LIST_NAME, grade_id=grade.public_id, priority=PRIORITY
        )
    for sugar_grade, ladder in LADDERS.items():
        sku = skus.get(sugar_grade)
        if sku is None:
            continue
        for min_qty, price in ladder:
            if not price_list.rules.filter(sku=sku, min_qty=Decimal(min_qty)).exists():
                services.price_rule_set(
                    actor=boss,
                    list_id=price_list.public_id,
                    sku_id=sku.public_id,
                    min_qty=min_qty,
                    unit_price=price,
                )
