"""Complaints: either party of a received or settled order complains; the operators'
desk (operators only, others 404) shows it with both companies, the order's events and
the ratings; upheld costs the complained-of company points once; both sides hear; every
step is audited. No money moves."""

import pytest
from django.test import Client
from django.urls import reverse

from mercator.companies.models import Notification
from mercator.core.actor import Actor
from mercator.core.models import AuditEntry
from mercator.membership.models import PointEntry
from mercator.payments.models import LedgerTransaction
from mercator.trading.models import Complaint
from mercator.trading.services import ratings as services
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, UserFactory
from tests.trading.conftest import World
from tests.trading.test_invoices import make_order
from tests.trading.test_orders import place

pytestmark = pytest.mark.django_db
API = "/api/v1"


def operator() -> Actor:
    return Actor(person=UserFactory(is_staff=True), via="api")


def operator_client() -> Client:
    ops = UserFactory(is_staff=True)
    client = Client()
    assert client.login(username=ops.email, password=PASSWORD)
    return client


def complain(world: World, member, order, **body: object) -> object:
    payload = {"category": "short_delivery", "text": "少了 3 吨", **body}
    return world.api(member).post(
        f"{API}/orders/{order.public_id}/complaints", payload, content_type="application/json"
    )


def test_the_complaint_flow_from_order_to_desk_to_ruling(world):
    order = make_order(world)
    services.rating_create(
        actor=world.actor(world.food_buyer),
        order_id=order.public_id,
        stars={"quality": 2, "delivery": 1, "service": 2},
        comment="短少三吨",
    )
    made = complain(world, world.food_buyer, order)
    assert made.status_code == 201, made.content
    assert made.json()["against"]["short_name"] == "崇左糖厂" and made.json()["status"] == "open"
    # One open complaint per side.
    again = complain(world, world.food_boss, order)
    assert again.status_code == 409 and again.json()["code"] == "complaint_open"
    # The seller may complain too, about the buyer.
    assert complain(world, world.mill_clerk, order, category="payment").status_code == 201
    assert Notification.objects.filter(
        person=world.mill_boss.person, kind="order.complaint"
    ).exists()
    money_before = LedgerTransaction.objects.count()

    ops = operator_client()
    desk = ops.get(reverse("ops-complaints"))
    html = desk.content.decode()
    assert desk.status_code == 200 and order.number in html and "少了 3 吨" in html
    assert html.count('data-testid="complaint"') == 2
    assert "短少三吨" in html  # the ratings, for the operator
    assert 'data-testid="complaint-events"' in html

    complaint = Complaint.objects.get(side="buyer")
    bad = ops.post(
        reverse("ops-complaints"),
        {"complaint": complaint.public_id, "decision": "maybe", "note": "x"},
    )
    assert bad.status_code == 422 and 'data-testid="complaint-error"' in bad.content.decode()
    no_note = ops.post(
        reverse("ops-complaints"),
        {"complaint": complaint.public_id, "decision": "upheld", "note": " "},
    )
    assert no_note.status_code == 422
    assert Complaint.objects.get(pk=complaint.pk).status == "open"

    done = ops.post(
        reverse("ops-complaints"),
        {"complaint": complaint.public_id, "decision": "upheld", "note": "磅单显示短少"},
    )
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "upheld" and complaint.resolution_note == "磅单显示短少"
    lost = PointEntry.objects.filter(company=world.mill, reason="complaint_upheld")
    assert lost.count() == 1 and lost.get().ref == f"complaint:{complaint.public_id}"
    assert lost.get().points < 0
    # Decided once: a second ruling is a 409 and pushes nothing more.
    again = bearer_client_operator_resolve(complaint, "dismissed")
    assert again.status_code == 409 and again.json()["code"] == "complaint_closed"
    assert lost.count() == 1
    # Both sides hear; no money moved.
    for boss in (world.mill_boss, world.food_boss):
        assert Notification.objects.filter(
            person=boss.person, kind="order.complaint_resolved"
        ).exists()
    assert LedgerTransaction.objects.count() == money_before
    actions = set(AuditEntry.objects.filter(target=order.ref).values_list("action", flat=True))
    assert {"order.rate", "order.complain", "order.complaint_resolve"} <= actions

    # The parties read the ruling on the order page.
    page = world.web(world.food_buyer).get(reverse("order-detail", args=[order.public_id]))
    assert "磅单显示短少" in page.content.decode()

    # Dismissed: no points.
    other = Complaint.objects.get(side="seller")
    services.complaint_resolve(
        actor=operator(), complaint_id=other.public_id, decision="dismissed", note="已付清"
    )
    assert not PointEntry.objects.filter(company=world.food, reason="complaint_upheld").exists()
    # After a ruling the side may complain again.
    assert complain(world, world.food_buyer, order, category="quality").status_code == 201


