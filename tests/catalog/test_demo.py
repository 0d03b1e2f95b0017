import pytest

from mercator.catalog import selectors
from mercator.catalog.models import Listing, Market, Product
from mercator.demo.catalog import build_catalog
from mercator.demo.services import build_companies

pytestmark = pytest.mark.django_db


def test_demo_catalog_is_built_once_and_searchable():
    build_companies()
    build_catalog()
    counts = (Market.objects.count(), Product.objects.count(), Listing.objects.count())
    build_catalog()
    assert (Market.objects.count(), Product.objects.count(), Listing.objects.count()) == counts
    assert Market.objects.get(code="sugar").favours == ["better", "cheaper"]
    sugar = list(selectors.listings_public(q="white sugar", market="sugar"))
    sellers = {x.seller.short_name for x in sugar}
    assert sellers == {"崇左糖厂", "平台自营"}
    assert {x.is_self_operated for x in sugar} == {True, False}
    mill = Listing.objects.get(sku__code="CZ-WS1-50KG")
    assert mill.stock == 5000 and mill.sku.unit == "t" and mill.sku.min_order_qty == 10
    assert selectors.listings_public(q="苹果").get().seller.short_name == "烟台苹果冷库"
    assert selectors.listings_public(q="eucalyptus").get().sku.unit == "m3"
