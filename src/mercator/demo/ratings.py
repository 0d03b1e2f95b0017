"""Demo ratings and complaints (issue 11): the settled history orders of ``demo.orders``
rated by both sides the day after settlement, mostly well, the Yantai apples to 华南食品
only so-so (the cold chain arrived a day late); the latest settled sugar order is left
unrated, so 王采购's order page asks him to rate it. One complaint waits on the
operators' desk (/ops/complaints/): 华南食品 about the bruised apples; one was decided:
烟台苹果冷库's complaint of short eucalyptus boards, dismissed by the operator.

Everything goes through the services as the demo people, each on its own day
(``demo.clock``); a rating or complaint already there is skipped, so running it again
adds nothing. Needs the orders demo; without it it does nothing."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.demo.clock import demo_clock
from mercator.demo.orders import APPLES, FOOD, MILL, TIMBER
from mercator.trading.models import Complaint, Order, Rating
from mercator.trading.services.ratings import complaint_create, complaint_resolve, rating_create

# Who speaks for each company: 华南食品's buyer owns its orders; elsewhere the boss.
SPEAKERS = {FOOD: "buyer@foodfactory.demo"}
OPERATOR = "ops@mercator.demo"

# (order note, buyer, seller, buyer's stars and comment, seller's stars and comment)
RATINGS: tuple[tuple[str, str, str, dict[str, int], str, dict[str, int], str], ...] = (
    (
        "十月第一批白砂糖",
        FOOD,
        MILL,
        {"quality": 5, "delivery": 5, "service": 5},
        "品质稳定，按期到厂。",
        {"payment": 5, "service": 5},
        "付款及时。",
    ),
    (
        "十月第二批白砂糖，货到付款",
        FOOD,
        MILL,
        {"quality": 5, "delivery": 4, "service": 5},
        "",
        {"payment": 4, "service": 5},
        "到货后两天付清。",
    ),
    (
        "苹果派生产线用果",
        FOOD,
        APPLES,
        {"quality": 3, "delivery": 2, "service": 3},
        "冷链晚到一天，部分果面有压伤。",
        {"payment": 5, "service": 4},
        "",
    ),
    (
        "冷库托盘用桉木板",
        APPLES,
        TIMBER,
        {"quality": 4, "delivery": 5, "service": 4},
        "板材含水率略高，整体可用。",
        {"payment": 5, "service": 5},
        "",
    ),
    (
        "十一月第一批白砂糖",
        FOOD,
        MILL,
        {"quality": 5, "delivery": 5, "service": 4},
        "",
        {"payment": 5, "service": 5},
        "",
    ),
)
# (order note, buyer, seller, complaining side, category, text, ruling or None, note)
COMPLAINTS = (
    (
        "苹果派生产线用果",
        FOOD,
        APPLES,
        "buyer",
        Complaint.Category.QUALITY,
        "到货时约 5% 的果面有压伤，冷链记录显示途中断电 3 小时。",
        None,
        "",
    ),
    (
        "冷库托盘用桉木板",
        APPLES,
        TIMBER,
        "buyer",
        Complaint.Category.SHORT,
        "签收时清点少了 2 立方米。",
        Complaint.Status.DISMISSED,
        "核对磅单与签收单：数量一致，差额为堆码方式不同所致，投诉不成立。",
    ),
)


def _seat(company: Company) -> Actor | None:
    email = SPEAKERS.get(company.short_name)
    seats = Membership.objects.select_related("person", "company").filter(
        company=company, is_active=True
    )
    seat = (
        seats.filter(person__email=email).first()
        if email
        else seats.filter(role=Role.MASTER).first()
    )
    return actor_for_membership(seat, via="system") if seat else None


def _operator() -> Actor | None:
    seat = (
        Membership.objects.select_related("person", "company")
        .filter(person__email=OPERATOR, is_active=True)
        .first()
    )
    return actor_for_membership(seat, via="system") if seat else None


def _day_after(order: Order, hours: int) -> datetime | None:
    """``hours`` after settlement, or None (now) when that is not yet past."""
    if order.settled_at is None:
        return None
    moment = order.settled_at + timedelta(hours=hours)
    return moment if moment < timezone.now() else None


def _order(companies: dict[str, Company], note: str, buyer: str, seller: str) -> Order | None:
    if buyer not in companies or seller not in companies:
        return None
    return Order.objects.filter(
        buyer=companies[buyer], seller=companies[seller], note=note, status=Order.Status.SETTLED
    ).first()


def build_ratings() -> None:
    """Both sides' ratings of the history orders, one open and one decided complaint."""
    names = {FOOD, MILL, APPLES, TIMBER}
    companies = {c.short_name: c for c in Company.objects.filter(short_name__in=names)}
    with transaction.atomic():
        for note, buyer, seller, b_stars, b_comment, s_stars, s_comment in RATINGS:
            order = _order(companies, note, buyer, seller)
            if order is None:
                continue
            for side, company, stars, comment, hours in (
                ("buyer", companies[buyer], b_stars, b_comment, 20),
                ("seller", companies[seller], s_stars, s_comment, 26),
            ):
                actor = _seat(company)
                if actor is None or Rating.objects.filter(order=order, side=side).exists():
                    continue
                with demo_clock(_day_after(order, hours)):
                    rating_create(
                        actor=actor, order_id=order.public_id, stars=stars, comment=comment
                    )
        operator = _operator()
        for note, buyer, seller, side, category, text, ruling, ruling_note in COMPLAINTS:
            order = _order(companies, note, buyer, seller)
            if order is None or Complaint.objects.filter(order=order, side=side).exists():
                continue
            actor = _seat(companies[buyer if side == "buyer" else seller])
            if actor is None:
                continue
            with demo_clock(_day_after(order, 30)):
                complaint = complaint_create(
                    actor=actor, order_id=order.public_id, category=category, text=text
                )
            if ruling is not None and operator is not None:
                with demo_clock(_day_after(order, 74)):
                    complaint_resolve(
                        actor=operator,
                        complaint_id=complaint.public_id,
                        decision=ruling,
                        note=ruling_note,
                    )