def bearer_client_operator_resolve(complaint: Complaint, decision: str) -> object:
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    return client.post(
        f"{API}/ops/complaints/{complaint.public_id}/resolve",
        {"decision": decision, "note": "再议"},
        content_type="application/json",
    )


def test_the_desk_and_its_api_are_404_for_companies(world):
    order = make_order(world)
    complain(world, world.food_buyer, order)
    complaint = Complaint.objects.get()
    for member in (world.food_boss, world.mill_boss, master_of(world.outsider)):
        assert world.web(member).get(reverse("ops-complaints")).status_code == 404
        assert (
            world.web(member)
            .post(
                reverse("ops-complaints"),
                {"complaint": complaint.public_id, "decision": "dismissed", "note": "x"},
            )
            .status_code
            == 404
        )
        api = bearer_client(member)
        assert api.get(f"{API}/ops/complaints").status_code == 404
        answer = api.post(
            f"{API}/ops/complaints/{complaint.public_id}/resolve",
            {"decision": "dismissed", "note": "x"},
            content_type="application/json",
        )
        assert answer.status_code == 404
    assert Complaint.objects.get().status == "open"
    assert Client().get(reverse("ops-complaints")).status_code == 302

    listed = Client()
    listed.force_login(UserFactory(is_staff=True))
    rows = listed.get(f"{API}/ops/complaints?status=open").json()
    assert rows["count"] == 1 and rows["items"][0]["order_number"] == order.number


def test_only_a_received_or_settled_order_takes_a_complaint(world):
    shipped = make_order(world, status="shipped")
    assert complain(world, world.food_buyer, shipped).status_code == 409
    received = make_order(world, status="received")
    assert complain(world, world.food_buyer, received).status_code == 201
    placed = place(world)
    assert complain(world, world.food_buyer, placed).status_code == 409
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"category": "bad"}, "invalid_category"),
        ({"category": ""}, "invalid_category"),
        ({"text": ""}, "text_required"),
        ({"text": "长" * 2001}, "text_too_long"),
    ],
)
def test_a_bad_complaint_is_422_and_writes_nothing(world, body, code):
    order = make_order(world)
    answer = complain(world, world.food_buyer, order, **body)
    assert answer.status_code == 422 and answer.json()["code"] == code
    assert (
        Complaint.objects.count() == 0
        and not AuditEntry.objects.filter(action="order.complain").exists()
    )


def test_a_third_company_cannot_complain_or_see_complaints(world):
    order = make_order(world)
    outsider = master_of(world.outsider)
    answer = complain(world, outsider, order)
    assert answer.status_code == 404
    page = world.web(outsider).post(
        reverse("order-complain", args=[order.public_id]), {"category": "late", "text": "x"}
    )
    assert page.status_code == 404
    assert Complaint.objects.count() == 0


def test_the_order_page_complaint_dialog_says_it_is_not_a_dispute(world):
    order = make_order(world)
    web = world.web(world.food_buyer)
    html = web.get(reverse("order-detail", args=[order.public_id])).content.decode()
    assert 'data-testid="order-complain"' in html and 'data-testid="complain-dialog"' in html
    done = web.post(
        reverse("order-complain", args=[order.public_id]),
        {"category": "quality", "text": "结块"},
    )
    assert done.status_code == 302
    html = web.get(reverse("order-detail", args=[order.public_id])).content.decode()
    assert 'data-testid="complaint"' in html and 'data-testid="order-complain"' not in html
