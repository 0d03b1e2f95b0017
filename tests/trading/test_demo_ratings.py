"""The demo's ratings and complaints: both sides rate the settled history, one so-so;
one complaint waits on the operators' desk and one is decided; running the demo again
adds nothing (no rating, complaint or point twice)."""

import pytest
from django.test import Client
from django.urls import reverse

from mercator.demo.build import demo_build
from mercator.demo.ratings import build_ratings
from mercator.demo.services import DEMO_PASSWORD as PASSWORD
from mercator.membership.models import PointEntry
from mercator.trading.models import Complaint, Order, Rating

pytestmark = pytest.mark.django_db


def login(email: str) -> Client:
    client = Client()
    assert client.login(username=email, password=PASSWORD)
    return client


def test_demo_ratings_and_complaints_are_there_once():
    demo_build()
    counts = (Rating.objects.count(), Complaint.objects.count(), PointEntry.objects.count())
    assert counts[0] == 10
    assert Rating.objects.filter(quality=3, delivery=2).count() == 1  # the so-so apples
    assert list(Complaint.objects.values_list("status", flat=True).order_by("status")) == [
        "dismissed",
        "open",
    ]
    for rating in Rating.objects.select_related("order"):
        assert rating.created_at > rating.order.settled_at  # rated after settlement
    build_ratings()
    demo_build()
    assert (
        Rating.objects.count(),
        Complaint.objects.count(),
        PointEntry.objects.count(),
    ) == counts

    desk = login("ops@mercator.demo").get(reverse("ops-complaints"))
    assert desk.status_code == 200 and desk.content.decode().count('data-testid="complaint"') == 1

    # The latest settled sugar order waits for 王采购's rating.
    latest = Order.objects.get(note="十一月第二批白砂糖")
    page = login("buyer@foodfactory.demo").get(reverse("order-detail", args=[latest.public_id]))
    assert 'data-testid="order-rate"' in page.content.decode()
