"""The demo's prices, and the seller's pricing pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from mercator.catalog.models import Product
from mercator.demo.pricing import build_pricing
from mercator.pricing.engine import QuoteRequest, quote_price
from mercator.pricing.models import (
    CustomerClassAssignment,
    CustomerPrice,
    FreightRate,
    PriceList,
    PriceRule,
    TermsPolicy,
)
from tests.factories import CompanyFactory
from tests.pricing.world import make_listing, make_sku, new_buyer


def test_demo_prices_are_built_once_and_quote(db):
    build_pricing()  # no sugar mill yet: nothing happens
    assert not PriceList.objects.exists()
    mill = CompanyFactory(short_name="崇左糖厂")
    huanan = CompanyFactory(short_name="华南食品")
    haowei = CompanyFactory(short_name="好味食品")
    skus = {}
    for grade in ("一级白砂糖", "二级白砂糖"):
        sku = make_sku(mill)
        Product.objects.filter(pk=sku.product_id).update(name=grade)
        skus[grade] = sku
        make_listing(sku, origin="崇左仓")
    build_pricing()
    counts = [
        m.objects.count()
        for m in (
            PriceList,
            PriceRule,
            CustomerPrice,
            FreightRate,
            TermsPolicy,
            CustomerClassAssignment,
        )
    ]
    build_pricing()
    assert counts == [
        m.objects.count()
        for m in (
            PriceList,
            PriceRule,
            CustomerPrice,
            FreightRate,
            TermsPolicy,
            CustomerClassAssignment,
        )
    ]
    assert counts[:2] == [3, 15]

    def price(buyer, grade, qty, **kw):
        return quote_price(
            QuoteRequest(
                buyer=buyer, sku=skus[grade], quantity=Decimal(qty), payment_terms="prepaid", **kw
            )
        )

    assert price(huanan, "一级白砂糖", "100").base_unit_price == Decimal("5080")
    assert price(huanan, "二级白砂糖", "100").base_unit_price == Decimal("4850")
    assert price(haowei, "一级白砂糖", "60").base_unit_price == Decimal("5150")
    stranger = new_buyer()
    r = price(
        stranger, "一级白砂糖", "1000", delivery_method="delivery", destination_province="广东"
    )
    assert (r.base_unit_price, r.terms_adjustment, r.freight_per_unit) == (
        Decimal("5000"),
        Decimal("-50"),
        Decimal("120"),
    )


def test_pricing_desk_pages(company, web):
    sku = make_sku(company)
    page = web.get(reverse("pricing"))
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    r = web.post(reverse("pricing-class-new"), {"code": "big", "name": "连锁大客户"})
    assert r.status_code == 302
    r = web.post(
        reverse("pricing-list-new"),
        {"name": "标准价", "priority": "100", "is_active": "on", "customer_class": ""},
    )
    assert r.status_code == 302
    pl = PriceList.objects.get(seller=company)
    url = reverse("pricing-list", args=[pl.public_id])
    r = web.post(url, {"sku": str(sku.public_id), "min_qty": "0", "unit_price": "5200"})
    assert r.status_code == 302
    r = web.post(url, {"sku": str(sku.public_id), "min_qty": "100", "unit_price": "5300"})
    assert r.status_code == 422 and "允许高于小批量价" in r.content.decode()
    r = web.post(
        reverse("pricing-list-new"),
        {
            "name": "倒序",
            "priority": "1",
            "valid_from": "2026-02-01T00:00",
            "valid_until": "2026-01-01T00:00",
        },
    )
    assert r.status_code == 422 and "失效时间必须晚于生效时间" in r.content.decode()
    r = web.post(
        reverse("pricing-terms"),
        {
            "credit_percent": "6",
            "max_credit_days": "90",
            "prepaid_discount_percent": "1",
            "cod_surcharge_percent": "0",
        },
    )
    assert r.status_code == 302
    assert TermsPolicy.objects.get(seller=company).credit_annual_rate == Decimal("0.06")
    r = web.post(
        reverse("pricing-freight-new"),
        {"origin": "崇左仓", "destination_province": "广东", "per_unit": "120", "minimum": "2000"},
    )
    assert r.status_code == 302
    page = web.get(reverse("pricing")).content.decode()
    assert "标准价" in page and "连锁大客户" in page and "广东" in page
    assert PriceList.objects.filter(seller=company).count() == 1


@pytest.mark.parametrize("qty", ["-3", "abc"])
def test_quote_page_bad_quantity(company, qty):
    from tests.conftest import master_of
    from tests.pricing.test_api import web_client

    sku = make_sku(company)
    listing = make_listing(sku)
    buyer = new_buyer()
    client = web_client(master_of(buyer))
    url = reverse("price-quote")
    r = client.get(
        url,
        {
            "listing": str(listing.public_id),
            "quantity": qty,
            "payment_terms": "cod",
            "delivery_method": "pickup",
        },
    )
    assert r.status_code == 422
    assert "quote-breakdown" not in r.content.decode()
