"""The approvals engine: rules, matching, requests, decisions, pages and API."""

import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import (
    ApprovalRequest,
    ApprovalRule,
    Company,
    CompanyRole,
    Notification,
)
from mercator.companies.roles import Role
from mercator.companies.selectors.approvals import approval_status_for
from mercator.companies.services.approvals import (
    approval_cancel,
    approval_decide,
    approval_facts_clean,
    approval_request_open,
    approval_rule_create,
    approval_rule_crosses,
    approval_rules_matching,
)
from mercator.companies.signals_approvals import approval_cancelled, approval_decided
from mercator.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from mercator.core.models import AuditEntry
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, add_member

Condition = ApprovalRule.Condition
FACTS = {
    "amount": Decimal("478400.00"),
    "currency": "CNY",
    "discount_percent": Decimal("8"),
    "counterpart_verified": True,
    "first_deal_with_counterpart": False,
}


def as_actor(membership):
    return actor_for_membership(membership, via="web")


def make_rule(company, **overrides):
    spec = {
        "name": "折扣超过 5%",
        "document_kind": "quote",
        "condition": Condition.DISCOUNT_ABOVE,
        "threshold": Decimal("5"),
        "approver_role": Role.MASTER,
    }
    spec.update(overrides)
    return approval_rule_create(actor=as_actor(master_of(company)), **spec)


def open_request(membership, *, kind="quote", document=None, facts=None, title="报价"):
    return approval_request_open(
        actor=as_actor(membership),
        document_kind=kind,
        document=document or f"{kind}:{uuid.uuid4()}",
        title=title,
        facts=FACTS if facts is None else facts,
    )


def web_client(membership) -> Client:
    client = Client()
    assert client.login(username=membership.person.email, password=PASSWORD)
    return client


@pytest.fixture
def finance(company):
    return add_member(company, Role.FINANCE)


@pytest.fixture
def discount_rule(company):
    return make_rule(company)


@pytest.fixture
def pending(clerk, discount_rule):
    return open_request(clerk, title="华南食品 100 吨白砂糖报价")


@pytest.fixture
def b_api(other_company):
    return bearer_client(master_of(other_company))


@pytest.fixture
def signals():
    """Receivers that record what the engine sends."""
    seen = {"decided": [], "cancelled": []}

    def on_decided(sender, request, approved, **kwargs):
        seen["decided"].append((request.pk, approved))

    def on_cancelled(sender, request, **kwargs):
        seen["cancelled"].append(request.pk)

    approval_decided.connect(on_decided, dispatch_uid="test-decided")
    approval_cancelled.connect(on_cancelled, dispatch_uid="test-cancelled")
    yield seen
    approval_decided.disconnect(dispatch_uid="test-decided")
    approval_cancelled.disconnect(dispatch_uid="test-cancelled")


# -- rules: creation and validation --------------------------------------------------------


def post_rule(client, **fields):
    body = {
        "name": "大单",
        "document_kind": "order",
        "condition": "amount_above",
        "threshold": "500000",
        "approver_role": "finance",
    }
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not ...}
    return client.post("/api/v1/approval-rules", data=body, content_type="application/json")


def test_create_rule_via_api(api, company):
    response = post_rule(api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["threshold"] == "500000.0000"  # decimals travel as strings
    assert body["summary"] == "金额超过 500,000 元"
    assert body["approver_role"] == "finance" and body["is_active"] is True
    rule = ApprovalRule.objects.get(public_id=body["id"])
    assert rule.company == company and rule.threshold == Decimal("500000")
    assert AuditEntry.objects.filter(
        action="approval_rule.create", target=f"approval_rule:{rule.public_id}"
    ).exists()


def test_create_rule_with_named_approver_only(api, company):
    manager = add_member(company, Role.MANAGER)
    response = post_rule(api, approver_role="", approvers=[str(manager.public_id)])
    assert response.status_code == 201, response.content
    assert response.json()["approvers"][0]["id"] == str(manager.public_id)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"threshold": None}, "threshold_required"),
        ({"threshold": ...}, "threshold_required"),
        ({"condition": "discount_above", "threshold": None}, "threshold_required"),
        ({"condition": "counterpart_unverified", "threshold": "0"}, "threshold_forbidden"),
        ({"condition": "first_deal_with_counterpart", "threshold": "1"}, "threshold_forbidden"),
        ({"condition": "discount_above", "threshold": "100.5"}, "threshold_out_of_range"),
        # The schema's pattern refuses a sign or a third decimal place.
        ({"condition": "discount_above", "threshold": "-1"}, "validation_error"),
        ({"threshold": "-0.01"}, "validation_error"),
        ({"threshold": "1.00001"}, "validation_error"),
        ({"approver_role": ""}, "approver_required"),
        ({"approver_role": "boss"}, "invalid_approver_role"),
        ({"approver_role": "sales"}, "invalid_approver_role"),  # no approvals.decide
        ({"approvers": [str(uuid.uuid4())]}, "invalid_approver"),
        ({"name": "   "}, "validation_error"),  # a blank name fails the schema
        ({"condition": "weather_is_bad"}, "validation_error"),
        ({"document_kind": "invoice"}, "validation_error"),
        ({"approvers": ["not-an-id"]}, "validation_error"),
    ],
)
def test_invalid_rules_are_422_and_save_nothing(api, fields, code):
    audits = AuditEntry.objects.count()
    response = post_rule(api, **fields)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert ApprovalRule.objects.count() == 0
    assert AuditEntry.objects.count() == audits


