"""Demo customers and their key persons (DOMAIN.md §1, §2): the sugar mill's clerk looks
after the food factories that buy its sugar, the Yantai cold store's clerk after fruit
wholesalers. Built through the services, as the clerks themselves would; running it
again adds nothing."""

from dataclasses import dataclass

from django.db import transaction

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Contact, Customer, Membership
from mercator.companies.services.customers import contact_create, customer_create


@dataclass(frozen=True)
class DemoContact:
    name: str
    title: str
    phone: str
    is_key_person: bool = False
    email: str = ""


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    province: str
    city: str
    phone: str
    notes: str
    contacts: tuple[DemoContact, ...]
    # The customer's own company when it is on the platform (by legal name).
    counterpart: str = ""


@dataclass(frozen=True)
class DemoBook:
    """The customers one member of one company looks after."""

    company: str
    owner_email: str
    customers: tuple[DemoCustomer, ...]


BOOKS: tuple[DemoBook, ...] = (
    DemoBook(
        "广西崇左甘蔗糖业有限公司",
        "sales@sugarmill.demo",
        (
            DemoCustomer(
                "广州华南食品有限公司",
                "广东",
                "广州",
                "020-3886 1200",
                "每月约 100 吨一级白砂糖，款到发货；旺季前备货。",
                (
                    DemoContact("林志强", "总经理", "139 2200 1001", True, "boss@foodfactory.demo"),
                    DemoContact(
                        "王采购", "采购员", "139 2200 1002", True, "buyer@foodfactory.demo"
                    ),
                    DemoContact("赵出纳", "出纳", "139 2200 1003"),
                ),
                counterpart="广州华南食品有限公司",
            ),
            DemoCustomer(
                "佛山好味食品厂",
                "广东",
                "佛山",
                "0757-8220 3300",
                "糕点厂，每月 30 吨左右，对价格敏感，可拼团采购。",
                (
                    DemoContact("何老板", "厂长", "138 2600 2001", True, "boss@haowei.demo"),
                    DemoContact("何小妹", "仓管", "138 2600 2002"),
                ),
                counterpart="佛山好味食品厂",
            ),
            DemoCustomer(
                "南宁甜心饮料有限公司",
                "广西",
                "南宁",
                "0771-550 8800",
                "尚未在平台开户；夏季用糖量翻倍。",
                (DemoContact("覃经理", "采购经理", "137 7100 3001", True),),
            ),
        ),
    ),
    DemoBook(
        "烟台栖霞苹果冷链仓储有限公司",
        "clerk@yantai-apple.demo",
        (
            DemoCustomer(
                "北京新发地鑫盛果品批发行",
                "北京",
                "丰台",
                "010-8372 4500",
                "红富士 80 果以上，冷库出货后三天到京。",
                (
                    DemoContact("马老板", "老板", "136 0110 4001", True),
                    DemoContact("马小军", "业务员", "136 0110 4002"),
                ),
            ),
            DemoCustomer(
                "广州江南市场粤丰果业商行",
                "广东",
                "广州",
                "020-8660 7700",
                "春节前集中要货，偏好礼盒装。",
                (
                    DemoContact("陈经理", "经理", "135 0200 5001", True),
                    DemoContact("小黄", "业务员", "135 0200 5002"),
                ),
            ),
            DemoCustomer(
                "上海辉展果品批发部",
                "上海",
                "浦东",
                "021-5890 6600",
                "走商超渠道，要求冷链全程温度记录。",
                (DemoContact("吴老板", "老板", "133 2100 6001", True),),
            ),
        ),
    ),
)


def _owner(book: DemoBook) -> Membership:
    seat = (
        Membership.objects.select_related("company", "person")
        .filter(company__legal_name=book.company, person__email=book.owner_email, is_active=True)
        .first()
    )
    if seat is None:
        raise LookupError(f"demo world not built: no active {book.owner_email} at {book.company}")
    return seat


def build_customers() -> None:
    """Add the demo customers and contacts that are missing (needs the demo world of
    ``demo.services.demo_build``)."""
    with transaction.atomic():
        for book in BOOKS:
            owner = _owner(book)
            actor = actor_for_membership(owner, via="system")
            for spec in book.customers:
                customer = Customer.objects.filter(company=owner.company, name=spec.name).first()
                if customer is None:
                    counterpart = (
                        Company.objects.filter(legal_name=spec.counterpart).first()
                        if spec.counterpart
                        else None
                    )
                    customer = customer_create(
                        actor=actor,
                        name=spec.name,
                        counterpart_id=counterpart.public_id if counterpart else None,
                        province=spec.province,
                        city=spec.city,
                        phone=spec.phone,
                        notes=spec.notes,
                    )
                if customer.owner_id != owner.pk:
                    continue  # the boss has given it to a colleague since: leave it be
                for person in spec.contacts:
                    if Contact.objects.filter(customer=customer, name=person.name).exists():
                        continue
                    contact_create(
                        actor=actor,
                        customer_id=customer.public_id,
                        name=person.name,
                        title=person.title,
                        phone=person.phone,
                        email=person.email,
                        is_key_person=person.is_key_person,
                    )
