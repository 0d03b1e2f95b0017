"""Referrals (推荐买家): a company's opaque referral code, the referrer recorded at sign-up
(web page and API), the referrer's effort points when the referred buyer's first order
settles in a market (once), and who may see the link and the counts."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Notification
from mercator.companies.roles import Role
from mercator.companies.services.referrals import referral_code_ensure, referral_record
from mercator.core.actor import SYSTEM
from mercator.core.errors import Conflict, PermissionDenied, ValidationFailed
from mercator.core.models import AuditEntry, User
from mercator.membership.models import PointEntry
from mercator.trading import services
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, CompanyFactory, add_member
from tests.membership.conftest import make_ladder
from tests.trading.conftest import world  # noqa: F401
from tests.trading.test_orders import pay_by_gateway, place

JSON = "application/json"
NEWCOMER = {"email": "boss@tian.example", "password": "a long sweet password", "display_name": "甜"}
NEW_COMPANY = {"legal_name": "南宁甜蜜食品有限公司", "short_name": "甜蜜食品", "kind": "buyer"}


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    cache.clear()


def code_of(company: Company) -> str:
    return referral_code_ensure(actor=actor_for_membership(master_of(company), via="web"))


def web_register(client: Client, ref: str) -> object:
    data = {
        "person-display_name": "韦老板",
        "person-email": "wei@example.com",
        "person-password": "a-strong-passphrase-2026",
        "company-legal_name": "广西钦州测试食品有限公司",
        "company-short_name": "测试食品",
        "company-kind": "buyer",
        "company-size_band": "small",
        "ref": ref,
    }
    return client.post("/register/", data, follow=True)


def api_register(code: str) -> object:
    body = {"person": NEWCOMER, "company": NEW_COMPANY, "referral_code": code}
    return Client().post("/api/v1/auth/register", data=body, content_type=JSON)


# The code -------------------------------------------------------------------------------


def test_the_code_is_opaque_made_once_and_for_managers_only(db):
    company = CompanyFactory()
    code = code_of(company)
    assert len(code) == 10 and code != str(company.public_id)
    assert code_of(company) == code  # made on demand, then kept
    assert AuditEntry.objects.filter(action="company.referral_code").count() == 1
    clerk = add_member(company, Role.SALES)
    with pytest.raises(PermissionDenied):
        referral_code_ensure(actor=actor_for_membership(clerk, via="web"))


# Registering through it -----------------------------------------------------------------


def test_web_sign_up_through_the_link_records_the_referrer(db):
    referrer = CompanyFactory(short_name="推荐人")
    code = code_of(referrer)
    client = Client()
    page = client.get(f"/register/?ref={code}")
    assert page.status_code == 200 and "推荐人" in page.content.decode()
    response = web_register(client, code)
    assert response.status_code == 200
    company = Company.objects.get(short_name="测试食品")
    assert company.referred_by == referrer and company.referred_at is not None


def test_web_sign_up_with_a_garbage_code_goes_on_without_it(db):
    CompanyFactory()
    client = Client()
    page = client.get("/register/?ref=NOSUCHCODE1")
    assert page.status_code == 200 and "推荐链接无效" in page.content.decode()
    response = web_register(client, "<script>x</script>")
    assert "推荐链接无效" in response.content.decode()
    company = Company.objects.get(short_name="测试食品")
    assert company.referred_by is None


def test_api_register_with_a_code_records_the_referrer(db):
    referrer = CompanyFactory()
    response = api_register(code_of(referrer).lower())  # typed by hand: case does not matter
    assert response.status_code == 201, response.content
    company = Company.objects.get(public_id=response.json()["company"]["id"])
    assert company.referred_by == referrer


@pytest.mark.parametrize("code", ["NOSUCHCODE", "x", "'; drop table", "A" * 32])
def test_api_register_with_an_unknown_code_is_422_and_writes_nothing(db, code):
    CompanyFactory()
    counts = User.objects.count(), Company.objects.count(), AuditEntry.objects.count()
    response = api_register(code)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "unknown_referral"
    assert (User.objects.count(), Company.objects.count(), AuditEntry.objects.count()) == counts


def test_a_company_cannot_refer_itself_and_the_referrer_is_fixed(db):
    company, other, third = CompanyFactory(), CompanyFactory(), CompanyFactory()
    with pytest.raises(ValidationFailed) as exc:
        referral_record(actor=SYSTEM, company=company, referrer=company)
    assert exc.value.code == "self_referral"
    # The same boss's other company is the same people: refused too.
    own_second = CompanyFactory(master=master_of(company).person)
    with pytest.raises(ValidationFailed):
        referral_record(actor=SYSTEM, company=own_second, referrer=company)
    referral_record(actor=SYSTEM, company=company, referrer=other)
    referral_record(actor=SYSTEM, company=company, referrer=other)  # again: no change
    with pytest.raises(Conflict) as exc:
        referral_record(actor=SYSTEM, company=company, referrer=third)
    assert exc.value.code == "referrer_fixed"
    company.refresh_from_db()
    assert company.referred_by == other
    assert AuditEntry.objects.filter(action="company.referred").count() == 1
    # Nobody but the company's own boss (or the platform) records its referrer.
    with pytest.raises(PermissionDenied):
        referral_record(
            actor=actor_for_membership(master_of(third), via="web"),
            company=own_second,
            referrer=third,
        )


# Points ---------------------------------------------------------------------------------


def settle(world, order) -> None:  # noqa: F811
    pay_by_gateway(world, order)
    services.order_ship(actor=world.actor(world.mill_clerk), order_id=order.public_id)
    services.order_auto_settle_sweep(now=timezone.now() + timedelta(days=11))
    order.refresh_from_db()
    assert order.status == "settled"


def test_the_referrer_earns_once_when_the_referred_buyer_first_settles(world):  # noqa: F811
    make_ladder(world.listing.market.code)
    referrer = CompanyFactory(short_name="推荐人")
    referral_record(actor=SYSTEM, company=world.food, referrer=referrer)
    first = place(world)
    pay_by_gateway(world, first)
    # Placed and paid, not settled: nothing yet.
    assert not PointEntry.objects.filter(reason="buyer_referred").exists()
    services.order_ship(actor=world.actor(world.mill_clerk), order_id=first.public_id)
    services.order_auto_settle_sweep(now=timezone.now() + timedelta(days=11))
    entries = PointEntry.objects.filter(reason="buyer_referred")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.company == referrer and entry.side == "effort"
    assert entry.market == world.listing.market and entry.ref == f"company:{world.food.public_id}"
    boss = master_of(referrer).person
    notes = Notification.objects.filter(person=boss, kind="membership.referral")
    assert notes.count() == 1 and "华南食品" in notes.get().title
    settle(world, place(world))  # a second order: no second entry, no second notice
    assert PointEntry.objects.filter(reason="buyer_referred").count() == 1
    assert notes.count() == 1
    # The seller was not referred by anyone: only the buyer side counts.
    assert not PointEntry.objects.filter(reason="buyer_referred", company=world.mill).exists()


def test_no_points_without_a_referrer(world):  # noqa: F811
    make_ladder(world.listing.market.code)
    settle(world, place(world))
    assert not PointEntry.objects.filter(reason="buyer_referred").exists()


# What the referrer sees -----------------------------------------------------------------


def test_the_api_shows_only_the_own_companys_referrals(world):  # noqa: F811
    make_ladder(world.listing.market.code)
    referrer = CompanyFactory(short_name="推荐人")
    referral_record(actor=SYSTEM, company=world.food, referrer=referrer)
    referral_record(actor=SYSTEM, company=world.outsider, referrer=referrer)
    settle(world, place(world))
    body = bearer_client(master_of(referrer)).get("/api/v1/membership/referrals").json()
    assert body["referred_count"] == 2 and body["traded_count"] == 1
    assert body["code"] and body["link"].endswith(f"/register/?ref={body['code']}")
    traded = {r["name"]: r["traded"] for r in body["referred"]}
    assert traded == {"华南食品": True, world.outsider.short_name: False}
    # Another company reads its own (none), never the referrer's.
    other = bearer_client(world.food_boss).get("/api/v1/membership/referrals").json()
    assert other["referred_count"] == 0 and other["referred"] == []
    assert other["code"] != body["code"]
    # A clerk without company.manage sees nothing.
    clerk = bearer_client(world.mill_clerk).get("/api/v1/membership/referrals")
    assert clerk.status_code == 403


def test_the_membership_page_shows_the_link_to_managers_only(world):  # noqa: F811
    make_ladder(world.listing.market.code)
    referral_record(actor=SYSTEM, company=world.outsider, referrer=world.mill)
    boss = Client()
    assert boss.login(username=world.mill_boss.person.email, password=PASSWORD)
    page = boss.get("/membership/").content.decode()
    assert 'data-testid="referral-link"' in page and "/register/?ref=" in page
    assert 'data-testid="referred-count">1<' in page and 'data-testid="traded-count">0<' in page
    assert world.outsider.short_name in page
    clerk = Client()
    assert clerk.login(username=world.mill_clerk.person.email, password=PASSWORD)
    page = clerk.get("/membership/").content.decode()
    assert "referral-link" not in page and world.outsider.short_name not in page


def test_the_demo_mill_referred_the_small_food_factory_once(db):
    from mercator.demo.build import demo_build

    demo_build()
    demo_build()
    mill = Company.objects.get(short_name="崇左糖厂")
    assert Company.objects.get(short_name="好味食品").referred_by == mill
    assert AuditEntry.objects.filter(action="company.referred").count() == 1
    boss = Client()
    assert boss.login(username=master_of(mill).person.email, password="mercator-demo")
    page = boss.get("/membership/").content.decode()
    assert 'data-testid="referred-count">1<' in page and 'data-testid="traded-count">0<' in page
    assert "好味食品" in page