def test_approver_from_another_company_is_422(api, other_company):
    stranger = add_member(other_company, Role.FINANCE)
    response = post_rule(api, approvers=[str(stranger.public_id)])
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_approver"
    assert response.json()["message"] == "指定的审批人必须是本企业的在职成员。"
    assert ApprovalRule.objects.count() == 0


def test_inactive_or_non_deciding_member_cannot_be_named(api, company):
    left = add_member(company, Role.FINANCE)
    left.is_active = False
    left.save()
    assert post_rule(api, approvers=[str(left.public_id)]).json()["code"] == "invalid_approver"
    clerk = add_member(company, Role.SALES)
    response = post_rule(api, approver_role="", approvers=[str(clerk.public_id)])
    assert response.status_code == 422
    assert response.json()["code"] == "approver_cannot_decide"
    assert ApprovalRule.objects.count() == 0


def test_company_roles_may_approve_when_they_can_decide(api, company):
    CompanyRole.objects.create(
        company=company, code="qc-lead", name="品控主管", permissions=["approvals.decide"]
    )
    CompanyRole.objects.create(company=company, code="driver", name="司机", permissions=[])
    assert post_rule(api, approver_role="qc-lead").status_code == 201
    assert post_rule(api, approver_role="driver").json()["code"] == "invalid_approver_role"
    assert ApprovalRule.objects.count() == 1


