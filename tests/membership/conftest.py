"""A sugar market with the demo's ladder (普通 / 银牌 / 金牌 / 黑卡, the black card
decaying after 270 idle days plus 90 days' grace), a buyer company and a second company."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from mercator.catalog.models import Market
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from mercator.core.models import User
from mercator.membership.models import Grade, PointEntry, Standing
from tests.conftest import master_of
from tests.factories import PASSWORD, CompanyFactory, UserFactory

T0 = datetime(2026, 1, 1, 4, 0, tzinfo=UTC)


@dataclass
class Ladder:
    market: Market
    plain: Grade
    silver: Grade
    gold: Grade
    black: Grade


def make_ladder(code: str = "sugar") -> Ladder:
    market, _ = Market.objects.get_or_create(
        code=code, defaults={"name": "食糖", "name_en": "Sugar"}
    )
    rows = [
        ("plain", "普通", "Standard", 0, "0", {}),
        ("silver", "银牌", "Silver", 1, "100", {}),
        ("gold", "金牌", "Gold", 2, "500", {}),
        ("black", "黑卡", "Black card", 3, "2000", {"idle_warn_days": 270, "idle_grace_days": 90}),
    ]
    grades = [
        Grade.objects.create(
            market=market,
            code=c,
            name=n,
            name_en=e,
            rank=r,
            colour=c,
            min_points=Decimal(p),
            **more,
        )
        for c, n, e, r, p, more in rows
    ]
    return Ladder(market, *grades)


@pytest.fixture
def ladder(db) -> Ladder:
    return make_ladder()


@pytest.fixture
def operator(db) -> User:
    return UserFactory(is_staff=True)


def operator_actor(user: User) -> Actor:
    return Actor(person=user, via="web")


def actor_of(membership: Membership) -> Actor:
    return actor_for_membership(membership, via="api")


def web_client(person: User) -> Client:
    client = Client()
    assert client.login(username=person.email, password=PASSWORD)
    return client


def grant(company: Company, market: Market, points: str, at: datetime, ref: str = "x") -> None:
    """Points as if a fact had been pushed (a paid membership line)."""
    PointEntry.objects.create(
        company=company,
        market=market,
        side="money",
        reason="membership_paid",
        value=Decimal(points),
        points=Decimal(points),
        ref=ref,
        dedupe_key=f"{company.pk}:{market.pk}:{ref}",
        occurred_at=at,
    )


def standing(company: Company, market: Market) -> Standing:
    return Standing.objects.select_related("grade").get(company=company, market=market)


def days(n: int) -> timedelta:
    return timedelta(days=n)


@pytest.fixture
def buyer(db) -> Company:
    return CompanyFactory(short_name="黑卡买家")


@pytest.fixture
def second(db) -> Company:
    return CompanyFactory(short_name="另一家")


__all__ = ["T0", "master_of"]
