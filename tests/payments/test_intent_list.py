"""The payments list (/payments/intents/) through core.listing: search by number
(transfer code) or counterpart, status tabs with counts, sort both ways, side, Excel
export with amounts as numbers; garbage answers 200; another company's payments never
appear in the list, a count or an export."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from mercator.payments.models import PaymentIntent
from tests.conftest import master_of
from tests.factories import CompanyFactory
from tests.payments.conftest import make_intent


@pytest.fixture
def intents(world):
    small = make_intent(world, amount="100.00")
    large = make_intent(world, amount="2500.50", method=PaymentIntent.Method.BANK_TRANSFER)
    PaymentIntent.objects.filter(pk=large.pk).update(status=PaymentIntent.Status.SUCCEEDED)
    # A payment between two other companies.
    other = PaymentIntent.objects.create(
        payer=world.outsider,
        payee=CompanyFactory(short_name="第四家"),
        created_by=master_of(world.outsider),
        purpose=PaymentIntent.Purpose.ORDER,
        reference="order:x",
        method=PaymentIntent.Method.GATEWAY,
        amount=Decimal("777.00"),
        transfer_code="MCZZZZZZZZ",
    )
    return small, large, other


def codes(response) -> list[str]:
    return [i.transfer_code for i in response.context["listing"].page]


def test_search_by_number_and_counterpart(world, intents):
    small, large, _other = intents
    web = world.web(world.food_boss)
    url = reverse("payment-intents")
    assert codes(web.get(url, {"q": large.transfer_code})) == [large.transfer_code]
    assert set(codes(web.get(url, {"q": world.mill.short_name}))) == {
        small.transfer_code,
        large.transfer_code,
    }
    assert codes(web.get(url, {"q": "MCZZZZ"})) == []
    assert codes(web.get(url, {"q": world.food.short_name})) == []  # one's own name


def test_tabs_sort_side_and_export(world, intents):
    small, large, _other = intents
    web = world.web(world.food_boss)
    url = reverse("payment-intents")
    response = web.get(url, {"sort": "amount"})
    assert codes(response) == [small.transfer_code, large.transfer_code]
    assert codes(web.get(url, {"sort": "-amount"})) == [large.transfer_code, small.transfer_code]
    counts = response.context["listing"].counts
    assert (counts[""], counts["pending"], counts["succeeded"]) == (2, 1, 1)
    assert codes(web.get(url, {"status": "succeeded"})) == [large.transfer_code]
    assert codes(web.get(url, {"side": "received"})) == []
    mill = world.web(world.mill_boss)
    assert len(codes(mill.get(url, {"side": "received"}))) == 2
    exported = web.get(url, {"format": "xlsx", "status": "succeeded"})
    assert exported.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(exported.content)).worksheets[0].iter_rows(values_only=True)
    )
    amount = rows[0].index("金额")
    assert [(r[0], r[amount]) for r in rows[1:]] == [(large.transfer_code, 2500.5)]


def test_another_companys_payments_never_appear(world, intents):
    url = reverse("payment-intents")
    outsider = world.web(master_of(world.outsider))
    response = outsider.get(url)
    assert codes(response) == ["MCZZZZZZZZ"] and response.context["listing"].counts[""] == 1
    rows = list(
        load_workbook(io.BytesIO(outsider.get(url, {"format": "xlsx"}).content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert [r[0] for r in rows[1:]] == ["MCZZZZZZZZ"]
    food = world.web(world.food_boss)
    assert "MCZZZZZZZZ" not in food.get(url).content.decode()


@pytest.mark.parametrize(
    "params", [{"from": "x"}, {"status": "x"}, {"sort": "x"}, {"page": "x"}, {"side": "x"}]
)
def test_garbage_answers_200(world, intents, params):
    assert world.web(world.food_boss).get(reverse("payment-intents"), params).status_code == 200


def test_the_wallet_links_to_the_list(world):
    html = world.web(world.food_boss).get(reverse("wallet")).content.decode()
    assert f'href="{reverse("payment-intents")}"' in html
