from dataclasses import dataclass

import pytest
from django.test import Client

from mercator.catalog.models import Market
from mercator.community import services
from mercator.community.models import Board
from mercator.companies.actors import actor_for_membership, actor_for_person
from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from tests.factories import PASSWORD, CompanyFactory, UserFactory, add_member


@dataclass
class World:
    market: Market
    board: Board
    general: Board
    mill: Membership  # the seller's sales member
    buyer: Membership  # a food factory's buyer
    buyer_mate: Membership  # a colleague of the buyer, same company
    trader: Membership  # a third company's member
    ops: object  # the operator (a person)

    def actor(self, seat: Membership, via: str = "api") -> Actor:
        return actor_for_membership(seat, via=via)

    @property
    def ops_actor(self) -> Actor:
        return actor_for_person(self.ops, via="api")


def web_client(person: object) -> Client:
    client = Client()
    assert client.login(username=person.email, password=PASSWORD)
    return client


@pytest.fixture
def world(db) -> World:
    market = Market.objects.create(code="sugar", name="食糖", name_en="Sugar")
    companies = []
    for name in ("广西糖厂", "华南食品", "北方贸易"):
        company = CompanyFactory(short_name=name, legal_name=f"{name}有限公司")
        Company.objects.filter(pk=company.pk).update(
            verification_status=Company.Verification.VERIFIED
        )
        companies.append(company)
    mill = add_member(
        companies[0], person=UserFactory(display_name="王销售", email="wang@mill.test")
    )
    buyer = add_member(
        companies[1], person=UserFactory(display_name="李采购", email="li@food.test")
    )
    mate = add_member(companies[1])
    trader = add_member(companies[2], person=UserFactory(display_name="赵老板"))
    ops = UserFactory(is_staff=True, display_name="运营小周")
    ops_actor = actor_for_person(ops, via="api")
    board = services.board_create(
        actor=ops_actor, name="食糖", name_en="Sugar", market_id=market.public_id
    )
    general = services.board_create(actor=ops_actor, name="综合", name_en="General")
    return World(market, board, general, mill, buyer, mate, trader, ops)
