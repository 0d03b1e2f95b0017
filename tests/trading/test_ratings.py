"""Ratings after a settled order: only its parties rate, once each, on their side's
dimensions; garbage is a 422 that writes nothing; points reach membership once; the
comment stays between the parties (a third company sees aggregates only, on the card)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from mercator.companies.models import Notification
from mercator.companies.roles import Role
from mercator.core.models import AuditEntry
from mercator.membership.models import PointEntry
from mercator.trading.models import Rating
from mercator.trading.selectors.ratings import can_rate, rating_summary
from mercator.trading.services import ratings as services
from tests.conftest import bearer_client, master_of
from tests.factories import add_member
from tests.trading.conftest import World
from tests.trading.test_invoices import make_order
from tests.trading.test_orders import place

pytestmark = pytest.mark.django_db
API = "/api/v1"
SECRET = "糖里有沙子，包装破了三袋"
BUYER_STARS = {"quality": 5, "delivery": 4, "service": 3}  # average 4: +1
SELLER_STARS = {"payment": 5, "service": 5}  # average 5: +2


def rate(world: World, member, order, body: dict) -> object:
    return world.api(member).post(
        f"{API}/orders/{order.public_id}/rating", body, content_type="application/json"
    )


def points(company, reason: str = "rating_received") -> list[PointEntry]:
    return list(PointEntry.objects.filter(company=company, reason=reason).order_by("pk"))


def test_each_side_rates_the_other_once_and_points_go_down_once(world):
    order = make_order(world)
    answer = rate(world, world.food_buyer, order, {**BUYER_STARS, "comment": SECRET})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["side"] == "buyer" and body["ratee"]["short_name"] == "崇左糖厂"
    assert body["quality"] == 5 and body["payment"] is None and body["comment"] == SECRET

    earned = points(world.mill)
    assert len(earned) == 1
    assert earned[0].value == Decimal("1.00") and earned[0].market.code == "sugar"
    assert earned[0].ref == f"rating:{body['id']}"

    # A replay (the same request again) is a 409 and pushes nothing more.
    again = rate(world, world.food_buyer, order, {**BUYER_STARS, "comment": SECRET})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    # So is a colleague of the same side: the side rates once.
    again = rate(world, world.food_boss, order, BUYER_STARS)
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert len(points(world.mill)) == 1 and Rating.objects.count() == 1

    seller = rate(world, world.mill_clerk, order, SELLER_STARS)
    assert seller.status_code == 201, seller.content
    assert [p.value for p in points(world.food)] == [Decimal("2.00")]

    # The ratee's boss hears of each rating.
    assert Notification.objects.filter(person=world.mill_boss.person, kind="order.rated").exists()
    assert Notification.objects.filter(person=world.food_boss.person, kind="order.rated").exists()
    assert AuditEntry.objects.filter(action="order.rate", target=order.ref).count() == 2

    both = world.api(world.food_buyer).get(f"{API}/orders/{order.public_id}/ratings").json()
    assert both["count"] == 2 and {r["side"] for r in both["items"]} == {"buyer", "seller"}


def test_a_poor_rating_costs_points(world):
    order = make_order(world)
    assert rate(world, world.food_boss, order, {"quality": 1, "delivery": 2, "service": 1})
    assert [p.value for p in points(world.mill)] == [Decimal("-1.67")]


@pytest.mark.parametrize("status", ["approved", "shipped", "received", "cancelled"])
def test_only_a_settled_order_is_rated(world, status):
    order = make_order(world, status=status, paid=status != "approved")
    answer = rate(world, world.food_buyer, order, BUYER_STARS)
    assert answer.status_code == 409, answer.content
    assert Rating.objects.count() == 0 and PointEntry.objects.count() == 0


def test_a_placed_order_is_not_rated(world):
    order = place(world)
    assert not can_rate(world.actor(world.food_buyer), order)
    assert rate(world, world.food_buyer, order, BUYER_STARS).status_code == 409


@pytest.mark.parametrize(
    ("who", "body", "code"),
    [
        ("buyer", {"quality": 6, "delivery": 4, "service": 4}, "invalid_stars"),
        ("buyer", {"quality": 0, "delivery": 4, "service": 4}, "invalid_stars"),
        ("buyer", {"quality": -1, "delivery": 4, "service": 4}, "invalid_stars"),
        ("buyer", {"quality": "五", "delivery": 4, "service": 4}, "invalid_stars"),
        ("buyer", {"quality": "4.5", "delivery": 4, "service": 4}, "invalid_stars"),
        ("buyer", {"quality": 4, "delivery": 4}, "stars_required"),
        ("buyer", {}, "stars_required"),
        ("buyer", {**BUYER_STARS, "payment": 5}, "dimension_not_rated"),
        ("seller", {"payment": 5, "service": 5, "quality": 1}, "dimension_not_rated"),
        ("seller", {"service": 5}, "stars_required"),
        ("buyer", {**BUYER_STARS, "comment": "长" * 1001}, "comment_too_long"),
    ],
)
def test_garbage_stars_are_422_and_write_nothing(world, who, body, code):
    order = make_order(world)
    member = world.food_buyer if who == "buyer" else world.mill_clerk
    audits = AuditEntry.objects.count()
    answer = rate(world, member, order, body)
    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == code
    assert Rating.objects.count() == 0 and PointEntry.objects.count() == 0
    assert AuditEntry.objects.exclude(action__startswith="token.").count() == audits


@pytest.mark.parametrize("value", [4.5, True, [5], {"x": 1}])
def test_stars_of_the_wrong_type_are_422(world, value):
    order = make_order(world)
    answer = rate(world, world.food_buyer, order, {**BUYER_STARS, "quality": value})
    assert answer.status_code == 422, answer.content
    assert Rating.objects.count() == 0


def test_a_web_form_with_garbage_is_422_on_the_order_page(world):
    order = make_order(world)
    page = world.web(world.food_buyer).post(
        reverse("order-rate", args=[order.public_id]),
        {"quality": "9", "delivery": "4", "service": "4"},
    )
    assert page.status_code == 422 and 'data-testid="order-error"' in page.content.decode()
    assert Rating.objects.count() == 0


def test_a_third_company_and_a_colleague_who_does_not_own_it_get_404(world):
    order = make_order(world)
    rate(world, world.food_buyer, order, {**BUYER_STARS, "comment": SECRET})
    outsider = master_of(world.outsider)
    stranger_clerk = add_member(world.food, Role.PURCHASING)  # owns nothing
    for member in (outsider, stranger_clerk):
        client = bearer_client(member)
        url = f"{API}/orders/{order.public_id}"
        assert client.get(f"{url}/ratings").status_code == 404
        post = client.post(f"{url}/rating", BUYER_STARS, content_type="application/json")
        assert post.status_code == 404
        web = world.web(member)
        assert web.get(reverse("order-detail", args=[order.public_id])).status_code == 404
        rated = web.post(reverse("order-rate", args=[order.public_id]), BUYER_STARS)
        assert rated.status_code == 404
    assert Rating.objects.count() == 1


def test_the_card_shows_aggregates_never_the_comment(world):
    order = make_order(world)
    rate(world, world.food_buyer, order, {**BUYER_STARS, "comment": SECRET})
    outsider = master_of(world.outsider)
    card = bearer_client(outsider).get(f"{API}/companies/{world.mill.public_id}/card")
    assert card.status_code == 200, card.content
    data = card.json()
    assert SECRET not in card.content.decode("utf-8")
    dims = {d["dimension"]: d for d in data["ratings"]["dimensions"]}
    assert dims["quality"] == {
        "dimension": "quality",
        "count": 1,
        "average": "5.00",
        "good_percent": "100.0",
    }
    assert dims["service"]["average"] == "3.00" and dims["service"]["good_percent"] == "0.0"
    assert dims["payment"]["count"] == 0 and dims["payment"]["average"] is None
    assert data["ratings"]["settled_orders"] == 1 and data["ratings"]["complaint_percent"] == "0.00"
    assert data["active_listings"] == 1 and data["kind"] == world.mill.kind

    page = world.web(outsider).get(reverse("company-card", args=[world.mill.public_id]))
    html = page.content.decode()
    assert page.status_code == 200 and SECRET not in html and "崇左糖厂" in html
    assert 'data-testid="card-complaint-rate"' in html


def test_an_unknown_company_card_is_404(world):
    client = world.api(world.food_buyer)
    for bad in ("00000000-0000-0000-0000-000000000000", "nope", "1"):
        assert client.get(f"{API}/companies/{bad}/card").status_code == 404
        assert world.web(world.food_buyer).get(f"/companies/{bad}/").status_code == 404


def test_the_card_asks_for_sign_in(world, client):
    assert client.get(reverse("company-card", args=[world.mill.public_id])).status_code == 302
    assert client.get(f"{API}/companies/{world.mill.public_id}/card").status_code == 401


def test_a_rating_is_corrected_within_7_days_then_final(world):
    order = make_order(world)
    rate(world, world.food_buyer, order, BUYER_STARS)  # +1
    client = world.api(world.food_buyer)
    url = f"{API}/orders/{order.public_id}/rating"
    fixed = client.patch(url, {"quality": 5, "delivery": 5, "service": 5}, "application/json")
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["version"] == 2
    # The difference went down: the sum is the last rating's value.
    assert sum(p.value for p in points(world.mill)) == Decimal("2.00")
    assert len(points(world.mill)) == 2
    Rating.objects.update(created_at=timezone.now() - timedelta(days=8))
    late = client.patch(url, BUYER_STARS, "application/json")
    assert late.status_code == 409 and late.json()["code"] == "rating_final"
    assert sum(p.value for p in points(world.mill)) == Decimal("2.00")
    assert AuditEntry.objects.filter(action="order.rating_edit").count() == 1


def test_the_order_page_asks_to_rate_then_shows_both_ratings_to_the_parties(world):
    order = make_order(world)
    url = reverse("order-detail", args=[order.public_id])
    buyer = world.web(world.food_buyer)
    html = buyer.get(url).content.decode()
    assert 'data-testid="order-rate"' in html and 'data-testid="rate-dialog"' in html
    assert 'data-testid="rate-quality"' in html and 'data-testid="rate-payment"' not in html
    assert reverse("company-card", args=[order.seller.public_id]) in html
    done = buyer.post(
        reverse("order-rate", args=[order.public_id]), {**BUYER_STARS, "comment": SECRET}
    )
    assert done.status_code == 302
    html = buyer.get(url).content.decode()
    assert 'data-testid="order-rate"' not in html and SECRET in html
    seller = world.web(world.mill_clerk).get(url).content.decode()
    assert SECRET in seller and 'data-testid="order-rate"' in seller
    assert 'data-testid="rate-payment"' in seller and 'data-testid="rate-quality"' not in seller


def test_rating_summary_counts_upheld_complaints_over_settled_orders(world):
    for _ in range(4):
        make_order(world)
    order = make_order(world)
    complaint = services.complaint_create(
        actor=world.actor(world.food_boss), order_id=order.public_id, category="late", text="晚了"
    )
    from tests.trading.test_complaints import operator

    services.complaint_resolve(
        actor=operator(), complaint_id=complaint.public_id, decision="upheld", note="属实"
    )
    summary = rating_summary(world.mill)
    assert summary.settled_orders == 5 and summary.upheld_complaints == 1
    assert summary.complaint_percent == Decimal("20.00")
    # An order settled more than 12 months ago is out of the window.
    make_order(world, settled_at=timezone.now() - timedelta(days=400))
    assert rating_summary(world.mill).settled_orders == 5
