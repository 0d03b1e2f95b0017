"""Demo prices (DOMAIN.md §3): the sugar mill prices its white sugar by customer class
(chains and large buyers, small food factories), by quantity, by payment terms and by
freight from its Chongzuo warehouse. 华南食品 (a large buyer) also has its own agreed
price. Built through the pricing services, as the mill's boss would; running it again
adds nothing. Needs the catalog demo (the mill's SKUs); without it, does nothing."""

from decimal import Decimal

from mercator.catalog.models import Listing, Sku
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.pricing import services
from mercator.pricing.models import (
    CustomerClass,
    CustomerClassAssignment,
    CustomerPrice,
    FreightRate,
    PriceList,
)

SELLER = "崇左糖厂"
GRADES = ("一级白砂糖", "二级白砂糖")
CLASSES = (("chain", "连锁大客户"), ("small", "中小食品厂"))
MEMBERS = (("华南食品", "chain"), ("好味食品", "small"))
# list name -> (class code or None, priority, {grade: [(from tonnes, price per tonne)]})
LISTS: dict[str, tuple[str | None, int, dict[str, list[tuple[str, str]]]]] = {
    "标准价": (
        None,
        100,
        {
            "一级白砂糖": [("0", "5200"), ("100", "5100"), ("1000", "5000")],
            "二级白砂糖": [("0", "5000"), ("100", "4900"), ("1000", "4800")],
        },
    ),
    "连锁大客户价": (
        "chain",
        10,
        {
            "一级白砂糖": [("0", "5150"), ("100", "5050"), ("1000", "4950")],
            "二级白砂糖": [("0", "4950"), ("100", "4850"), ("1000", "4750")],
        },
    ),
    "中小食品厂价": (
        "small",
        20,
        {
            "一级白砂糖": [("0", "5200"), ("50", "5150"), ("200", "5080")],
        },
    ),
}
# 华南食品's own agreed price for grade 1 (a yearly contract).
CUSTOMER_PRICES = (("华南食品", "一级白砂糖", [("0", "5080"), ("500", "4990")]),)
FREIGHT = (("广东", "120", "2000"), ("山东", "260", "0"))
DEFAULT_ORIGIN = "崇左仓"


def _boss(seller: Company) -> Actor | None:
    seat = (
        Membership.objects.select_related("person", "company")
        .filter(company=seller, role=Role.MASTER, is_active=True)
        .first()
    )
    return actor_for_membership(seat, via="system") if seat else None


def _skus(seller: Company) -> dict[str, Sku]:
    found: dict[str, Sku] = {}
    for grade in GRADES:
        sku = (
            Sku.objects.filter(seller=seller, product__name__contains=grade).order_by("pk").first()
        )
        if sku is not None:
            found[grade] = sku
    return found


def build_pricing() -> None:
    seller = Company.objects.filter(short_name=SELLER).first()
    if seller is None:
        return
    skus = _skus(seller)
    boss = _boss(seller)
    if not skus or boss is None:
        return  # the catalog demo has not run
    classes: dict[str, CustomerClass] = {}
    for code, name in CLASSES:
        klass = CustomerClass.objects.filter(seller=seller, code=code).first()
        classes[code] = klass or services.customer_class_create(actor=boss, code=code, name=name)
    for short_name, code in MEMBERS:
        buyer = Company.objects.filter(short_name=short_name).first()
        if (
            buyer
            and not CustomerClassAssignment.objects.filter(seller=seller, buyer=buyer).exists()
        ):
            services.class_assignment_set(
                actor=boss, buyer_id=buyer.public_id, class_id=classes[code].public_id
            )
    for name, (code, priority, ladders) in LISTS.items():
        price_list = PriceList.objects.filter(seller=seller, name=name).first()
        if price_list is None:
            price_list = services.price_list_create(
                actor=boss,
                name=name,
                customer_class_id=classes[code].public_id if code else None,
                priority=priority,
            )
        for grade, ladder in ladders.items():
            if grade not in skus:
                continue
            for min_qty, price in ladder:
                if not price_list.rules.filter(sku=skus[grade], min_qty=Decimal(min_qty)).exists():
                    services.price_rule_set(
                        actor=boss,
                        list_id=price_list.public_id,
                        sku_id=skus[grade].public_id,
                        min_qty=min_qty,
                        unit_price=price,
                    )
    for short_name, grade, ladder in CUSTOMER_PRICES:
        buyer = Company.objects.filter(short_name=short_name).first()
        if buyer is None or grade not in skus:
            continue
        for min_qty, price in ladder:
            if not CustomerPrice.objects.filter(
                seller=seller, buyer=buyer, sku=skus[grade], min_qty=Decimal(min_qty)
            ).exists():
                services.customer_price_create(
                    actor=boss,
                    buyer_id=buyer.public_id,
                    sku_id=skus[grade].public_id,
                    min_qty=min_qty,
                    unit_price=price,
                )
    services.terms_policy_set(
        actor=boss,
        credit_annual_percent=Decimal("6"),
        max_credit_days=90,
        prepaid_discount_percent=Decimal("1"),
        cod_surcharge_percent=Decimal("0"),
    )
    origins = set(
        Listing.objects.filter(sku__in=skus.values()).values_list("origin", flat=True)
    ) or {DEFAULT_ORIGIN}
    for origin in sorted(origins):
        for province, per_unit, minimum in FREIGHT:
            if not FreightRate.objects.filter(
                seller=seller, origin=origin, destination_province=province
            ).exists():
                services.freight_rate_create(
                    actor=boss,
                    origin=origin,
                    destination_province=province,
                    per_unit=per_unit,
                    minimum=minimum,
                )
