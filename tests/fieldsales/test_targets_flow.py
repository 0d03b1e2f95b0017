"""Assignment and reassignment (the history kept), opening an account (a company and an
invitation to its boss; opened_at and opened_by), key persons, visits, reasons against,
the reps' registry and the operator's reasons list."""

import datetime

import pytest
from django.utils import timezone

from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.companies.services.members import invitation_accept_as_newcomer
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.core.models import AuditEntry
from mercator.fieldsales.models import Assignment, KeyPerson, ReasonRecord, Rep, Target, Visit
from mercator.fieldsales.services.reasons import reason_create, reason_update
from mercator.fieldsales.services.reps import rep_create, rep_update
from mercator.fieldsales.services.targets import (
    key_person_set,
    reason_record_create,
    target_assign,
    target_create,
    target_open_account,
)
from mercator.fieldsales.services.visits import visit_create
from tests.factories import CompanyFactory, add_member
from tests.fieldsales.world import FieldWorld, field_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> FieldWorld:
    return field_world()


def test_reassignment_keeps_the_history(w):
    target = w.targets["北海海鲜加工厂"]
    target_assign(actor=w.operator, target_id=target.public_id, rep_id=w.partner_rep.public_id)
    target_assign(actor=w.operator, target_id=target.public_id, rep_id=w.other_rep.public_id)
    history = list(Assignment.objects.filter(target=target).order_by("start", "pk"))
    assert [a.rep for a in history] == [w.partner_rep, w.other_rep]
    assert history[0].end is not None and history[0].end == history[1].start
    assert history[1].end is None
    target.refresh_from_db()
    assert target.rep == w.other_rep
    # The old rep no longer sees it; the new one does.
    assert (
        w.api(w.partner_rep_seat).get(f"/api/v1/fieldsales/targets/{target.public_id}").status_code
        == 404
    )
    detail = w.api(w.other_rep_seat).get(f"/api/v1/fieldsales/targets/{target.public_id}").json()
    assert [a["rep"]["id"] for a in detail["assignments"]] == [
        str(w.partner_rep.public_id),
        str(w.other_rep.public_id),
    ]
    # Assigning to the rep who holds it changes nothing.
    target_assign(actor=w.operator, target_id=target.public_id, rep_id=w.other_rep.public_id)
    assert Assignment.objects.filter(target=target).count() == 2


def test_a_manager_moves_targets_between_his_own_reps_only(w):
    second_seat = add_member(w.partner, Role.FIELD_REP)
    second = rep_create(actor=w.actor(w.partner_manager), membership_id=second_seat.public_id)
    assert second.company == w.partner
    manager = w.actor(w.partner_manager)
    mine = w.targets["南宁甜蜜食品厂"]
    target_assign(actor=manager, target_id=mine.public_id, rep_id=second.public_id)
    assert Target.objects.get(pk=mine.pk).rep == second
    with pytest.raises(NotFound):  # another partner's rep is not his to assign to
        target_assign(actor=manager, target_id=mine.public_id, rep_id=w.other_rep.public_id)
    with pytest.raises(NotFound):  # nor another partner's target
        target_assign(
            actor=manager,
            target_id=w.targets["柳州螺蛳粉厂"].public_id,
            rep_id=second.public_id,
        )
    with pytest.raises(PermissionDenied):  # a rep does not assign
        target_assign(actor=w.actor(second_seat), target_id=mine.public_id, rep_id=second.public_id)


def test_reassignment_through_the_page(w):
    target = w.targets["北海海鲜加工厂"]
    client = w.operator_web()
    response = client.post(
        f"/fieldsales/targets/{target.public_id}/assign/", {"rep": str(w.platform_rep.public_id)}
    )
    assert response.status_code == 302
    response = client.post(
        "/fieldsales/targets/assign/",
        {"targets": [str(target.public_id)], "rep": str(w.partner_rep.public_id)},
    )
    assert response.status_code == 302
    page = client.get(f"/fieldsales/targets/{target.public_id}/").content.decode()
    assert page.count('data-testid="assignment"') == 2


