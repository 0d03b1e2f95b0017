"""The boss sees on the member list who signs in with two-factor, and which members may
approve or pay without it; such a member is told on his own account page."""

import re

from django.test import Client

from mercator.companies.roles import Role
from tests.core.test_totp import enrolled
from tests.factories import add_member


def cells(page: str) -> dict[str, str]:
    """email -> the two-factor cell of the member list."""
    rows = re.findall(
        r'data-email="([^"]+)".*?data-testid="two-factor"[^>]*>(.*?)</td>', page, re.S
    )
    return dict(rows)


def test_member_list_shows_two_factor_and_flags_finance(web, master, company):
    finance = add_member(company, Role.FINANCE)
    sales = add_member(company, Role.SALES)
    enrolled(master.person)
    page = web.get("/company/members/").content.decode()
    found = cells(page)
    assert "已开启" in found[master.person.email]
    assert "未开启" in found[finance.person.email] and "应开启" in found[finance.person.email]
    assert "未开启" in found[sales.person.email] and "应开启" not in found[sales.person.email]


def test_account_page_advises_who_may_pay(company):
    finance = add_member(company, Role.FINANCE)
    sales = add_member(company, Role.SALES)
    for seat, advised in [(finance, True), (sales, False)]:
        client = Client()
        client.force_login(seat.person)
        page = client.get("/account/security/").content.decode()
        assert ('data-testid="totp-advised"' in page) is advised, seat.role
