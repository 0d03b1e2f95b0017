"""Inquiries (routing, pool, first-response time) and RFQs (validation, deadline)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mercator.companies.models import ActivityEvent, Company
from mercator.trading import services
from mercator.trading.models import Inquiry, Rfq, RfqLine
from tests.trading.conftest import own_customer, rfq_payload

pytestmark = pytest.mark.django_db


def ask(world, membership=None, **over):
    payload = {
        "listing": str(world.listing.public_id),
        "message": "100 吨一级白砂糖什么价？",
        "quantity": "100",
    }
    payload.update(over)
    return world.api(membership or world.food_buyer).post(
        "/api/v1/inquiries", payload, content_type="application/json"
    )


def test_inquiry_goes_to_the_clerk_who_owns_the_buyer(world):
    own_customer(world, world.mill_clerk)
    response = ask(world)
    assert response.status_code == 201, response.content
    inquiry = Inquiry.objects.get(public_id=response.json()["id"])
    assert inquiry.assigned_to == world.mill_clerk
    assert (
        ActivityEvent.objects.filter(
            membership=world.mill_clerk, kind=ActivityEvent.Kind.INQUIRY_RECEIVED
        ).count()
        == 1
    )
    assert (
        world.api(world.mill_clerk).get(f"/api/v1/inquiries/{inquiry.public_id}").status_code == 200
    )


def test_without_an_owner_it_waits_in_the_pool_until_the_boss_assigns_it(world):
    inquiry_id = ask(world).json()["id"]
    inquiry = Inquiry.objects.get(public_id=inquiry_id)
    assert inquiry.assigned_to is None
    clerk = world.api(world.mill_clerk)
    assert clerk.get(f"/api/v1/inquiries/{inquiry_id}").status_code == 404  # not his yet
    boss = world.api(world.mill_boss)
    pool = boss.get("/api/v1/inquiries?box=pool").json()
    assert [i["id"] for i in pool["items"]] == [inquiry_id]
    # A clerk may not assign (he cannot even see a pool inquiry).
    r = clerk.post(
        f"/api/v1/inquiries/{inquiry_id}/assign",
        {"member": str(world.mill_clerk.public_id)},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = boss.post(
        f"/api/v1/inquiries/{inquiry_id}/assign",
        {"member": str(world.mill_clerk.public_id)},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["assigned_to"] == str(world.mill_clerk.public_id)
    assert ActivityEvent.objects.filter(
        membership=world.mill_clerk, kind=ActivityEvent.Kind.INQUIRY_RECEIVED
    ).exists()
    assert clerk.get(f"/api/v1/inquiries/{inquiry_id}").status_code == 200
    # A member of another company cannot be named.
    r = boss.post(
        f"/api/v1/inquiries/{inquiry_id}/assign",
        {"member": str(world.outsider_clerk.public_id)},
        content_type="application/json",
    )
    assert r.status_code == 422


def test_first_answer_records_the_response_time(world):
    own_customer(world, world.mill_clerk)
    inquiry_id = ask(world).json()["id"]
    Inquiry.objects.filter(public_id=inquiry_id).update(
        received_at=timezone.now() - timedelta(minutes=10)
    )
    clerk = world.api(world.mill_clerk)
    r = clerk.post(
        f"/api/v1/inquiries/{inquiry_id}/answer",
        {"body": "5095 元/吨，到厂"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    clerk.post(
        f"/api/v1/inquiries/{inquiry_id}/answer",
        {"body": "补充：含税"},
        content_type="application/json",
    )
    events = ActivityEvent.objects.filter(
        membership=world.mill_clerk, kind=ActivityEvent.Kind.INQUIRY_ANSWERED
    )
    assert events.count() == 1  # only the first answer counts
    assert 595 <= events.get().response_seconds <= 660
    detail = world.api(world.food_buyer).get(f"/api/v1/inquiries/{inquiry_id}").json()
    assert detail["status"] == "answered"
    assert [m["side"] for m in detail["messages"]] == ["buyer", "seller", "seller"]


def test_unverified_buyer_browses_but_cannot_ask(world):
    Company.objects.filter(pk=world.food.pk).update(verification_status="unverified")
    r = ask(world)
    assert r.status_code == 403 and r.json()["code"] == "company_not_verified"
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"quantity": "-1"}, "invalid_quantity"),
        ({"message": "  "}, "message_required"),
        ({"listing": "nope"}, "unknown_listing"),
    ],
)
def test_bad_inquiry_is_422_and_saves_nothing(world, over, code):
    r = ask(world, **over)
    assert r.status_code == 422 and r.json()["code"] == code
    assert not Inquiry.objects.exists()


def test_rfq_is_created_with_lines_and_invites(world):
    r = world.api(world.food_buyer).post(
        "/api/v1/rfqs", rfq_payload(world), content_type="application/json"
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "open" and body["credit_days"] == 30
    assert body["lines"][0]["quantity"] == "100.0000" and body["lines"][0]["unit"] == "t"
    # The invited seller sees it; the outsider does not.
    assert world.api(world.mill_clerk).get(f"/api/v1/rfqs/{body['id']}").status_code == 200
    assert world.api(world.outsider_clerk).get(f"/api/v1/rfqs/{body['id']}").status_code == 404
    assert world.api(world.mill_clerk).get("/api/v1/rfqs?side=seller").json()["count"] == 1


@pytest.mark.parametrize(
    ("over", "code"),
    [
        (
            {"lines": [{"product_name": "白砂糖", "quantity": "-100", "unit": "t"}]},
            "invalid_quantity",
        ),
        (
            {"lines": [{"product_name": "白砂糖", "quantity": "100", "unit": "barrel"}]},
            "unknown_unit",
        ),
        ({"lines": []}, "lines_required"),
        ({"deadline": "2020-01-01T00:00:00Z"}, "deadline_past"),
        ({"sellers": []}, "sellers_required"),
        ({"credit_days": 0}, "invalid_credit_days"),
        ({"destination_province": ""}, "destination_province_required"),
        ({"sellers": ["00000000-0000-7000-8000-000000000000"]}, "unknown_seller"),
    ],
)
def test_bad_rfq_is_422_and_saves_nothing(world, over, code):
    r = world.api(world.food_buyer).post(
        "/api/v1/rfqs", rfq_payload(world, **over), content_type="application/json"
    )
    assert r.status_code == 422, r.content
    assert r.json()["code"] == code
    assert not Rfq.objects.exists() and not RfqLine.objects.exists()


def test_rfq_past_deadline_reads_closed_and_the_sweep_is_idempotent(world):
    rfq_id = (
        world.api(world.food_buyer)
        .post("/api/v1/rfqs", rfq_payload(world), content_type="application/json")
        .json()["id"]
    )
    Rfq.objects.filter(public_id=rfq_id).update(
        created_at=timezone.now() - timedelta(days=2),
        deadline=timezone.now() - timedelta(seconds=1),
    )
    assert world.api(world.food_buyer).get(f"/api/v1/rfqs/{rfq_id}").json()["status"] == "closed"
    r = world.api(world.mill_clerk).post(
        "/api/v1/quotes",
        {"rfq": rfq_id, "lines": [{"sku": str(world.sku.public_id), "quantity": "100"}]},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["details"]["status"] == "closed"
    assert services.rfq_close_sweep() == 1
    assert services.rfq_close_sweep() == 0
    assert Rfq.objects.get(public_id=rfq_id).status == "closed"


def test_cancel_then_cancel_again_is_409(world):
    buyer = world.api(world.food_buyer)
    rfq_id = buyer.post("/api/v1/rfqs", rfq_payload(world), content_type="application/json").json()[
        "id"
    ]
    assert world.api(world.mill_clerk).post(f"/api/v1/rfqs/{rfq_id}/cancel").status_code == 403
    assert buyer.post(f"/api/v1/rfqs/{rfq_id}/cancel").json()["status"] == "cancelled"
    r = buyer.post(f"/api/v1/rfqs/{rfq_id}/cancel")
    assert r.status_code == 409 and "已取消" in r.json()["message"]
