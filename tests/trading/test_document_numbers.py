"""Quote, RFQ and inquiry numbers (issue 10): assigned by the creating services through the
one numbering helper shared with orders, unique, dated on the local day; the migration
numbers rows that existed before; lists find a document by its number (and never another
company's); the API and the pages show it, the pages as the link text."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from mercator.core.errors import Conflict
from mercator.core.selectors import audit_entries_visible_to
from mercator.insights.activity import describe_entries
from mercator.trading.models import Inquiry, Order, Quote, Rfq
from mercator.trading.services import numbering
from tests.trading.conftest import World, rfq_payload

pytestmark = pytest.mark.django_db


def today() -> str:
    return f"{timezone.localdate():%Y%m%d}"


def create_rfq(world: World, **over: object) -> Rfq:
    response = world.api(world.food_buyer).post(
        "/api/v1/rfqs", rfq_payload(world, **over), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return Rfq.objects.get(public_id=response.json()["id"])


def create_quote(world: World, rfq: Rfq) -> Quote:
    line = {"sku": str(world.sku.public_id), "quantity": "100", "rfq_line": 1}
    response = world.api(world.mill_clerk).post(
        "/api/v1/quotes",
        {"rfq": str(rfq.public_id), "lines": [line]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return Quote.objects.get(public_id=response.json()["id"])


def create_inquiry(world: World) -> Inquiry:
    response = world.api(world.food_buyer).post(
        "/api/v1/inquiries",
        {"listing": str(world.listing.public_id), "message": "什么价？", "quantity": "20"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return Inquiry.objects.get(public_id=response.json()["id"])


def test_services_give_each_document_its_dated_number(world):
    rfq = create_rfq(world)
    quotes = [create_quote(world, rfq), create_quote(world, rfq)]
    inquiry = create_inquiry(world)
    assert re.fullmatch(rf"RFQ{today()}[0-9A-HJ-NP-Z]{{6}}", rfq.number)
    assert re.fullmatch(rf"INQ{today()}[0-9A-HJ-NP-Z]{{6}}", inquiry.number)
    for quote in quotes:
        assert re.fullmatch(rf"QT{today()}[0-9A-HJ-NP-Z]{{6}}", quote.number)
    assert quotes[0].number != quotes[1].number


def test_a_drawn_number_already_taken_is_drawn_again(world, monkeypatch):
    rfq = create_rfq(world)
    draws = iter([rfq.number, "RFQ20260101AAAAAA"])
    monkeypatch.setattr(numbering, "compose_number", lambda prefix, day: next(draws))
    assert numbering.new_number(Rfq, numbering.RFQ_PREFIX) == "RFQ20260101AAAAAA"


def test_when_every_draw_is_taken_the_answer_is_a_conflict_not_a_duplicate(world, monkeypatch):
    rfq = create_rfq(world)
    monkeypatch.setattr(numbering, "compose_number", lambda prefix, day: rfq.number)
    with pytest.raises(Conflict) as caught:
        numbering.new_number(Rfq, numbering.RFQ_PREFIX)
    assert caught.value.code == "number_collision"


def test_orders_draw_from_the_same_helper(world, monkeypatch):
    seen: list[tuple[type, str]] = []
    real = numbering.new_number

    def spy(model: type, prefix: str, day: object = None) -> str:
        seen.append((model, prefix))
        return real(model, prefix, day)

    monkeypatch.setattr("mercator.trading.services.orders.new_number", spy)
    rfq = create_rfq(world, payment_terms="prepaid", credit_days=0)
    quote = create_quote(world, rfq)
    sent = world.api(world.mill_clerk).post(
        f"/api/v1/quotes/{quote.public_id}/send", {}, content_type="application/json"
    )
    assert sent.status_code == 200, sent.content
    accepted = world.api(world.food_buyer).post(
        f"/api/v1/quotes/{quote.public_id}/accept", {}, content_type="application/json"
    )
    assert accepted.status_code == 200, accepted.content
    placed = world.api(world.food_buyer).post(
        "/api/v1/orders/from-quote",
        {"quote": str(quote.public_id)},
        content_type="application/json",
    )
    assert placed.status_code == 201, placed.content
    assert seen == [(Order, "SO")]
    assert Order.objects.get().number.startswith(f"SO{today()}")


def test_the_api_shows_the_number_to_both_sides(world):
    rfq = create_rfq(world)
    quote = create_quote(world, rfq)
    inquiry = create_inquiry(world)
    buyer, clerk = world.api(world.food_buyer), world.api(world.mill_clerk)
    assert buyer.get(f"/api/v1/rfqs/{rfq.public_id}").json()["number"] == rfq.number
    assert clerk.get(f"/api/v1/quotes/{quote.public_id}").json()["number"] == quote.number
    assert buyer.get(f"/api/v1/inquiries/{inquiry.public_id}").json()["number"] == inquiry.number
    assert [r["number"] for r in buyer.get("/api/v1/rfqs").json()["items"]] == [rfq.number]


def test_lists_find_a_document_by_its_number_and_never_another_companys(world):
    rfq = create_rfq(world)
    quote = create_quote(world, rfq)
    inquiry = create_inquiry(world)
    other_rfq = create_rfq(world)
    food, mill = world.web(world.food_boss), world.web(world.mill_boss)
    found = food.get("/rfqs/", {"q": rfq.number.lower()}).context["listing"]
    assert [r.pk for r in found.page] == [rfq.pk] and other_rfq.number != rfq.number
    sent = mill.get("/quotes/", {"side": "seller", "q": quote.number}).context["listing"]
    assert [q.pk for q in sent.page] == [quote.pk]
    received = mill.get("/inquiries/", {"q": inquiry.number}).context["listing"]
    assert [i.pk for i in received.page] == [inquiry.pk]
    # The outsider searching for these numbers finds nothing.
    outsider = world.web(world.outsider_clerk)
    assert outsider.get("/rfqs/", {"q": rfq.number}).context["listing"].total == 0
    theirs = outsider.get("/quotes/", {"side": "buyer", "q": quote.number})
    assert theirs.context["listing"].total == 0
    assert outsider.get("/inquiries/", {"q": inquiry.number}).context["listing"].total == 0


def test_pages_show_the_number_as_the_link_and_the_title(world):
    rfq = create_rfq(world)
    quote = create_quote(world, rfq)
    sent = world.api(world.mill_clerk).post(
        f"/api/v1/quotes/{quote.public_id}/send", {}, content_type="application/json"
    )
    assert sent.status_code == 200, sent.content
    inquiry = create_inquiry(world)
    mill = world.web(world.mill_boss)
    quotes_page = mill.get("/quotes/", {"side": "seller"}).content.decode()
    assert f'href="/quotes/{quote.public_id}/" data-testid="quote-number">{quote.number}</a>' in (
        quotes_page
    )
    inquiries = mill.get("/inquiries/").content.decode()
    assert f">{inquiry.number}</a>" in inquiries
    food = world.web(world.food_boss)
    rfqs = food.get("/rfqs/").content.decode()
    assert f">{rfq.number}</a>" in rfqs
    # The RFQ's side-by-side names each quote by its number, linked.
    detail = food.get(f"/rfqs/{rfq.public_id}/").content.decode()
    assert f"<title>询价单 {rfq.number}" in detail
    assert f'href="/quotes/{quote.public_id}/">{quote.number}</a>' in detail
    assert quote.number in mill.get(f"/quotes/{quote.public_id}/").content.decode()
    inquiry_page = mill.get(f"/inquiries/{inquiry.public_id}/").content.decode()
    assert f"<title>询盘 {inquiry.number}" in inquiry_page


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_rows_by_their_local_creation_day(world):
    """Rows made before numbers existed get one, dated on the day (Asia/Shanghai) each
    was created, and the numbers are unique."""
    executor = MigrationExecutor(connection)
    executor.migrate([("trading", "0006_document_numbers")])
    old = executor.loader.project_state(("trading", "0006_document_numbers")).apps
    OldRfq, OldQuote = old.get_model("trading", "Rfq"), old.get_model("trading", "Quote")
    OldInquiry = old.get_model("trading", "Inquiry")
    # 23:30 UTC on 9 March is already 10 March in China.
    late = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    early = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
    rfqs = [
        OldRfq.objects.create(
            buyer_id=world.food.pk,
            created_by_id=world.food_buyer.pk,
            owner_id=world.food_buyer.pk,
            title=f"旧询价单 {n}",
            deadline=when + timedelta(days=3),
            created_at=when,
        )
        for n, when in enumerate((late, early))
    ]
    quote = OldQuote.objects.create(
        seller_id=world.mill.pk,
        buyer_id=world.food.pk,
        owner_id=world.mill_clerk.pk,
        created_by_id=world.mill_clerk.pk,
        rfq_id=rfqs[0].pk,
        valid_until=late + timedelta(days=5),
        total=Decimal("100.00"),
        created_at=late,
    )
    inquiry = OldInquiry.objects.create(
        buyer_id=world.food.pk,
        asked_by_id=world.food_buyer.pk,
        seller_id=world.mill.pk,
        listing_id=world.listing.pk,
        message="旧询盘",
        received_at=early,
    )
    assert {r.number for r in OldRfq.objects.all()} == {""}
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    numbers = {r.pk: r.number for r in Rfq.objects.all()}
    assert numbers[rfqs[0].pk].startswith("RFQ20260310") and len(numbers[rfqs[0].pk]) == 17
    assert numbers[rfqs[1].pk].startswith("RFQ20260309")
    assert len(set(numbers.values())) == 2
    assert Quote.objects.get(pk=quote.pk).number.startswith("QT20260310")
    assert Inquiry.objects.get(pk=inquiry.pk).number.startswith("INQ20260309")
    unique = {f.name: f.unique for f in Rfq._meta.get_fields() if f.name == "number"}
    assert unique == {"number": True}


def test_workbench_activity_links_each_document_by_its_number(world):
    rfq = create_rfq(world)
    quote = create_quote(world, rfq)
    inquiry = create_inquiry(world)
    seller = world.actor(world.mill_boss)
    texts = [str(s.html) for s in describe_entries(seller, audit_entries_visible_to(seller))]
    assert any(f'<a href="/quotes/{quote.public_id}/">{quote.number}</a>' in t for t in texts)
    buyer = world.actor(world.food_boss)
    texts = [str(s.html) for s in describe_entries(buyer, audit_entries_visible_to(buyer))]
    assert any(f'<a href="/rfqs/{rfq.public_id}/">{rfq.number}</a>' in t for t in texts)
    assert any(
        f'<a href="/inquiries/{inquiry.public_id}/">{inquiry.number}</a>' in t for t in texts
    )