def test_opening_an_account_creates_the_company_and_the_invitation(w):
    target = w.targets["南宁甜蜜食品厂"]
    rep = w.actor(w.partner_rep_seat)
    companies = Company.objects.count()
    target, invitation, token = target_open_account(
        actor=rep,
        target_id=target.public_id,
        boss_email="Boss@Tianmi.example",
        short_name="甜蜜食品",
    )
    assert Company.objects.count() == companies + 1
    company = target.company
    assert (company.legal_name, company.short_name, company.kind) == (
        "南宁甜蜜食品厂",
        "甜蜜食品",
        "buyer",
    )
    assert company.province == "广西" and company.city == "南宁"
    assert target.match == "opened" and target.opened_by == w.partner_rep
    assert target.opened_at is not None and abs(timezone.now() - target.opened_at).seconds < 60
    assert (invitation.company, invitation.email, invitation.role) == (
        company,
        "boss@tianmi.example",
        Role.MASTER,
    )
    assert invitation.invited_by == w.partner_rep_seat
    assert not Membership.objects.filter(company=company).exists()  # until the boss accepts
    assert AuditEntry.objects.filter(action="target.open_account").count() == 1
    # The boss accepts and becomes the master account.
    _person, seat = invitation_accept_as_newcomer(
        token=token,
        email="boss@tianmi.example",
        password="a long pass phrase 42",
        display_name="甜老板",
    )
    assert seat.company == company and seat.role == Role.MASTER
    # Once open, never twice.
    with pytest.raises(Conflict):
        target_open_account(actor=rep, target_id=target.public_id, boss_email="x@example.com")


def test_who_may_open_an_account_and_what_is_refused(w):
    target = w.targets["南宁甜蜜食品厂"]
    for actor, error in (
        (w.actor(w.other_rep_seat), NotFound),  # another partner's rep
        (w.actor(w.partner_manager), PermissionDenied),  # his manager: the rep opens
        (w.operator, PermissionDenied),
    ):
        with pytest.raises(error):
            target_open_account(actor=actor, target_id=target.public_id, boss_email="b@x.example")
    rep = w.actor(w.partner_rep_seat)
    with pytest.raises(ValidationFailed):
        target_open_account(actor=rep, target_id=target.public_id, boss_email="")
    CompanyFactory(legal_name="南宁甜蜜食品厂", short_name="已注册")  # joined since the import
    with pytest.raises(Conflict):
        target_open_account(actor=rep, target_id=target.public_id, boss_email="b@x.example")
    target.refresh_from_db()
    assert target.company is None and target.opened_at is None


