"""The cart, the quick order form and checkout: one order per seller, priced by the
engine, stock reserved, the query count per placed order pinned."""

from decimal import Decimal

import pytest

from mercator.catalog.models import Listing, Sku
from mercator.companies.roles import Role
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.trading import services
from mercator.trading.models import CartItem, Order
from tests.factories import CompanyFactory, add_member
from tests.trading.conftest import World, sugar_catalog, verify

pytestmark = pytest.mark.django_db


def buyer(world: World):
    return world.actor(world.food_buyer)


def test_cart_add_update_remove(world):
    actor = buyer(world)
    services.cart_add(actor=actor, listing_id=world.listing.public_id, quantity="10")
    item = services.cart_add(actor=actor, listing_id=world.listing.public_id, quantity="5")
    assert item.quantity == 15 and CartItem.objects.count() == 1
    services.cart_update(actor=actor, listing_id=world.listing.public_id, quantity="7")
    assert CartItem.objects.get().quantity == 7
    services.cart_remove(actor=actor, listing_id=world.listing.public_id)
    assert CartItem.objects.count() == 0
    with pytest.raises(NotFound):
        services.cart_remove(actor=actor, listing_id=world.listing.public_id)


def test_cart_refuses_own_listing_paused_listing_and_below_moq(world):
    with pytest.raises(NotFound):  # the mill's own listing
        services.cart_add(
            actor=world.actor(world.mill_boss), listing_id=world.listing.public_id, quantity="1"
        )
    Sku.objects.filter(pk=world.sku.pk).update(min_order_qty=Decimal("20"))
    with pytest.raises(ValidationFailed) as exc:
        services.cart_add(actor=buyer(world), listing_id=world.listing.public_id, quantity="5")
    assert exc.value.code == "below_moq"
    Listing.objects.filter(pk=world.listing.pk).update(status="paused")
    with pytest.raises(NotFound):
        services.cart_add(actor=buyer(world), listing_id=world.listing.public_id, quantity="50")
    assert CartItem.objects.count() == 0


def test_cart_needs_orders_place(world):
    with pytest.raises(PermissionDenied):
        services.cart_add(
            actor=world.actor(add_member(world.food, Role.SALES)),
            listing_id=world.listing.public_id,
            quantity="1",
        )


def test_quick_order_reports_every_bad_line_and_adds_nothing(world):
    text = f"{world.sku.code} 10\n\nNOPE-1 5\n{world.sku.code}\n{world.sku.code} abc\n"
    with pytest.raises(ValidationFailed) as exc:
        services.quick_order_to_cart(actor=buyer(world), text=text)
    lines = exc.value.details["lines"]
    assert [e["line"] for e in lines] == [3, 4, 5]
    assert "NOPE-1" in lines[0]["message"]
    assert CartItem.objects.count() == 0


def test_quick_order_separators_and_seller_prefix(world):
    other = verify(CompanyFactory(short_name="北海糖业"))
    sku2, listing2 = sugar_catalog(other)
    Sku.objects.filter(pk=sku2.pk).update(code=world.sku.code)  # the same code, two sellers
    with pytest.raises(ValidationFailed) as exc:
        services.quick_order_to_cart(actor=buyer(world), text=f"{world.sku.code},10")
    assert "卖家简称" in exc.value.details["lines"][0]["message"]
    items = services.quick_order_to_cart(
        actor=buyer(world),
        text=f"崇左糖厂:{world.sku.code}\t10\n北海糖业：{world.sku.code}，20\n  \n",
    )
    assert sorted(i.quantity for i in items) == [10, 20]
    assert {i.listing_id for i in items} == {world.listing.pk, listing2.pk}


def test_checkout_makes_one_order_per_seller_priced_by_the_engine(world):
    other = verify(CompanyFactory(short_name="北海糖业"))
    _sku2, listing2 = sugar_catalog(other)
    actor = buyer(world)
    services.cart_add(actor=actor, listing_id=world.listing.public_id, quantity="10")
    services.cart_add(actor=actor, listing_id=listing2.public_id, quantity="20")
    orders = services.order_place_from_cart(
        actor=actor,
        payment_terms="prepaid",
        credit_days=0,
        delivery_method="delivery",
        destination_province="广东",
    )
    assert len(orders) == 2 and {o.seller_id for o in orders} == {world.mill.pk, other.pk}
    mine = next(o for o in orders if o.seller_id == world.mill.pk)
    line = mine.lines.get()
    assert line.unit_price == Decimal("5080.0000") and line.freight_per_unit == Decimal("80.0000")
    assert mine.total == Decimal("50800.00") and mine.freight_total == Decimal("800.00")
    assert mine.source == "cart" and mine.status == "approved"
    assert CartItem.objects.count() == 0
    assert Listing.objects.get(pk=world.listing.pk).stock == Decimal("4990")
    assert Listing.objects.get(pk=listing2.pk).stock == Decimal("4980")


def test_checkout_out_of_stock_writes_nothing(world):
    other = verify(CompanyFactory(short_name="北海糖业"))
    _sku2, listing2 = sugar_catalog(other)
    Listing.objects.filter(pk=listing2.pk).update(stock=Decimal("5"))
    actor = buyer(world)
    services.cart_add(actor=actor, listing_id=world.listing.public_id, quantity="10")
    services.cart_add(actor=actor, listing_id=listing2.public_id, quantity="20")
    with pytest.raises(Conflict) as exc:
        services.order_place_from_cart(actor=actor, payment_terms="prepaid")
    assert exc.value.code == "out_of_stock" and exc.value.details["available"] == "5"
    assert Order.objects.count() == 0 and CartItem.objects.count() == 2
    assert Listing.objects.get(pk=world.listing.pk).stock == Decimal("5000")


def test_empty_cart_and_bad_terms_are_422(world):
    with pytest.raises(ValidationFailed):
        services.order_place_from_cart(actor=buyer(world), payment_terms="prepaid")
    services.cart_add(actor=buyer(world), listing_id=world.listing.public_id, quantity="10")
    with pytest.raises(ValidationFailed):
        services.order_place_from_cart(
            actor=buyer(world), payment_terms="prepaid", delivery_method="delivery"
        )
    assert Order.objects.count() == 0 and CartItem.objects.count() == 1


def test_placing_one_order_from_the_cart_takes_at_most_25_queries(
    world, django_assert_max_num_queries
):
    actor = buyer(world)
    services.cart_add(actor=actor, listing_id=world.listing.public_id, quantity="10")
    with django_assert_max_num_queries(25) as captured:
        orders = services.order_place_from_cart(
            actor=actor,
            payment_terms="prepaid",
            delivery_method="delivery",
            destination_province="广东",
        )
    assert len(orders) == 1
    print(f"queries per placed order: {len(captured)}")


def test_unverified_buyer_cannot_check_out(world):
    from mercator.companies.models import Company

    services.cart_add(actor=buyer(world), listing_id=world.listing.public_id, quantity="10")
    Company.objects.filter(pk=world.food.pk).update(verification_status="pending")
    world.food.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.order_place_from_cart(actor=buyer(world), payment_terms="prepaid")
    assert Order.objects.count() == 0
