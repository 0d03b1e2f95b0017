"""Whom a clerk may quote directly: only the customers he may see (his own unless his
role sees all). The new-quote page used to list every customer of the company (it read
``company.customers``) and a quote attached to a colleague's customer record."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mercator.companies.models import Customer
from mercator.companies.roles import Role
from mercator.trading.models import Quote, QuoteLine
from tests.factories import add_member
from tests.trading.conftest import World, own_customer, rfq_payload

pytestmark = pytest.mark.django_db


def quote_api(world: World, who, buyer: str):
    return world.api(who).post(
        "/api/v1/quotes",
        {"buyer": buyer, "lines": [{"sku": str(world.sku.public_id), "quantity": "10"}]},
        content_type="application/json",
    )


def quote_form(world: World, buyer: str) -> dict[str, str]:
    return {
        "buyer": buyer,
        "payment_terms": "prepaid",
        "credit_days": "0",
        "delivery_method": "pickup",
        "destination_province": "",
        "valid_until": (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "line-1-sku": str(world.sku.public_id),
        "line-1-quantity": "10",
        "line-1-unit_price": "",
        "action": "save",
    }


@pytest.fixture
def colleague(world: World):
    """A second clerk of the mill who owns the food factory as his customer."""
    other = add_member(world.mill, Role.SALES)
    own_customer(world, other)
    return other


def test_new_quote_page_lists_only_the_clerks_own_customers(world, colleague):
    food = world.food.short_name
    clerk = world.web(world.mill_clerk).get("/quotes/new").content.decode()
    assert f">{food}</option>" not in clerk
    owner = world.web(colleague).get("/quotes/new").content.decode()
    assert f">{food}</option>" in owner
    boss = world.web(world.mill_boss).get("/quotes/new").content.decode()  # sees all
    assert f">{food}</option>" in boss


def test_a_colleagues_customer_answers_404_and_writes_nothing(world, colleague):
    buyer = str(world.food.public_id)
    web = world.web(world.mill_clerk)
    assert web.get("/quotes/new", {"buyer": buyer}).status_code == 404
    assert web.post("/quotes/new", quote_form(world, buyer)).status_code == 404
    answer = quote_api(world, world.mill_clerk, buyer)
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    # Exactly like a company that is nobody's customer, or no company at all.
    assert quote_api(world, world.mill_clerk, str(world.outsider.public_id)).status_code == 404
    assert quote_api(world, world.mill_clerk, "not-an-id").status_code == 404
    assert Quote.objects.count() == 0 and QuoteLine.objects.count() == 0


def test_the_owner_quotes_his_customer_and_the_quote_is_his_record(world, colleague):
    buyer = str(world.food.public_id)
    record = Customer.objects.get(owner=colleague)
    answer = quote_api(world, colleague, buyer)
    assert answer.status_code == 201, answer.content
    assert Quote.objects.get().customer == record
    response = world.web(colleague).post("/quotes/new", quote_form(world, buyer))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Quote.objects.count() == 2
    assert set(Quote.objects.values_list("customer", flat=True)) == {record.pk}


def test_the_boss_sees_all_customers_and_may_quote_any(world, colleague):
    answer = quote_api(world, world.mill_boss, str(world.food.public_id))
    assert answer.status_code == 201, answer.content
    assert Quote.objects.get().customer == Customer.objects.get(owner=colleague)


def test_answering_an_rfq_never_attaches_a_colleagues_record(world, colleague):
    """The RFQ's buyer is a colleague's customer: the clerk may answer the RFQ, but his
    quote does not attach to the record he may not see."""
    rfq = world.api(world.food_buyer).post(
        "/api/v1/rfqs", rfq_payload(world), content_type="application/json"
    )
    assert rfq.status_code == 201, rfq.content
    answer = world.api(world.mill_clerk).post(
        "/api/v1/quotes",
        {
            "rfq": rfq.json()["id"],
            "lines": [{"sku": str(world.sku.public_id), "quantity": "100", "rfq_line": 1}],
        },
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    assert Quote.objects.get().customer is None