def test_clerk_cannot_manage_rules(clerk, discount_rule):
    client = bearer_client(clerk)
    assert post_rule(client).status_code == 403
    assert client.get("/api/v1/approval-rules").status_code == 403
    response = client.patch(
        f"/api/v1/approval-rules/{discount_rule.public_id}",
        data={"threshold": "50"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.delete(f"/api/v1/approval-rules/{discount_rule.public_id}").status_code == 403
    discount_rule.refresh_from_db()
    assert discount_rule.threshold == Decimal("5") and discount_rule.is_active
    assert ApprovalRule.objects.count() == 1


def test_patch_rule(api, discount_rule):
    url = f"/api/v1/approval-rules/{discount_rule.public_id}"
    response = api.patch(url, data={"threshold": "7.5"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["threshold"] == "7.5000"
    assert AuditEntry.objects.filter(
        action="approval_rule.update", changes__threshold=["5.0000", "7.5000"]
    ).exists()
    # A yes/no condition takes no threshold: switching clears it.
    response = api.patch(
        url, data={"condition": "counterpart_unverified"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["threshold"] is None


def test_bad_patch_changes_nothing(api, discount_rule):
    url = f"/api/v1/approval-rules/{discount_rule.public_id}"
    for body, code in [
        ({"threshold": "150"}, "threshold_out_of_range"),
        ({"condition": "amount_above", "threshold": None}, "threshold_required"),
        ({"approver_role": ""}, "approver_required"),
        ({"approver_role": "nobody"}, "invalid_approver_role"),
        ({"name": ""}, "validation_error"),
    ]:
        response = api.patch(url, data=body, content_type="application/json")
        assert response.status_code == 422, body
        assert response.json()["code"] == code
    discount_rule.refresh_from_db()
    assert discount_rule.threshold == Decimal("5")
    assert discount_rule.condition == Condition.DISCOUNT_ABOVE
    assert discount_rule.approver_role == Role.MASTER
    assert discount_rule.name == "折扣超过 5%"


def test_deactivate_and_reactivate(api, company, discount_rule):
    url = f"/api/v1/approval-rules/{discount_rule.public_id}"
    assert api.delete(url).json()["is_active"] is False
    assert api.delete(url).status_code == 200
    assert AuditEntry.objects.filter(action="approval_rule.deactivate").count() == 1
    assert approval_rules_matching(company=company, document_kind="quote", facts=FACTS) == []
    response = api.patch(url, data={"is_active": True}, content_type="application/json")
    assert response.json()["is_active"] is True
    assert approval_rules_matching(company=company, document_kind="quote", facts=FACTS) == [
        discount_rule
    ]


def test_rules_of_another_company_are_404(b_api, discount_rule):
    url = f"/api/v1/approval-rules/{discount_rule.public_id}"
    assert b_api.get(url).status_code == 404
    response = b_api.patch(url, data={"threshold": "1"}, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert b_api.delete(url).status_code == 404
    assert b_api.get("/api/v1/approval-rules").json()["count"] == 0
    evaluated = b_api.post(
        "/api/v1/approval-rules/evaluate",
        data={"document_kind": "quote", "discount_percent": "50"},
        content_type="application/json",
    ).json()
    assert evaluated["needs_approval"] is False
    for bad in ["not-an-id", str(uuid.uuid4())]:
        assert b_api.get(f"/api/v1/approval-rules/{bad}").status_code == 404
    discount_rule.refresh_from_db()
    assert discount_rule.is_active and discount_rule.threshold == Decimal("5")


# -- matching ------------------------------------------------------------------------------


def rule_of(condition, threshold=None):
    return ApprovalRule(condition=condition, threshold=threshold)


@pytest.mark.parametrize(
    ("condition", "threshold", "facts", "expected"),
    [
        (Condition.AMOUNT_ABOVE, "500000", {"amount": "500000.01", "currency": "CNY"}, True),
        (Condition.AMOUNT_ABOVE, "500000", {"amount": "500000", "currency": "CNY"}, False),
        (Condition.AMOUNT_ABOVE, "500000", {"amount": "1", "currency": "CNY"}, False),
        (Condition.AMOUNT_ABOVE, "500000", {"currency": "CNY"}, True),  # missing: fail safe
        (Condition.AMOUNT_ABOVE, "500000", {"amount": "1"}, True),  # currency unknown
        (Condition.AMOUNT_ABOVE, "500000", {"amount": "1", "currency": "USD"}, True),
        (Condition.DISCOUNT_ABOVE, "5", {"discount_percent": "8"}, True),
        (Condition.DISCOUNT_ABOVE, "5", {"discount_percent": "5"}, False),
        (Condition.DISCOUNT_ABOVE, "5", {"discount_percent": "5.0001"}, True),
        (Condition.DISCOUNT_ABOVE, "5", {"discount_percent": "0"}, False),
        (Condition.DISCOUNT_ABOVE, "5", {}, True),
        (Condition.COUNTERPART_UNVERIFIED, None, {"counterpart_verified": False}, True),
        (Condition.COUNTERPART_UNVERIFIED, None, {"counterpart_verified": True}, False),
        (Condition.COUNTERPART_UNVERIFIED, None, {}, True),
        (Condition.FIRST_DEAL, None, {"first_deal_with_counterpart": True}, True),
        (Condition.FIRST_DEAL, None, {"first_deal_with_counterpart": False}, False),
        (Condition.FIRST_DEAL, None, {"first_deal_with_counterpart": None}, True),
    ],
)
def test_matching_truth_table(condition, threshold, facts, expected):
    rule = rule_of(condition, Decimal(threshold) if threshold else None)
    assert approval_rule_crosses(rule, approval_facts_clean(facts)) is expected


money = st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False)


@given(amount=money, threshold=money)
def test_amount_above_matches_iff_amount_exceeds_threshold(amount, threshold):
    rule = rule_of(Condition.AMOUNT_ABOVE, threshold)
    facts = approval_facts_clean({"amount": amount, "currency": "CNY"})
    assert approval_rule_crosses(rule, facts) is (amount > threshold)


percent = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False)


@given(discount=percent, threshold=percent)
def test_discount_above_matches_iff_discount_exceeds_threshold(discount, threshold):
    rule = rule_of(Condition.DISCOUNT_ABOVE, threshold)
    facts = approval_facts_clean({"discount_percent": discount})
    assert approval_rule_crosses(rule, facts) is (discount > threshold)


def test_matching_reads_the_companys_active_rules_of_the_kind(company, other_company):
    quote = make_rule(company)
    order = make_rule(company, name="大单", document_kind="order", threshold=Decimal("1"))
    off = make_rule(company, name="停用的")
    off.is_active = False
    off.save()
    make_rule(other_company, name="别家的")
    assert approval_rules_matching(company=company, document_kind="quote", facts=FACTS) == [quote]
    assert approval_rules_matching(company=company, document_kind="order", facts=FACTS) == [order]
    # Nothing known: every active rule of the kind holds the document.
    assert approval_rules_matching(company=company, document_kind="quote", facts={}) == [quote]


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        ({"amount": 1.5}, "invalid_amount"),  # floats never
        ({"amount": "lots"}, "invalid_amount"),
        ({"amount": "-1"}, "invalid_fact"),
        ({"discount_percent": "101"}, "invalid_fact"),
        ({"counterpart_verified": "yes"}, "invalid_fact"),
        ({"currency": "XYZ"}, "invalid_currency"),
        ({"discount": "8"}, "unknown_fact"),
    ],
)
def test_malformed_facts_are_refused(company, discount_rule, facts, code):
    with pytest.raises(ValidationFailed) as caught:
        approval_rules_matching(company=company, document_kind="quote", facts=facts)
    assert caught.value.code == code


def test_unknown_document_kind_is_refused(company):
    with pytest.raises(ValidationFailed):
        approval_rules_matching(company=company, document_kind="invoice", facts={})


# -- opening requests ----------------------------------------------------------------------


def test_no_matching_rule_lets_the_document_proceed(clerk, discount_rule):
    facts = {**FACTS, "discount_percent": Decimal("3")}
    assert open_request(clerk, facts=facts) is None
    assert ApprovalRequest.objects.count() == 0
    assert Notification.objects.count() == 0


# Committed for real: the emails are queued on commit, and Huey's task closes its
# database connection when it ends, which a test wrapped in a transaction cannot survive.
@pytest.mark.django_db(transaction=True)
def test_open_snapshots_rules_and_notifies_approvers(company, master, clerk, finance, huey_queue):
    make_rule(company)
    order_rule = make_rule(
        company,
        name="单笔金额超过 50 万需财务复核",
        document_kind="order",
        condition=Condition.AMOUNT_ABOVE,
        threshold=Decimal("500000"),
        approver_role=Role.FINANCE,
    )
    colleague = add_member(company, Role.SALES)
    facts = {**FACTS, "amount": Decimal("600000.00")}
    request = open_request(clerk, kind="order", facts=facts, title="大额订单")
    assert request.status == "pending" and request.requested_by == clerk
    assert request.facts["amount"] == "600000.00"  # stored as a string, never a float
    assert request.reasons == [
        {
            "id": str(order_rule.public_id),
            "name": "单笔金额超过 50 万需财务复核",
            "condition": "amount_above",
            "threshold": "500000.0000",
            "approver_role": "finance",
            "approvers": [],
        }
    ]
    notified = set(
        Notification.objects.filter(kind="approval.requested").values_list("person", flat=True)
    )
    assert notified == {master.person_id, finance.person_id}
    assert clerk.person_id not in notified and colleague.person_id not in notified
    note = Notification.objects.filter(person=finance.person).get()
    assert note.link == f"/company/approvals/{request.public_id}/"
    assert "金额 600,000 元超过规则“单笔金额超过 50 万需财务复核”" in note.body
    assert AuditEntry.objects.filter(
        action="approval.request", target=f"approval:{request.public_id}"
    ).exists()
    expected = sorted([master.person.email, finance.person.email])
    assert huey_queue.pending() == 2  # one email each, queued when the request committed
    assert huey_queue.run() == 2
    assert sorted(m.to[0] for m in mail.outbox) == expected
    assert all(m.subject == "[Mercator] 待您审批：大额订单" for m in mail.outbox)


def test_open_is_idempotent_while_pending(master, clerk, discount_rule):
    document = "quote:Q-1"
    first = open_request(clerk, document=document)
    second = open_request(clerk, document=document, facts={**FACTS, "discount_percent": "30"})
    assert second.pk == first.pk
    assert second.facts["discount_percent"] == "8"
    assert ApprovalRequest.objects.filter(document=document).count() == 1
    assert Notification.objects.filter(kind="approval.requested").count() == 1
    # Once decided, the document may be held again (e.g. after the clerk edits it).
    approval_decide(
        actor=as_actor(master), request_id=first.public_id, approve=False, comment="太低"
    )
    third = open_request(clerk, document=document)
    assert third.pk != first.pk and third.status == "pending"
    assert approval_status_for(clerk.company, document) == third


def test_open_validates_its_input(clerk, discount_rule):
    for kwargs in [
        {"document": "order:1"},  # reference of another kind
        {"document": "quote:" + "x" * 200},
        {"title": "  "},
        {"facts": {"amount": 12.5}},
    ]:
        with pytest.raises(ValidationFailed):
            open_request(clerk, **kwargs)
    assert ApprovalRequest.objects.count() == 0


def test_the_boss_does_not_ask_himself(company, master, finance, discount_rule):
    assert open_request(master) is None  # only the master could approve it
    make_rule(
        company,
        name="大单",
        document_kind="order",
        condition=Condition.AMOUNT_ABOVE,
        threshold=Decimal("1"),
        approver_role=Role.FINANCE,
    )
    request = open_request(master, kind="order")
    assert request is not None
    assert list(Notification.objects.values_list("person", flat=True)) == [finance.person_id]
    with pytest.raises(PermissionDenied) as caught:
        approval_decide(actor=as_actor(master), request_id=request.public_id, approve=True)
    assert caught.value.code == "own_request"
    decided = approval_decide(actor=as_actor(finance), request_id=request.public_id, approve=True)
    assert decided.status == "approved"


def test_status_for_unknown_document_is_none(company):
    assert approval_status_for(company, "quote:never") is None


# -- deciding ------------------------------------------------------------------------------


def test_master_approves_via_api(api, master, clerk, pending, signals):
    response = api.post(
        f"/api/v1/approvals/{pending.public_id}/approve",
        data={"comment": "可以"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert body["decided_by"]["id"] == str(master.public_id)
    assert body["comment"] == "可以" and body["can_decide"] is False
    assert signals["decided"] == [(pending.pk, True)]
    note = Notification.objects.get(person=clerk.person, kind="approval.approved")
    assert note.title == "审批已通过：华南食品 100 吨白砂糖报价"
    assert AuditEntry.objects.filter(
        action="approval.approve", target=f"approval:{pending.public_id}"
    ).exists()


def test_approve_without_body(api, pending):
    # An ERP may POST nothing at all to approve (no comment).
    assert api.generic("POST", f"/api/v1/approvals/{pending.public_id}/approve").status_code == 200


def test_reject_needs_a_comment(api, clerk, pending, signals):
    url = f"/api/v1/approvals/{pending.public_id}/reject"
    for body in [{}, {"comment": "   "}]:
        response = api.post(url, data=body, content_type="application/json")
        assert response.status_code == 422
        assert response.json()["code"] == "comment_required"
    pending.refresh_from_db()
    assert pending.status == "pending" and signals["decided"] == []
    response = api.post(url, data={"comment": "折扣太大"}, content_type="application/json")
    assert response.json()["status"] == "rejected"
    note = Notification.objects.get(person=clerk.person, kind="approval.rejected")
    assert "折扣太大" in note.body
    assert signals["decided"] == [(pending.pk, False)]


def test_decided_request_cannot_be_decided_again(api, master, pending, signals):
    url = f"/api/v1/approvals/{pending.public_id}"
    assert api.generic("POST", f"{url}/approve").status_code == 200
    audits = AuditEntry.objects.count()
    for action, body in [("approve", {}), ("reject", {"comment": "改主意了"})]:
        response = api.post(f"{url}/{action}", data=body, content_type="application/json")
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"
        assert "已批准" in response.json()["message"]
        assert response.json()["details"] == {"status": "approved"}
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.comment == ""
    assert signals["decided"] == [(pending.pk, True)]
    assert AuditEntry.objects.count() == audits


def test_requester_cannot_decide_his_own(clerk, pending):
    client = bearer_client(clerk)
    detail = client.get(f"/api/v1/approvals/{pending.public_id}")
    assert detail.status_code == 200  # he sees it
    assert detail.json()["can_decide"] is False and detail.json()["can_cancel"] is True
    response = client.generic("POST", f"/api/v1/approvals/{pending.public_id}/approve")
    assert response.status_code == 403
    assert response.json()["code"] == "own_request"
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_colleagues_without_a_part_get_404(company, pending):
    """A request is seen by its requester, its eligible approvers and approvals.manage;
    everyone else in the company gets 404, as for another company's."""
    for role in (Role.SALES, Role.VIEWER, Role.FINANCE, Role.MANAGER):
        client = web_client(add_member(company, role))  # the API with the web session
        base = f"/api/v1/approvals/{pending.public_id}"
        assert client.get(base).status_code == 404, role
        assert client.generic("POST", f"{base}/approve").status_code == 404, role
        response = client.post(
            f"{base}/reject", data={"comment": "不行"}, content_type="application/json"
        )
        assert response.status_code == 404
        assert client.post(f"{base}/cancel").status_code == 404
        assert client.get("/api/v1/approvals").json()["count"] == 0
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_role_approver_decides(company, clerk, finance):
    make_rule(
        company,
        name="大单",
        document_kind="order",
        condition=Condition.AMOUNT_ABOVE,
        threshold=Decimal("100"),
        approver_role=Role.FINANCE,
    )
    request = open_request(clerk, kind="order")
    client = bearer_client(finance)
    listed = client.get("/api/v1/approvals?to_decide=true").json()
    assert [item["id"] for item in listed["items"]] == [str(request.public_id)]
    assert listed["items"][0]["can_decide"] is True
    assert (
        client.generic("POST", f"/api/v1/approvals/{request.public_id}/approve").status_code == 200
    )


def test_named_approver_decides_and_others_of_his_role_do_not(company, clerk):
    named, other = add_member(company, Role.MANAGER), add_member(company, Role.MANAGER)
    make_rule(company, approver_role="", approver_ids=[named.public_id])
    request = open_request(clerk)
    assert bearer_client(other).get(f"/api/v1/approvals/{request.public_id}").status_code == 404
    with pytest.raises(NotFound):
        approval_decide(actor=as_actor(other), request_id=request.public_id, approve=True)
    decided = approval_decide(actor=as_actor(named), request_id=request.public_id, approve=True)
    assert decided.decided_by == named


def test_snapshot_not_later_rule_edits_decides_who_approves(company, clerk, finance):
    rule = make_rule(company, approver_role=Role.FINANCE)
    request = open_request(clerk)
    rule.approver_role = Role.MANAGER
    rule.save()
    manager = add_member(company, Role.MANAGER)
    with pytest.raises(NotFound):
        approval_decide(actor=as_actor(manager), request_id=request.public_id, approve=True)
    assert approval_decide(
        actor=as_actor(finance), request_id=request.public_id, approve=True
    ).status == ("approved")


def test_company_role_approver_finds_and_decides(company, clerk):
    CompanyRole.objects.create(
        company=company, code="qc-lead", name="品控主管", permissions=["approvals.decide"]
    )
    lead = add_member(company, "qc-lead")
    make_rule(company, approver_role="qc-lead")
    request = open_request(clerk)
    assert Notification.objects.filter(person=lead.person, kind="approval.requested").exists()
    client = web_client(lead)
    listed = client.get("/api/v1/approvals?to_decide=true").json()["items"]
    assert [item["id"] for item in listed] == [str(request.public_id)]
    response = client.post(
        f"/api/v1/approvals/{request.public_id}/approve",
        data={"comment": "品质合格"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"


def test_a_rule_name_cannot_smuggle_in_an_approver(company, clerk, finance):
    """Visibility searches the snapshot's text for the role; a name that looks like the
    key is escaped in JSON and matches nothing."""
    make_rule(company, name='x", "approver_role": "finance', approver_role=Role.MASTER)
    request = open_request(clerk)
    client = web_client(finance)
    assert client.get("/api/v1/approvals").json()["count"] == 0
    assert client.get(f"/api/v1/approvals/{request.public_id}").status_code == 404


def test_member_who_lost_decide_permission_cannot_decide(company, clerk):
    approver = add_member(company, Role.FINANCE)
    make_rule(company, approver_role="", approver_ids=[approver.public_id])
    request = open_request(clerk)
    approver.role = Role.SALES  # moved to sales after the request was opened
    approver.save()
    with pytest.raises(NotFound):
        approval_decide(actor=as_actor(approver), request_id=request.public_id, approve=True)


def test_cancel_by_requester(clerk, master, pending, signals):
    client = bearer_client(clerk)
    url = f"/api/v1/approvals/{pending.public_id}"
    master_client = bearer_client(master)
    response = master_client.post(f"{url}/cancel")
    assert response.status_code == 403 and response.json()["code"] == "not_requester"
    response = client.post(f"{url}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert signals["cancelled"] == [pending.pk]
    assert AuditEntry.objects.filter(action="approval.cancel").count() == 1
    again = client.post(f"{url}/cancel")
    assert again.status_code == 409 and "已撤回" in again.json()["message"]
    assert master_client.generic("POST", f"{url}/approve").status_code == 409
    assert signals["decided"] == [] and signals["cancelled"] == [pending.pk]


def test_a_failing_receiver_rolls_the_decision_back(master, pending):
    def broken(sender, **kwargs):
        raise RuntimeError("the quote could not be released")

    approval_decided.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError):
            approval_decide(actor=as_actor(master), request_id=pending.public_id, approve=True)
    finally:
        approval_decided.disconnect(dispatch_uid="test-broken")
    pending.refresh_from_db()
    assert pending.status == "pending" and pending.decided_by is None
    assert not AuditEntry.objects.filter(action="approval.approve").exists()
    assert not Notification.objects.filter(kind="approval.approved").exists()


def test_decided_signal_fires_once_per_request(master, clerk, discount_rule, signals):
    first, second = open_request(clerk), open_request(clerk)
    approval_decide(actor=as_actor(master), request_id=first.public_id, approve=True)
    approval_decide(
        actor=as_actor(master), request_id=second.public_id, approve=False, comment="不"
    )
    with pytest.raises(InvalidTransition):
        approval_decide(actor=as_actor(master), request_id=first.public_id, approve=True)
    assert signals["decided"] == [(first.pk, True), (second.pk, False)]


def test_list_filters(api, master, clerk, discount_rule):
    first, second = open_request(clerk), open_request(clerk)
    approval_decide(actor=as_actor(master), request_id=first.public_id, approve=True)
    everything = api.get("/api/v1/approvals").json()
    assert [i["id"] for i in everything["items"]] == [
        str(second.public_id),
        str(first.public_id),
    ]
    pending_only = api.get("/api/v1/approvals?status=pending").json()["items"]
    assert [i["id"] for i in pending_only] == [str(second.public_id)]
    to_decide = api.get("/api/v1/approvals?to_decide=true").json()["items"]
    assert [i["id"] for i in to_decide] == [str(second.public_id)]
    assert to_decide[0]["reasons"][0]["text"] == "折扣 8% 超过规则“折扣超过 5%”（5%）。"
    assert api.get("/api/v1/approvals?status=lost").status_code == 422
    # The clerk sees his own two, and has nothing to decide.
    clerk_client = bearer_client(clerk)
    assert clerk_client.get("/api/v1/approvals").json()["count"] == 2
    assert clerk_client.get("/api/v1/approvals?to_decide=true").json()["count"] == 0


def test_requests_of_another_company_are_404(b_api, other_company, pending):
    base = f"/api/v1/approvals/{pending.public_id}"
    assert b_api.get(base).status_code == 404
    assert b_api.generic("POST", f"{base}/approve").status_code == 404
    response = b_api.post(f"{base}/reject", data={"comment": "x"}, content_type="application/json")
    assert response.status_code == 404
    assert b_api.post(f"{base}/cancel").status_code == 404
    assert b_api.get("/api/v1/approvals").json()["count"] == 0
    assert b_api.get("/api/v1/approvals?to_decide=true").json()["count"] == 0
    with pytest.raises(NotFound):
        approval_cancel(actor=as_actor(master_of(other_company)), request_id=pending.public_id)
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert approval_status_for(other_company, pending.document) is None


def test_evaluate_explains_and_changes_nothing(api, company, clerk):
    make_rule(company)
    make_rule(company, name="新客户", condition=Condition.FIRST_DEAL, threshold=None)
    audits, notes = AuditEntry.objects.count(), Notification.objects.count()
    response = api.post(
        "/api/v1/approval-rules/evaluate",
        data={"document_kind": "quote", "discount_percent": "8", "amount": "1000"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["needs_approval"] is True
    assert body["reasons"] == [  # in the order the rules were made
        "折扣 8% 超过规则“折扣超过 5%”（5%）。",
        "未提供是否首次交易，按规则“新客户”送审。",
    ]
    response = api.post(
        "/api/v1/approval-rules/evaluate",
        data={
            "document_kind": "quote",
            "discount_percent": "5",
            "first_deal_with_counterpart": False,
        },
        content_type="application/json",
    )
    assert response.json() == {"needs_approval": False, "rules": [], "reasons": []}
    bad = api.post(
        "/api/v1/approval-rules/evaluate",
        data={"document_kind": "quote", "discount_percent": "120"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert AuditEntry.objects.count() == audits and Notification.objects.count() == notes
    assert ApprovalRequest.objects.count() == 0
    clerk_response = bearer_client(clerk).post(
        "/api/v1/approval-rules/evaluate",
        data={"document_kind": "quote"},
        content_type="application/json",
    )
    assert clerk_response.status_code == 403


# -- pages ---------------------------------------------------------------------------------


def test_desk_shows_pending_with_reasons_in_words(web, pending):
    page = web.get("/company/approvals/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "华南食品 100 吨白砂糖报价" in html
    assert "折扣 8% 超过规则“折扣超过 5%”（5%）。" in html
    assert "478,400 CNY" in html
    assert 'data-testid="approve"' in html


def test_approve_on_the_web_with_htmx(web, pending, signals):
    response = web.post(
        f"/company/approvals/{pending.public_id}/decide",
        {"decision": "approve", "comment": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="approved"' in html and 'data-testid="approve"' not in html
    assert signals["decided"] == [(pending.pk, True)]
    # The desk no longer lists it to decide; the history does.
    page = web.get("/company/approvals/").content.decode()
    assert "没有等待您审批的申请。" in page
    assert 'data-testid="history-row"' in page


def test_reject_on_the_web_needs_a_comment(web, pending):
    url = f"/company/approvals/{pending.public_id}/decide"
    response = web.post(url, {"decision": "reject", "comment": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "驳回时请填写审批意见。" in response.content.decode()
    response = web.post(url, {"decision": "reject", "comment": ""})  # without htmx
    assert response.status_code == 422
    assert "驳回时请填写审批意见。" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    response = web.post(url, {"decision": "reject", "comment": "价格太低"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "rejected" and pending.comment == "价格太低"
    again = web.post(url, {"decision": "approve"}, HTTP_HX_REQUEST="true")
    assert again.status_code == 409
    assert "已驳回" in again.content.decode()


def test_web_detail_is_404_for_outsiders(company, other_company, clerk, pending):
    url = f"/company/approvals/{pending.public_id}/"
    assert web_client(clerk).get(url).status_code == 200  # the requester
    colleague = web_client(add_member(company, Role.SALES))
    assert colleague.get(url).status_code == 404
    assert colleague.post(f"{url}decide", {"decision": "approve"}).status_code == 404
    outsider = web_client(master_of(other_company))
    assert outsider.get(url).status_code == 404
    assert outsider.post(f"{url}decide", {"decision": "approve"}).status_code == 404
    assert outsider.post(f"{url}cancel").status_code == 404
    assert "华南食品" not in outsider.get("/company/approvals/").content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_requester_cancels_on_the_web(clerk, pending):
    client = web_client(clerk)
    page = client.get("/company/approvals/").content.decode()
    assert 'data-testid="cancel"' in page and 'data-testid="approve"' not in page
    response = client.post(f"/company/approvals/{pending.public_id}/cancel", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-status="cancelled"' in response.content.decode()


def test_rules_page_is_for_managers(clerk, web):
    assert web_client(clerk).get("/company/approvals/rules/").status_code == 403
    response = web_client(clerk).post(
        "/company/approvals/rules/",
        {"name": "x", "document_kind": "quote", "condition": "first_deal_with_counterpart"},
    )
    assert response.status_code == 403
    assert ApprovalRule.objects.count() == 0
    assert web.get("/company/approvals/rules/").status_code == 200


def test_create_edit_and_deactivate_rules_on_the_web(web, company, finance):
    response = web.post(
        "/company/approvals/rules/",
        {
            "name": "大单复核",
            "document_kind": "order",
            "condition": "amount_above",
            "threshold": "500000",
            "approver_role": "finance",
        },
    )
    assert response.status_code == 302
    rule = ApprovalRule.objects.get(name="大单复核")
    page = web.get("/company/approvals/rules/").content.decode()
    assert "金额超过 500,000 元" in page and "角色：财务" in page
    response = web.post(
        f"/company/approvals/rules/{rule.public_id}/",
        {
            "name": "大单复核",
            "document_kind": "order",
            "condition": "amount_above",
            "threshold": "800000",
            "approver_role": "",
            "approvers": [str(finance.public_id)],
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.threshold == Decimal("800000") and list(rule.approvers.all()) == [finance]
    assert web.post(f"/company/approvals/rules/{rule.public_id}/deactivate").status_code == 302
    rule.refresh_from_db()
    assert rule.is_active is False
    assert web.post(f"/company/approvals/rules/{rule.public_id}/activate").status_code == 302
    rule.refresh_from_db()
    assert rule.is_active is True


def test_invalid_rule_on_the_web_shows_the_error(web):
    response = web.post(
        "/company/approvals/rules/",
        {
            "name": "未认证",
            "document_kind": "quote",
            "condition": "counterpart_unverified",
            "threshold": "5",
            "approver_role": "master",
        },
    )
    assert response.status_code == 422
    assert "不需要阈值" in response.content.decode()
    response = web.post(
        "/company/approvals/rules/",
        {"name": "无人审批", "document_kind": "quote", "condition": "first_deal_with_counterpart"},
    )
    assert response.status_code == 422
    assert "请指定审批角色或审批人" in response.content.decode()
    assert ApprovalRule.objects.count() == 0


def test_foreign_rule_pages_are_404(other_company, discount_rule):
    outsider = web_client(master_of(other_company))
    url = f"/company/approvals/rules/{discount_rule.public_id}/"
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"name": "x"}).status_code == 404
    assert outsider.post(f"{url}deactivate").status_code == 404
    discount_rule.refresh_from_db()
    assert discount_rule.is_active and discount_rule.name == "折扣超过 5%"


def test_try_it_on_the_web(web, discount_rule):
    response = web.get(
        "/company/approvals/rules/try",
        {"document_kind": "quote", "discount_percent": "8", "currency": "CNY"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "需要审批" in html and "折扣 8% 超过规则“折扣超过 5%”（5%）。" in html
    response = web.get(
        "/company/approvals/rules/try",
        {"document_kind": "quote", "discount_percent": "2", "currency": "CNY"},
    )
    assert "不需要审批" in response.content.decode()
    bad = web.get(
        "/company/approvals/rules/try",
        {"document_kind": "quote", "discount_percent": "200", "currency": "CNY"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422
    assert ApprovalRequest.objects.count() == 0


# -- demo ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_builds_rules_and_a_pending_request_idempotently():
    from mercator.demo.approvals import SUGAR_MILL, build_approvals, discount_quote
    from mercator.demo.build import demo_build

    demo_build()
    build_approvals()
    build_approvals()
    assert ApprovalRule.objects.count() == 3
    quote = discount_quote(Company.objects.get(legal_name=SUGAR_MILL))
    request = ApprovalRequest.objects.get(document=quote.ref)
    assert request.status == "pending"
    assert request.requested_by.person.email == "sales@sugarmill.demo"
    assert [r["name"] for r in request.reasons] == ["销售折扣超过 5% 需老板审批"]
    boss = request.company.memberships.get(person__email="boss@sugarmill.demo")
    client = web_client_demo(boss)
    assert request.title in client.get("/company/approvals/").content.decode()
    approval_decide(actor=as_actor(boss), request_id=request.public_id, approve=True)
    demo_build()  # the boss's decision stays; no second request
    assert ApprovalRequest.objects.filter(document=quote.ref).count() == 1


def web_client_demo(membership) -> Client:
    from mercator.demo.services import DEMO_PASSWORD

    client = Client()
    assert client.login(username=membership.person.email, password=DEMO_PASSWORD)
    return client