def test_opening_through_the_page_and_the_api(w):
    web = w.web(w.partner_rep_seat)
    target = w.targets["南宁甜蜜食品厂"]
    page = web.get(f"/fieldsales/targets/{target.public_id}/").content.decode()
    assert 'data-testid="open-account"' in page
    bad = web.post(f"/fieldsales/targets/{target.public_id}/open/", {"boss_email": ""})
    assert bad.status_code == 422
    done = web.post(
        f"/fieldsales/targets/{target.public_id}/open/",
        {"boss_email": "boss@tianmi.example", "kind": "buyer"},
    )
    assert done.status_code == 302
    assert Target.objects.get(pk=target.pk).opened_by == w.partner_rep
    platform_target = w.targets["桂林米粉厂"]
    response = w.api(w.platform_rep_seat).post(
        f"/api/v1/fieldsales/targets/{platform_target.public_id}/open-account",
        {"boss_email": "boss@guilin.example"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["target"]["match"] == "opened"
    assert response.json()["target"]["opened_by"]["id"] == str(w.platform_rep.public_id)


def test_key_persons_and_visits(w):
    target = w.targets["南宁甜蜜食品厂"]
    rep = w.actor(w.partner_rep_seat)
    key = key_person_set(actor=rep, target_id=target.public_id, rank=1, name="黄厂长", role="厂长")
    key_person_set(
        actor=rep, target_id=target.public_id, rank="2", name="李采购", phone="13800000000"
    )
    key_person_set(actor=rep, target_id=target.public_id, rank=1, name="黄总", role="总经理")
    assert list(KeyPerson.objects.filter(target=target).values_list("rank", "name")) == [
        (1, "黄总"),
        (2, "李采购"),
    ]
    with pytest.raises(ValidationFailed):
        key_person_set(actor=rep, target_id=target.public_id, rank=3, name="x")
    with pytest.raises(PermissionDenied):
        key_person_set(actor=w.operator, target_id=target.public_id, rank=1, name="x")
    today = timezone.localdate()
    visit = visit_create(
        actor=rep,
        target_id=target.public_id,
        visited_on=today,
        met="",
        key_person_id=key.public_id,
        outcome="positive",
        next_step="带样品",
        next_on=today + datetime.timedelta(days=7),
    )
    assert visit.met == "黄总" and visit.rep == w.partner_rep
    for bad in (
        {"visited_on": today + datetime.timedelta(days=1)},  # the future
        {"outcome": "great"},
        {"next_on": today - datetime.timedelta(days=1)},
        {"visited_on": "2026-02-30"},
    ):
        values = {"visited_on": today, "met": "x", "outcome": "neutral", **bad}
        with pytest.raises(ValidationFailed):
            visit_create(actor=rep, target_id=target.public_id, **values)
    assert Visit.objects.filter(target=target).count() == 1
    # The page: a visit and a key person recorded by the rep.
    web = w.web(w.partner_rep_seat)
    response = web.post(
        f"/fieldsales/targets/{target.public_id}/visits/new/",
        {"visited_on": str(today), "met": "门卫", "outcome": "neutral"},
    )
    assert response.status_code == 302
    bad = web.post(
        f"/fieldsales/targets/{target.public_id}/visits/new/",
        {"visited_on": "zz", "met": "门卫", "outcome": "neutral"},
    )
    assert bad.status_code == 422
    response = web.post(
        f"/fieldsales/targets/{target.public_id}/key-person/", {"rank": "2", "name": "陈会计"}
    )
    assert response.status_code == 302
    page = web.get(f"/fieldsales/targets/{target.public_id}/").content.decode()
    assert "陈会计" in page and page.count('data-testid="visit"') == 2


def test_reasons_are_recorded_from_the_operators_list(w):
    target = w.targets["南宁甜蜜食品厂"]
    rep = w.actor(w.partner_rep_seat)
    price = reason_create(
        actor=w.operator,
        step="conversion",
        label="价格比现在的供应商高",
        label_en="Price higher than the current supplier",
    )
    habit = reason_create(actor=w.operator, step="coverage", label="老板不愿意开户")
    with pytest.raises(Conflict):
        reason_create(actor=w.operator, step="conversion", label="价格比现在的供应商高")
    with pytest.raises(PermissionDenied):
        reason_create(actor=rep, step="coverage", label="x")
    record = reason_record_create(
        actor=rep, target_id=target.public_id, step="conversion", reason_id=price.public_id
    )
    assert (record.reason, record.rep, record.lost) == (price, w.partner_rep, False)
    lost = reason_record_create(
        actor=rep, target_id=target.public_id, step="coverage", text="已经和别家签了长约", lost=True
    )
    assert lost.reason is None and lost.lost
    with pytest.raises(ValidationFailed):  # neither reason nor text
        reason_record_create(actor=rep, target_id=target.public_id, step="coverage")
    with pytest.raises(ValidationFailed):  # a reason of another step
        reason_record_create(
            actor=rep, target_id=target.public_id, step="repurchase", reason_id=habit.public_id
        )
    reason_update(actor=w.operator, reason_id=habit.public_id, is_active=False)
    with pytest.raises(ValidationFailed):  # retired: no longer offered
        reason_record_create(
            actor=rep, target_id=target.public_id, step="coverage", reason_id=habit.public_id
        )
    assert ReasonRecord.objects.filter(target=target).count() == 2
    # Lost targets are listed under their state; the page shows the records.
    api = w.api(w.partner_rep_seat)
    assert api.get("/api/v1/fieldsales/targets?state=lost").json()["count"] == 1
    page = (
        w.web(w.partner_rep_seat).get(f"/fieldsales/targets/{target.public_id}/").content.decode()
    )
    assert page.count('data-testid="reason-record"') == 2
    response = w.web(w.partner_rep_seat).post(
        f"/fieldsales/targets/{target.public_id}/reason/", {"step": "coverage"}
    )
    assert response.status_code == 422
    # The operator's page.
    ops = w.operator_web()
    assert ops.get("/ops/fieldsales/reasons/").status_code == 200
    assert ops.post("/ops/fieldsales/reasons/", {"step": "zz", "label": "x"}).status_code == 422
    assert (
        ops.post(
            "/ops/fieldsales/reasons/", {"step": "repurchase", "label": "用完再说"}
        ).status_code
        == 302
    )


def test_the_reps_registry(w):
    manager = w.actor(w.partner_manager)
    clerk = add_member(w.partner, Role.SALES)
    with pytest.raises(ValidationFailed):  # his role cannot do field work
        rep_create(actor=manager, membership_id=clerk.public_id)
    with pytest.raises(Conflict):
        rep_create(actor=manager, membership_id=w.partner_rep_seat.public_id)
    with pytest.raises(NotFound):  # another company's member
        rep_create(actor=manager, membership_id=w.other_rep_seat.public_id)
    with pytest.raises(PermissionDenied):
        rep_create(actor=w.actor(w.partner_rep_seat), membership_id=clerk.public_id)
    seat = add_member(CompanyFactory(short_name="北海地推"), Role.FIELD_REP)
    made = rep_create(actor=w.operator, email=seat.person.email.upper(), phone="13900000000")
    assert made.company == seat.company and made.name == seat.person.display_name
    rep_update(actor=manager, rep_id=w.partner_rep.public_id, is_active=False)
    assert not Rep.objects.get(pk=w.partner_rep.pk).is_active
    # Off duty: he no longer sees targets.
    assert w.api(w.partner_rep_seat).get("/api/v1/fieldsales/targets").json()["count"] == 0
    with pytest.raises(NotFound):
        rep_update(actor=manager, rep_id=w.other_rep.public_id, is_active=False)
    web = w.web(w.partner_manager)
    page = web.get("/fieldsales/reps/").content.decode()
    assert 'data-testid="rep-new"' in page
    second = add_member(w.partner, Role.FIELD_REP)
    assert web.post("/fieldsales/reps/", {"membership": str(second.public_id)}).status_code == 302
    assert Rep.objects.filter(membership=second).exists()


def test_manual_add_by_operator_and_by_rep(w):
    target = target_create(actor=w.operator, market_id=w.market.public_id, name="钦州糕点厂")
    assert target.rep is None and target.source == "manual"
    with pytest.raises(Conflict):
        target_create(actor=w.operator, market_id=w.market.public_id, name=" 钦州糕点厂 ")
    rep = w.actor(w.partner_rep_seat)
    mine = target_create(
        actor=rep, market_id=w.market.public_id, name="南宁月饼厂", monthly_need="50000.5"
    )
    assert (
        mine.rep == w.partner_rep
        and Assignment.objects.filter(target=mine, end__isnull=True).count() == 1
    )
    with pytest.raises(ValidationFailed):
        target_create(actor=rep, market_id=w.market.public_id, name="x", monthly_need="-1")
    web = w.web(w.partner_rep_seat)
    response = web.post(
        "/fieldsales/targets/new/",
        {"market": str(w.market.public_id), "name": "南宁饮料厂", "expected_users": "abc"},
    )
    assert response.status_code == 422
    response = web.post(
        "/fieldsales/targets/new/",
        {"market": str(w.market.public_id), "name": "南宁饮料厂", "expected_users": "6"},
    )
    assert response.status_code == 302
    # An operator creates a market on its page.
    ops = w.operator_web()
    assert ops.post("/fieldsales/markets/new/", {"name": ""}).status_code == 422
    assert (
        ops.post("/fieldsales/markets/new/", {"name": "广西饮料厂", "province": "广西"}).status_code
        == 302
    )
    assert w.web(w.partner_rep_seat).get("/fieldsales/markets/new/").status_code == 404
