"""A small field-sales world others can reuse: a market (广西食品厂), the platform's own
company with its rep, a partner (南宁拓客) with its manager and rep, a second partner
(柳州地推) with its rep, an operator, and targets held by each rep (one unassigned).
Everything is made through the services."""

import io
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from openpyxl import Workbook

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.core.models import User
from mercator.fieldsales.models import Rep, Target, TargetMarket
from mercator.fieldsales.services.markets import market_create
from mercator.fieldsales.services.reps import rep_create
from mercator.fieldsales.services.targets import target_create, targets_assign
from tests.conftest import bearer_client
from tests.factories import PASSWORD, CompanyFactory, UserFactory, add_member


@dataclass
class FieldWorld:
    operator_user: User
    market: TargetMarket
    platform: Company
    platform_rep_seat: Membership
    platform_rep: Rep
    partner: Company
    partner_manager: Membership
    partner_rep_seat: Membership
    partner_rep: Rep
    other: Company
    other_rep_seat: Membership
    other_rep: Rep
    targets: dict[str, Target] = field(default_factory=dict)

    @property
    def operator(self) -> Actor:
        return Actor(person=self.operator_user, via="api")

    def actor(self, seat: Membership) -> Actor:
        return actor_for_membership(seat, via="api")

    def api(self, seat: Membership) -> Client:
        return bearer_client(seat)

    def web(self, seat: Membership) -> Client:
        client = Client()
        assert client.login(username=seat.person.email, password=PASSWORD)
        return client

    def operator_web(self) -> Client:
        client = Client()
        client.force_login(self.operator_user)
        return client

    def target(self, name: str, rep: Rep | None = None, **values: Any) -> Target:
        made = target_create(
            actor=self.operator, market_id=self.market.public_id, name=name, **values
        )
        if rep is not None:
            targets_assign(actor=self.operator, target_ids=[made.public_id], rep_id=rep.public_id)
            made.refresh_from_db()
        self.targets[name] = made
        return made


def _rep(operator: Actor, company: Company) -> tuple[Membership, Rep]:
    seat = add_member(company, Role.FIELD_REP)
    return seat, rep_create(actor=operator, membership_id=seat.public_id)


def field_world() -> FieldWorld:
    operator_user = UserFactory(is_staff=True)
    operator = Actor(person=operator_user, via="api")
    platform = CompanyFactory(short_name="平台自营", is_platform=True)
    partner = CompanyFactory(short_name="南宁拓客")
    other = CompanyFactory(short_name="柳州地推")
    market = market_create(actor=operator, name="广西食品厂", province="广西", industry="食品")
    platform_seat, platform_rep = _rep(operator, platform)
    partner_manager = add_member(partner, Role.MANAGER)
    partner_seat, partner_rep = _rep(operator, partner)
    other_seat, other_rep = _rep(operator, other)
    w = FieldWorld(
        operator_user=operator_user,
        market=market,
        platform=platform,
        platform_rep_seat=platform_seat,
        platform_rep=platform_rep,
        partner=partner,
        partner_manager=partner_manager,
        partner_rep_seat=partner_seat,
        partner_rep=partner_rep,
        other=other,
        other_rep_seat=other_seat,
        other_rep=other_rep,
    )
    w.target(
        "南宁甜蜜食品厂", partner_rep, city="南宁", monthly_need="1000000", expected_users="20"
    )
    w.target("柳州螺蛳粉厂", other_rep, city="柳州", monthly_need="300000", expected_users="8")
    w.target("桂林米粉厂", platform_rep, city="桂林", monthly_need="200000", expected_users="5")
    w.target("北海海鲜加工厂")  # unassigned
    return w


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    """A workbook with a header row and ``rows``, as people fill it."""
    wb = Workbook()
    ws = wb.active
    ws.append(
        header or ["企业名称", "统一社会信用代码", "省份", "城市", "规模", "月需求额", "应有用户数"]
    )
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
