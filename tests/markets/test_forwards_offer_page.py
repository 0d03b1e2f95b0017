"""The seller's page for a new forward offer (/markets/forwards/new/): it creates through
``forward_offer_create`` (the API's rules), shows refusals as form errors in the
member's language and writes nothing then, offers only the seller's own SKUs, and is
shown (link and page) exactly to members who may sell."""

import pytest

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company
from mercator.core.models import AuditEntry
from mercator.markets.models import ForwardMonth, ForwardOffer
from mercator.navigation import entry_keys, groups_for
from tests.conftest import choose_language, master_of
from tests.factories import CompanyFactory
from tests.markets.forwards_world import label
from tests.trading.conftest import World, sugar_catalog, verify, world  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/markets/forwards/new/"


@pytest.fixture(name="w")
def w_fixture(world: World) -> World:  # noqa: F811
    return world


def post_data(w: World, **over: str) -> dict[str, str]:
    data = {
        "sku": str(w.sku.public_id),
        "title": "一级白砂糖 远期",
        "description": "崇左仓交货，质量按国标一级。",
        "margin_percent": "12",
        "forfeit_percent": "60",
        "delivery_terms": "买方自提",
        "pay_hours": "48",
        "month-1-month": label(2),
        "month-1-quantity": "300",
        "month-1-ask_price": "5650",
        "month-2-month": label(1),
        "month-2-quantity": "500",
        "month-2-ask_price": "5600",
    }
    data.update(over)
    return data


def nothing_written() -> None:
    assert not ForwardOffer.objects.exists() and not ForwardMonth.objects.exists()
    assert not AuditEntry.objects.filter(action="forward.offer_create").exists()


def test_the_seller_creates_an_offer_from_the_page(w: World):
    web = w.web(w.mill_clerk)
    page = web.get(URL)
    assert page.status_code == 200
    assert str(w.sku.public_id) in page.content.decode()
    done = web.post(URL, post_data(w))
    assert done.status_code == 302, done.content.decode()
    offer = ForwardOffer.objects.get()
    assert done["Location"] == f"/markets/forwards/{offer.public_id}/"
    assert (offer.seller, offer.sku, offer.created_by) == (w.mill, w.sku, w.mill_clerk)
    assert (str(offer.margin_percent), str(offer.forfeit_percent)) == ("12.00", "60.00")
    assert (offer.pay_hours, offer.delivery_terms, offer.title) == (
        48,
        "买方自提",
        "一级白砂糖 远期",
    )
    months = [(f"{m.month:%Y-%m}", m.quantity, m.ask_price) for m in offer.months.order_by("month")]
    assert [(m, int(q), int(p)) for m, q, p in months] == [
        (label(1), 500, 5600),
        (label(2), 300, 5650),
    ]
    # The offer is on the 中远期 page, with the link to make another.
    listing = web.get("/markets/forwards/").content.decode()
    assert offer.number in listing and URL in listing


@pytest.mark.parametrize(
    ("over", "field_text"),
    [
        ({"month-1-month": "2020-01"}, "交割月份必须是将来的月份。"),
        ({"month-1-month": "2027-13"}, "月份格式应为 YYYY-MM。"),
        ({"month-2-month": label(2)}, "交割月份重复。"),
        ({"month-1-quantity": "-5"}, None),
        ({"month-1-ask_price": "abc"}, None),
        ({"margin_percent": "250"}, None),
        ({"pay_hours": "0"}, "付款期限应在 1 到 720 小时之间。"),
        (
            {
                "month-1-month": "",
                "month-1-quantity": "",
                "month-1-ask_price": "",
                "month-2-month": "",
                "month-2-quantity": "",
                "month-2-ask_price": "",
            },
            "请至少填写一个交割月份。",
        ),
        ({"sku": ""}, None),
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(w: World, over, field_text):
    page = w.web(w.mill_boss).post(URL, post_data(w, **over))
    assert 400 <= page.status_code < 500, page.status_code
    body = page.content.decode()
    assert 'data-testid="form-errors"' in body or 'data-testid="row-error"' in body
    if field_text:
        assert field_text in body
    nothing_written()


def test_errors_are_in_the_members_language(w: World):
    web = w.web(w.mill_boss)
    choose_language(web, "en")
    page = web.post(URL, post_data(w, **{"month-1-month": "2020-01"}))
    assert page.status_code == 422
    body = page.content.decode()
    assert "交割月份必须是将来的月份。" not in body and "month" in body.lower()
    nothing_written()


def test_another_companys_sku_is_refused(w: World):
    foreign, _listing = sugar_catalog(w.outsider)
    web = w.web(w.mill_boss)
    assert str(foreign.public_id) not in web.get(URL).content.decode()
    page = web.post(URL, post_data(w, sku=str(foreign.public_id)))
    assert page.status_code == 422 and 'data-testid="form-errors"' in page.content.decode()
    nothing_written()


def test_only_members_who_may_sell_see_the_page_and_its_link(w: World):
    buying_only = verify(CompanyFactory(short_name="南宁饼业", kind=Company.Kind.BUYER))
    unverified = CompanyFactory(short_name="未认证糖厂", kind=Company.Kind.SELLER)
    refused = [w.food_buyer, master_of(buying_only), master_of(unverified)]
    for member in refused:
        actor = actor_for_membership(member, via="web")
        assert "forward-offer-new" not in keys(actor)
        web = w.web(member)
        assert web.get(URL).status_code == 403
        assert web.post(URL, post_data(w)).status_code == 403
        assert URL not in web.get("/markets/forwards/").content.decode()
    nothing_written()
    seller = actor_for_membership(w.mill_clerk, via="web")
    assert "forward-offer-new" in keys(seller)
    home = w.web(w.mill_clerk).get("/markets/forwards/").content.decode()
    assert f'href="{URL}"' in home


def keys(actor) -> set[str]:
    return entry_keys(groups_for(actor))
