"""The proposals' pages and API (聚合建议): operators see all and run the detection,
a seller's members their company's, buyers get 404; dismissing from the page and the API;
the filters and bad input."""

import pytest
from django.test import Client
from django.urls import reverse

from mercator.markets.models import Proposal
from mercator.markets.services.proposals import proposals_generate
from tests.factories import PASSWORD, UserFactory
from tests.markets.proposals_helpers import TODAY, buyers, deal
from tests.trading.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def proposals(world):  # noqa: F811
    """An auction proposal (three price levels) and a group buy (three 广西 buyers)."""
    a, b, c = buyers(3)
    for who, qty, price in ((a, "90", "5000"), (b, "60", "5100"), (c, "36", "5200")):
        deal(world, who, qty, price, region="广西")
    proposals_generate(today=TODAY)
    return {p.kind: p for p in Proposal.objects.all()}


def ops_client() -> Client:
    user = UserFactory(is_staff=True)
    client = Client()
    client.force_login(user)
    return client


def test_the_operators_page_shows_the_numbers_and_filters(world, proposals):  # noqa: F811
    client = ops_client()
    page = client.get(reverse("ops-proposals"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="proposal"') == 2
    assert 'data-testid="proposal-levels"' in html and 'data-testid="proposal-buyers"' in html
    assert "<svg" in html and "proposals-run" in html
    only = client.get(reverse("ops-proposals") + "?kind=auction").content.decode()
    assert only.count('data-testid="proposal"') == 1 and "proposal-levels" in only
    # Garbage filters are ignored, never a 500.
    for query in ("?kind=zzz&market=%00&status=bad&page=-3", "?from=2026-99-99&sort=evil"):
        assert client.get(reverse("ops-proposals") + query).status_code == 200
    partial = client.get(reverse("ops-proposals"), HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "proposal-levels" in partial.content.decode()
    xlsx = client.get(reverse("ops-proposals") + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")


def test_the_run_button_needs_an_operator(world, proposals):  # noqa: F811
    assert ops_client().post(reverse("ops-proposals-run")).status_code == 302
    seller = world.web(world.mill_boss)
    assert seller.post(reverse("ops-proposals-run")).status_code == 404
    assert seller.get(reverse("ops-proposals")).status_code == 404


def test_a_seller_sees_his_own_and_a_buyer_nothing(world, proposals):  # noqa: F811
    page = world.web(world.mill_clerk).get(reverse("proposals"))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="proposal"') == 2
    assert "proposal-draft" in page.content.decode()
    assert world.web(world.food_buyer).get(reverse("proposals")).status_code == 404
    # Another seller: his page is empty, and the mill's proposals are 404 to him.
    other = world.web(world.outsider_clerk)
    assert other.get(reverse("proposals")).content.decode().count('data-testid="proposal"') == 0
    pid = proposals["auction"].public_id
    assert other.post(reverse("proposal-dismiss", args=[pid])).status_code == 404
    assert Proposal.objects.get(pk=proposals["auction"].pk).status == "new"


def test_dismiss_from_the_page(world, proposals):  # noqa: F811
    client = world.web(world.mill_boss)
    pid = proposals["group_buy"].public_id
    response = client.post(
        reverse("proposal-dismiss", args=[pid]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("proposals")
    assert Proposal.objects.get(public_id=pid).status == "dismissed"
    # A second time: refused with a message naming the state, nothing changes.
    again = client.post(reverse("proposal-dismiss", args=[pid]), follow=True)
    assert "已忽略" in again.content.decode()
    assert client.post(reverse("proposal-dismiss", args=["not-an-id"])).status_code == 404


def test_api_list_detail_dismiss_and_run(world, proposals):  # noqa: F811
    seller = world.api(world.mill_boss)
    listed = seller.get(f"{API}/proposals").json()
    assert listed["count"] == 2
    auction = next(p for p in listed["items"] if p["kind"] == "auction")
    assert auction["figures"]["levels"][0]["price"] == "5000"
    assert auction["gain"] == str(proposals["auction"].gain) and auction["can_act"] is True
    assert seller.get(f"{API}/proposals?kind=group_buy").json()["count"] == 1
    assert seller.get(f"{API}/proposals?status=dismissed").json()["count"] == 0
    pid = auction["id"]
    assert seller.get(f"{API}/proposals/{pid}").json()["id"] == pid
    # A buyer: 404 on the list and on the proposal; another seller: 404 on it.
    buyer = world.api(world.food_buyer)
    assert buyer.get(f"{API}/proposals").status_code == 404
    assert buyer.get(f"{API}/proposals/{pid}").status_code == 404
    other = world.api(world.outsider_clerk)
    assert other.get(f"{API}/proposals").json()["count"] == 0
    assert other.post(f"{API}/proposals/{pid}/dismiss").status_code == 404
    assert other.post(f"{API}/ops/proposals/run").status_code == 404
    done = seller.post(f"{API}/proposals/{pid}/dismiss")
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    again = seller.post(f"{API}/proposals/{pid}/dismiss")
    assert again.status_code == 409 and again.json()["details"] == {"status": "dismissed"}
    assert seller.post(f"{API}/proposals/{pid}/draft").status_code == 409
    ops = Client()
    ops.force_login(UserFactory(is_staff=True))
    run = ops.post(f"{API}/ops/proposals/run")
    assert run.status_code == 200 and run.json()["kept"] + run.json()["created"] >= 0


def test_api_bad_ids_and_filters(world, proposals):  # noqa: F811
    seller = world.api(world.mill_boss)
    for bad in ("x", "00000000-0000-0000-0000-000000000000", "%20"):
        assert seller.get(f"{API}/proposals/{bad}").status_code == 404
        assert seller.post(f"{API}/proposals/{bad}/dismiss").status_code == 404
    assert seller.get(f"{API}/proposals?kind=nope&status=zz").json()["count"] == 2
    assert seller.get(f"{API}/proposals?market=" + "x" * 61).status_code == 422


def test_navigation_shows_the_pages_to_whom_they_answer(world, proposals):  # noqa: F811
    ops = ops_client().get(reverse("ops-proposals")).content.decode()
    assert 'data-testid="nav-ops-proposals"' in ops
    seller = world.web(world.mill_clerk).get(reverse("proposals")).content.decode()
    assert 'data-testid="nav-proposals"' in seller
    buyer = world.web(world.food_buyer).get(reverse("orders")).content.decode()
    assert "nav-proposals" not in buyer and "nav-ops-proposals" not in buyer
    assert PASSWORD
