"""A small commission world on top of the trading ``world`` (崇左糖厂 sells sugar to
华南食品): a partner agency 南宁拓客 with a rep (role field_rep) and its boss (manager), a
second partner with its own rep, the platform's own rep, a market whose target 华南食品
was opened by the partner's rep, and a 10 % plan. Orders are placed through trading's
services and paid from the buyer's wallet (real money, not the sandbox)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.fieldsales.models import CommissionPlan, Rep, Target, TargetMarket
from mercator.trading import services as trading
from mercator.trading.models import Order
from tests.conftest import master_of
from tests.factories import CompanyFactory, UserFactory, add_member
from tests.trading.conftest import World
from tests.trading.test_orders import fund, place


@dataclass
class Commission:
    w: World
    partner: Company
    boss: Membership  # the partner's manager
    rep_seat: Membership
    rep: Rep
    other: Company
    other_boss: Membership
    other_rep: Rep
    own_rep: Rep  # the platform's own
    plan: CommissionPlan
    target: Target
    operator: Actor

    def actor(self, membership: Membership) -> Actor:
        return actor_for_membership(membership, via="api")


def make_rep(company: Company, name: str, plan: CommissionPlan | None) -> Rep:
    seat = add_member(company, Role.FIELD_REP)
    return Rep.objects.create(membership=seat, company=company, name=name, plan=plan)


def build(w: World) -> Commission:
    partner = CompanyFactory(short_name="南宁拓客", kind=Company.Kind.BUYER)
    other = CompanyFactory(short_name="柳州拓客", kind=Company.Kind.BUYER)
    platform = CompanyFactory(short_name="平台", is_platform=True)
    plan = CommissionPlan.objects.create(name="标准分润", share_percent=Decimal("10"))
    rep = make_rep(partner, "李地推", plan)
    market = TargetMarket.objects.create(name="广东食品厂", province="广东")
    target = Target.objects.create(
        market=market,
        name=w.food.legal_name,
        company=w.food,
        match=Target.Match.OPENED,
        rep=rep,
        opened_by=rep,
        opened_at=timezone.now() - timedelta(days=1),
    )
    Target.objects.create(market=market, name="未开户的厂", rep=rep)
    ops = UserFactory(is_staff=True)
    return Commission(
        w=w,
        partner=partner,
        boss=master_of(partner),
        rep_seat=rep.membership,
        rep=rep,
        other=other,
        other_boss=master_of(other),
        other_rep=make_rep(other, "王地推", plan),
        own_rep=make_rep(platform, "平台地推", plan),
        plan=plan,
        target=target,
        operator=Actor(person=ops, via="api"),
    )


def paid_order(c: Commission, qty: str = "10") -> Order:
    """A prepaid order of 华南食品 from 崇左糖厂, paid from its wallet."""
    order = place(c.w, qty=qty)
    fund(c.w.food, str(order.total))
    trading.order_pay(actor=c.w.actor(c.w.food_boss), order_id=order.public_id, method="wallet")
    order.refresh_from_db()
    assert order.paid_at is not None
    return order


def cancel(c: Commission, order: Order) -> Order:
    trading.order_cancel(actor=c.w.actor(c.w.food_boss), order_id=order.public_id, reason="退单")
    order.refresh_from_db()
    return order


def month_after(months: int) -> datetime:
    """A moment ``months`` calendar months after this one's start (local time)."""
    first = timezone.localtime().replace(day=1, hour=1, minute=0, second=0, microsecond=0)
    for _i in range(months):
        first = (first + timedelta(days=32)).replace(day=1)
    return first


def month_of(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")
