"""Who sees which statement (pages and API), the operator's run/issue/pay through the
pages with a confirmation, plans, and bad input as 4xx."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from mercator.fieldsales.models import CommissionPlan, CommissionStatement
from mercator.fieldsales.services import commission as svc
from tests.conftest import bearer_client
from tests.factories import PASSWORD
from tests.fieldsales.commission_world import Commission, build, month_after, month_of, paid_order
from tests.trading.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(world) -> Commission:  # noqa: F811
    c = build(world)
    c.other_target = c.target.__class__.objects.create(
        market=c.target.market,
        name=world.mill.legal_name,
        company=world.mill,
        rep=c.other_rep,
        opened_by=c.other_rep,
        opened_at=c.target.opened_at,
    )
    paid_order(c)
    svc.statement_run(actor=c.operator, month=month_of(month_after(0)), now=month_after(1))
    return c


def web(membership) -> Client:
    client = Client()
    assert client.login(username=membership.person.email, password=PASSWORD)
    return client


def ops_client(c: Commission) -> Client:
    client = Client()
    client.force_login(c.operator.person)
    return client


def test_a_rep_sees_his_own_a_manager_his_reps_another_partner_none(c):
    mine = CommissionStatement.objects.get(rep=c.rep)
    theirs = CommissionStatement.objects.get(rep=c.other_rep)  # he opened the seller
    url = reverse("fieldsales-statement", args=[mine.public_id])
    other_url = reverse("fieldsales-statement", args=[theirs.public_id])
    rep = web(c.rep_seat)
    page = rep.get(url)
    assert page.status_code == 200 and "25.40" in page.content.decode()
    assert rep.get(other_url).status_code == 404
    listing = rep.get(reverse("fieldsales-statements")).content.decode()
    assert listing.count('data-testid="statement"') == 1
    assert web(c.boss).get(url).status_code == 200
    assert web(c.boss).get(other_url).status_code == 404
    assert web(c.other_boss).get(url).status_code == 404
    assert web(c.other_boss).get(other_url).status_code == 200
    ops = ops_client(c)
    assert ops.get(url).status_code == 200 and ops.get(other_url).status_code == 200
    ops_list = ops.get(reverse("fieldsales-statements")).content.decode()
    assert ops_list.count('data-testid="statement"') == 2
    # A member with nothing to do with field sales: no page at all.
    assert web(c.w.food_buyer).get(reverse("fieldsales-statements")).status_code == 404
    assert web(c.w.food_buyer).get(url).status_code == 404
    # The API says the same.
    api = bearer_client(c.rep_seat)
    found = api.get("/api/v1/fieldsales/statements").json()
    assert [s["id"] for s in found["items"]] == [str(mine.public_id)]
    assert api.get(f"/api/v1/fieldsales/statements/{theirs.public_id}").status_code == 404
    detail = api.get(f"/api/v1/fieldsales/statements/{mine.public_id}").json()
    assert detail["payable"] == "25.40" and detail["lines"][0]["amount"] == "25.40"


def test_a_rep_cannot_issue_pay_run_or_touch_plans(c):
    mine = CommissionStatement.objects.get(rep=c.rep)
    api = bearer_client(c.rep_seat)
    for path in ("issue", "pay"):
        answer = api.post(f"/api/v1/fieldsales/statements/{mine.public_id}/{path}")
        assert answer.status_code == 404
    run = api.post(
        "/api/v1/fieldsales/statements/run",
        data=json.dumps({"month": "2020-01"}),
        content_type="application/json",
    )
    assert run.status_code == 404
    assert api.get("/api/v1/fieldsales/plans").status_code == 404
    assert web(c.rep_seat).get(reverse("fieldsales-plans")).status_code == 404
    assert CommissionStatement.objects.get(pk=mine.pk).status == "draft"


def test_the_operator_issues_and_pays_through_the_page_after_a_confirmation(c):
    mine = CommissionStatement.objects.get(rep=c.rep)
    ops = ops_client(c)
    issue = reverse("fieldsales-statement-step", args=[mine.public_id, "issue"])
    asked = ops.post(issue)
    assert asked.status_code == 200 and 'data-testid="confirm-issue"' in asked.content.decode()
    assert CommissionStatement.objects.get(pk=mine.pk).status == "draft"
    # Issued with the page's "now": this month has not ended, so it is refused (422)...
    refused = ops.post(issue, {"confirmed": "1"})
    assert refused.status_code == 422
    # ...and issued by the service as of next month, then paid through the page.
    svc.statement_issue(actor=c.operator, statement_id=mine.public_id, now=month_after(1))
    again = ops.post(issue, {"confirmed": "1"})
    assert again.status_code == 409 and "已确认" in again.content.decode()
    pay = reverse("fieldsales-statement-step", args=[mine.public_id, "pay"])
    assert "25.40" in ops.post(pay).content.decode()
    assert ops.post(pay, {"confirmed": "1"}).status_code == 302
    assert CommissionStatement.objects.get(pk=mine.pk).status == "paid"
    assert ops.post(pay, {"confirmed": "1"}).status_code == 409


def test_bad_input_is_a_4xx_and_writes_nothing(c):
    ops = ops_client(c)
    count = CommissionPlan.objects.count()
    for share in ("abc", "-1", "101", "1.23456", ""):
        answer = ops.post(
            reverse("fieldsales-plans"), {"action": "create", "name": "x", "share_percent": share}
        )
        assert answer.status_code == 422, share
    assert CommissionPlan.objects.count() == count
    assert ops.post(reverse("fieldsales-statements"), {"month": "2026-13"}).status_code == 422
    assert ops.get(reverse("fieldsales-statements") + "?status=bogus").status_code == 422
    assert ops.get(reverse("fieldsales-statement", args=["nope"])).status_code == 404
    api = Client()
    api.force_login(c.operator.person)
    answer = api.post(
        "/api/v1/fieldsales/plans",
        data=json.dumps({"name": "x", "share_percent": "1000"}),
        content_type="application/json",
    )
    assert answer.status_code == 422 and "code" in answer.json()


def test_the_operator_keeps_plans_and_puts_reps_on_them(c):
    ops = ops_client(c)
    page = ops.post(
        reverse("fieldsales-plans"), {"action": "create", "name": "高分润", "share_percent": "20"}
    )
    assert page.status_code == 302
    plan = CommissionPlan.objects.get(name="高分润")
    ops.post(
        reverse("fieldsales-plans"),
        {"action": "assign", "rep": c.rep.public_id, "plan": plan.public_id},
    )
    c.rep.refresh_from_db()
    assert c.rep.plan == plan
    assert "高分润" in ops.get(reverse("fieldsales-plans")).content.decode()
