"""Garbage in the query strings and forms of the workbench's pages (cart and review, the
lists and their exports, receivables, evidence, licence, language, time zone) answers a
page or a 4xx for every kind of member, never a 500."""

import pytest
from django.test import Client

from mercator.core.models import User
from mercator.demo.build import demo_build

GETS = [
    "/cart/?payment_terms=zzz&credit_days=-5&delivery_method=x&destination_province=%00",
    "/cart/?credit_days=99999999999999999999&payment_terms=credit",
    "/cart/review?payment_terms=credit&credit_days=abc&delivery_method=delivery&destination_province=火星",
    "/orders/?from=2026-13-45&to=zz&sort=;drop&page=-1&status=nope&side=zz&role=zz",
    "/orders/?format=xlsx&page=abc&q=%00",
    "/quotes/?format=xlsx&from=0000-00-00",
    "/rfqs/?sort=-number&page=999999",
    "/inquiries/?status=%ff",
    "/invoices/?from=9999-99-99",
    "/payments/intents/?format=xlsx&sort=zzz",
    "/customers/?q=" + "x" * 5000,
    "/payments/receivables/?status=zz&side=zz&page=zz",
    "/orders/not-a-uuid/",
    "/orders/not-a-uuid/evidence/",
    "/ops/verifications/not-a-uuid/licence",
    "/ops/disputes/?refund=abc",
    "/?x=1",
    "/markets/proposals/?kind=zz&market=%00&status=x&page=-1&sort=;drop&format=xlsx",
    "/ops/markets/proposals/?kind=%ff&from=9999-99-99&market=" + "x" * 500,
    "/logistics/inbounds/?status=%ff&page=-1",
    "/logistics/warehouses/?kind=%00",
    "/logistics/warehouses/new/",
    "/logistics/lots/?view=zz&warehouse=%00&status=%ff&sort=;drop&page=-1&from=2026-13-45",
    "/logistics/lots/?format=xlsx&warehouse=" + "x" * 500,
    "/logistics/releases/?side=%ff&status=zz&page=abc&to=0000-00-00",
    "/logistics/releases/?format=xlsx&side=store",
    "/logistics/receipts/?status=zz&side=%00&page=-1&sort=;drop&from=9999-99-99&format=xlsx",
    "/logistics/receipts/?q=" + "x" * 5000,
    "/logistics/receipts/not-a-uuid/",
    "/logistics/quote/?origin_province=%00&destination_province=山东&quantity=1e999&unit=zz",
    "/logistics/quote/?origin_province=广西&destination_province=山东&quantity=5&unit=m3"
    "&tonnes_per_unit=-1&origin_city=" + "x" * 500,
    "/logistics/quote/?lot=not-a-uuid",
    "/logistics/quote/?listing=%ff",
    "/logistics/shipments/?status=%00",
    "/logistics/lanes/?mode=zz",
    "/ops/insights/?start=2026-13-45&end=%00&format=xlsx",
    "/insights/boss/?start=2026-03-01&end=2026-02-01&format=xlsx",
    "/fieldsales/targets/?state=%ff&market=%00&rep=zz&page=-1&q=" + "x" * 5000,
    "/fieldsales/markets/not-a-uuid/",
    "/fieldsales/targets/not-a-uuid/visits/new/",
]
POSTS = [
    ("/cart/", {"payment_terms": "prepaid", "expected_total": "abc"}),
    ("/cart/", {"payment_terms": "prepaid", "expected_total": "1e999"}),
    ("/i18n/setlang/", {"language": "xx-evil", "next": "http://evil.com"}),
    ("/orders/not-a-uuid/evidence/", {"statement": "x"}),
    ("/company/", {"time_zone": "Mars/Olympus"}),
    ("/markets/proposals/not-a-uuid/dismiss", {"next": "http://evil.com"}),
    ("/markets/proposals/%00/draft", {}),
    ("/logistics/warehouses/new/", {"capacity": "1e999", "province": "火星", "accepts": "%00"}),
    ("/logistics/releases/01a2381e-767e-740d-a87e-d6fb77e2a9cb/execute/", {"quantity": "1e99"}),
    ("/logistics/lots/01a2381e-767e-740d-a87e-d6fb77e2a9cb/list/", {"quantity": "%00"}),
    ("/logistics/receipts/not-a-uuid/transfer/", {"version": "x", "company_q": "%00"}),
    ("/logistics/receipts/01a23819-7f67-7a41-b164-2482c4b8fe90/pledge/", {"version": "1e999"}),
    ("/logistics/lots/01a23819-7f67-7a41-b164-2482c4b8fe90/receipt/", {"confirm": "1"}),
    ("/logistics/lanes/", {"transit_days_min": "abc", "price_per_tonne": "1e999", "mode": "x"}),
    ("/logistics/shipments/01a23603-672c-7e2f-8ff1-ffe68efcf407/depart/", {"eta": "zz"}),
    ("/logistics/shipments/01a23603-672c-7e2f-8ff1-ffe68efcf407/receive/", {"quantity": "x"}),
    ("/fieldsales/targets/new/", {"market": "%00", "name": "x" * 500, "monthly_need": "1e999"}),
    ("/fieldsales/targets/assign/", {"targets": ["%00", "zz"], "rep": "x"}),
    ("/fieldsales/markets/new/", {"name": "", "province": "火星", "category": "%00"}),
    ("/fieldsales/reps/", {"membership": "%00", "email": "x" * 500}),
    ("/ops/fieldsales/reasons/", {"step": "zz", "label": "", "position": "1e999"}),
]


@pytest.mark.django_db
def test_garbage_on_the_daily_pages_never_gives_a_500():
    demo_build()
    bad = []
    members = ["buyer@foodfactory.demo", "boss@sugarmill.demo", "ops@mercator.demo"]
    for email in [*members, "finance@foodfactory.demo"]:
        c = Client(raise_request_exception=False)
        c.force_login(User.objects.get(email=email))
        for url in GETS:
            r = c.get(url)
            if r.status_code >= 500:
                bad.append((email, url, r.status_code))
        for url, data in POSTS:
            r = c.post(url, data)
            if r.status_code >= 500:
                bad.append((email, url, r.status_code))
    assert bad == []
