"""The page shell: the grouped navigation of mercator/navigation.py shows a member only
what he may open, every link it shows answers 200, dates follow the company's time zone,
and /favicon.ico answers."""

import html
import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Membership
from mercator.companies.roles import Role
from mercator.demo.build import demo_build
from mercator.demo.services import WORLD
from mercator.navigation import ENTRIES, entry_keys, groups_for
from tests.factories import CompanyFactory, add_member

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "mercator-demo"  # README.md's demo logins
NAV_LINK = re.compile(r'<a href="([^"]+)" data-testid="nav-([\w-]+)"')
HEADER_LINKS = ("notifications-badge", "person")


def demo_logins() -> list[str]:
    """Every demo login, from the demo's own definition (README.md lists the same)."""
    return sorted({person.email for company in WORLD for person in company.people})


def signed_in(email: str) -> Client:
    client = Client()
    assert client.login(username=email, password=DEMO_PASSWORD), email
    return client


def nav_links(page: str) -> dict[str, str]:
    """{testid suffix: href} of the navigation's links in a rendered page."""
    start = page.index('id="sidenav"')
    end = page.index("</nav>", start)
    return {key: html.unescape(href) for href, key in NAV_LINK.findall(page[start:end])}


def header_link(page: str, testid: str) -> str:
    tag = re.search(rf'<a [^>]*data-testid="{testid}"[^>]*>', page).group(0)
    return html.unescape(re.search(r'href="([^"]+)"', tag).group(1))


def test_every_nav_link_answers_200_for_every_demo_login():
    demo_build()
    failures: list[str] = []
    seats = Membership.objects.filter(person__email__in=demo_logins(), is_active=True)
    for seat in seats.select_related("person", "company").order_by("person__email", "pk"):
        client = signed_in(seat.person.email)
        # The switcher in the top bar: act for this seat's company (a person in two
        # companies gets each one's navigation).
        switched = client.post("/company/switch", {"company": str(seat.company.public_id)})
        assert switched.status_code in (302, 303), switched.status_code
        home = client.get("/")
        assert home.status_code == 200
        page = home.content.decode()
        links = nav_links(page)
        assert links, seat.person.email
        # The page shows exactly the definition's entries for this member.
        expected = entry_keys(groups_for(actor_for_membership(seat, via="web")))
        assert set(links) - {"home"} == expected, (seat.person.email, seat.company)
        for testid in HEADER_LINKS:
            links[testid] = header_link(page, testid)
        assert seat.company.short_name in page  # the acting company, always in the top bar
        for key, href in links.items():
            response = client.get(href)
            if response.status_code != 200:
                failures.append(
                    f"{seat.person.email} @ {seat.company.short_name}: {key} {href} "
                    f"-> {response.status_code}"
                )
    assert not failures, "\n".join(failures)


def test_each_member_sees_only_his_groups():
    demo_build()

    def keys(email: str) -> tuple[set[str], set[str]]:
        page = signed_in(email).get("/").content.decode()
        groups = set(re.findall(r'data-testid="nav-group-(\w+)"', page))
        return groups, set(nav_links(page))

    groups, links = keys("buyer@foodfactory.demo")  # purchasing clerk of a buyer
    # 仓储物流: the warehouses every member with a company reads (no bookings: no stock.manage).
    assert groups - {"money"} == {"buy", "stock", "company"}
    assert "platform" not in groups and "sell" not in groups
    assert {"cart", "quick-order", "rfqs", "orders", "market"} <= links
    assert not links & {"pricing", "products", "members", "report", "wallet", "ops-payouts"}

    groups, links = keys("sales@sugarmill.demo")  # sales clerk of a seller
    assert "sell" in groups and "platform" not in groups
    assert {"inquiries", "quotes", "customers", "orders-sold", "pricing"} <= links
    assert not links & {"cart", "products", "members", "report", "wallet", "admin"}

    groups, links = keys("boss@sugarmill.demo")  # the boss of a seller
    assert {"sell", "money", "company"} <= groups and "platform" not in groups
    assert {"products", "pricing", "members", "report", "approvals", "wallet"} <= links
    assert not links & {"cart", "rfqs"}

    groups, links = keys("finance@foodfactory.demo")  # finance of a buyer
    assert {"wallet", "payables", "invoices", "orders"} <= links
    assert not links & {"cart", "pricing", "receivables", "customers", "ops-ledger"}

    groups, links = keys("ops@mercator.demo")  # the platform's operator
    assert "platform" in groups
    assert {"ops-verifications", "ops-bank", "ops-ledger", "ops-disputes", "ops-payouts"} <= links


def test_guest_sees_no_member_navigation():
    page = Client().get("/market/").content.decode()
    assert 'id="sidenav"' not in page and 'data-testid="nav-market"' in page
    assert 'data-testid="nav-register"' in page
    assert "{#" not in page and "#}" not in page  # no template comment printed as text


def test_current_section_is_highlighted(web):
    page = web.get("/orders/?side=sell").content.decode()
    current = re.findall(r'data-testid="nav-([\w-]+)" class="current" aria-current="page"', page)
    assert current == ["orders-sold"]
    assert 'class="nav-group current" data-testid="nav-group-sell"' in page
    page = web.get("/company/members/").content.decode()
    assert re.findall(r'data-testid="nav-([\w-]+)" class="current"', page) == ["members"]


def test_every_entry_has_a_known_group_and_a_unique_key():
    keys = [entry.key for entry in ENTRIES]
    assert len(keys) == len(set(keys))
    assert {entry.group for entry in ENTRIES} <= {
        "buy",
        "sell",
        "money",
        "stock",
        "field",
        "company",
        "platform",
    }


def test_viewer_of_a_buyer_sees_no_orders_cart_or_money():
    company = CompanyFactory(kind="buyer")
    seat = add_member(company, Role.VIEWER)
    keys = entry_keys(groups_for(actor_for_membership(seat, via="web")))
    assert not keys & {"cart", "orders", "wallet", "payables", "invoices", "members", "tokens"}
    assert {"market", "company", "security"} <= keys


def test_dates_follow_the_companys_time_zone(company, web):
    from mercator.companies.middleware import TimeZoneMiddleware
    from mercator.companies.services.members import company_update

    master = company.memberships.get(role=Role.MASTER)
    midnight_utc = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    hours: list[int] = []
    handler = TimeZoneMiddleware(
        lambda request: hours.append(timezone.localtime(midnight_utc).hour)
    )

    def request_of(seat: Membership) -> object:
        return type(
            "Request", (), {"user": seat.person, "actor": actor_for_membership(seat, via="web")}
        )

    handler(request_of(master))  # no choice made: the platform's default, Beijing time
    company_update(actor=actor_for_membership(master, via="web"), time_zone="Europe/London")
    handler(request_of(Membership.objects.select_related("company", "person").get(pk=master.pk)))
    assert hours == [8, 0]
    assert timezone.localtime(midnight_utc).hour == 8  # reset after the request
    # The company profile offers the choice.
    assert 'name="profile-time_zone"' in web.get("/company/").content.decode()


def test_favicon():
    response = Client().get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith(".ico")
    assert 'rel="icon"' in Client().get("/login/").content.decode()
