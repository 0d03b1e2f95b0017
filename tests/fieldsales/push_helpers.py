"""A field rep for the sugar world of tests/trading/conftest.py: a partner company's
member with the role field_rep and a Rep row (built directly: the rep registry service
is another engineer's), a target market and a target matched to the food factory
(华南食品), held by the rep."""

from dataclasses import dataclass

from django.utils import timezone

from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.fieldsales.models import Rep, Target, TargetMarket
from tests.factories import CompanyFactory, add_member
from tests.trading.conftest import World, verify


@dataclass
class RepWorld:
    partner: Company
    rep_seat: Membership
    rep: Rep
    market: TargetMarket
    target: Target


def rep_world(world: World) -> RepWorld:
    partner = verify(CompanyFactory(short_name="南宁拓客"))
    seat = add_member(partner, Role.FIELD_REP)
    rep = Rep.objects.create(membership=seat, company=partner, name="韦地推")
    market = TargetMarket.objects.create(name="广东食品厂", province="广东")
    target = Target.objects.create(
        market=market,
        name=world.food.legal_name,
        company=world.food,
        match=Target.Match.OPENED,
        rep=rep,
        opened_at=timezone.now(),
        opened_by=rep,
    )
    return RepWorld(partner=partner, rep_seat=seat, rep=rep, market=market, target=target)
