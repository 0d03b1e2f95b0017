"""Issue 10's daily path as pages: the cart priced for the chosen terms by the same path
that places the order, per-seller and grand totals, htmx repricing, the review step
(nothing written until "place order"; a replay places nothing twice), the order page's
stepper and the one next action per member, the dialogs stating the amounts, the
carrier on shipments; another company's cart line and order answer 404."""

from decimal import Decimal

import pytest
from django.test import Client

from mercator.catalog.models import Listing
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import ApprovalRule
from mercator.companies.roles import Role
from mercator.companies.services.approvals import approval_rule_create
from mercator.core.figures import money, unit_price
from mercator.payments.models import PaymentIntent
from mercator.payments.services.credit import credit_line_grant
from mercator.pricing.models import PriceRule
from mercator.trading import services
from mercator.trading.models import CartItem, Order, Shipment
from tests.factories import CompanyFactory, add_member
from tests.trading.conftest import World, master_of, sugar_catalog, verify
from tests.trading.test_orders import fund, place

pytestmark = pytest.mark.django_db

CREDIT_GD = {
    "payment_terms": "credit",
    "credit_days": "30",
    "delivery_method": "delivery",
    "destination_province": "广东",
}
PREPAID_PICKUP = {
    "payment_terms": "prepaid",
    "credit_days": "0",
    "delivery_method": "pickup",
    "destination_province": "",
}
HTMX = {"HTTP_HX_REQUEST": "true"}


def in_cart(world: World, quantity: str = "100") -> CartItem:
    return services.cart_add(
        actor=world.actor(world.food_buyer), listing_id=world.listing.public_id, quantity=quantity
    )


def grant_credit(world: World, seller_boss=None, limit: str = "1000000") -> None:
    credit_line_grant(
        actor=world.actor(seller_boss or world.mill_boss),
        buyer_id=world.food.public_id,
        limit=Decimal(limit),
        days=60,
    )


def second_mill(world: World) -> Listing:
    other = verify(CompanyFactory(short_name="来宾糖业", province="广西"))
    _sku, listing = sugar_catalog(other)
    grant_credit(world, master_of(other))
    return listing


@pytest.fixture(autouse=True)
def credit(world: World) -> None:
    """The mill sells to the food factory on up to 60 days' credit (¥1,000,000)."""
    grant_credit(world)


def shown_text(body: str, name: str) -> str:
    """The text of the first element carrying ``data-testid="name"``."""
    start = body.index(f'data-testid="{name}"')
    start = body.index(">", start) + 1
    return body[start : body.index("<", start)].strip()


# ------------------------------------------------------------------------------ cart


def test_cart_shows_the_price_the_order_is_placed_at(world):
    in_cart(world)
    web = world.web(world.food_buyer)
    body = web.get("/cart/", CREDIT_GD).content.decode()
    # 5000 + 30 days at 3.65 % (+15) + freight 80 to 广东: 5095/t, 100 t.
    assert shown_text(body, "cart-unit-price") == unit_price(Decimal("5095"), "CNY", "吨")
    assert shown_text(body, "cart-freight") == unit_price(Decimal("80"), "CNY", "吨")
    assert shown_text(body, "cart-line-amount") == money(Decimal("509500"), "CNY")
    assert shown_text(body, "seller-total") == money(Decimal("509500"), "CNY")
    assert shown_text(body, "seller-freight") == money(Decimal("8000"), "CNY")
    assert shown_text(body, "grand-total") == money(Decimal("509500"), "CNY")
    shown = services.cart_pricing(
        actor=world.actor(world.food_buyer), **CREDIT_GD | {"credit_days": 30}
    )
    r = web.post("/cart/", CREDIT_GD)
    order = Order.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/orders/{order.public_id}/"
    line = order.lines.get()
    assert line.unit_price == shown.groups[0].items[0].line.unit_price == Decimal("5095")
    assert order.total == shown.groups[0].total == Decimal("509500.00")
    assert order.freight_total == shown.groups[0].freight_total == Decimal("8000.00")


def test_cart_reprices_when_terms_quantity_or_delivery_change(world):
    in_cart(world)
    web = world.web(world.food_buyer)
    body = web.get("/cart/", PREPAID_PICKUP).content.decode()
    assert shown_text(body, "cart-unit-price") == unit_price(Decimal("5000"), "CNY", "吨")
    assert shown_text(body, "seller-total") == money(Decimal("500000"), "CNY")
    # htmx asks for the priced part only, for the new terms.
    r = web.get("/cart/", CREDIT_GD, **HTMX)
    part = r.content.decode()
    assert r.status_code == 200 and "<html" not in part and 'id="cart-priced"' in part
    assert shown_text(part, "seller-total") == money(Decimal("509500"), "CNY")
    # Delivery to a province the seller has no freight to: the line says why, no review.
    r = web.get("/cart/", CREDIT_GD | {"destination_province": "西藏"}, **HTMX)
    part = r.content.decode()
    assert 'data-testid="cart-line-error"' in part and "西藏" in part
    assert 'data-testid="cart-review"' not in part
    # A quantity change from htmx answers the cart priced again with the same terms.
    r = web.post(f"/cart/{world.listing.public_id}/update", {"quantity": "50", **CREDIT_GD}, **HTMX)
    part = r.content.decode()
    assert r.status_code == 200 and "<html" not in part
    assert shown_text(part, "seller-total") == money(Decimal("254750"), "CNY")
    assert CartItem.objects.get().quantity == 50
    # Without htmx: back to the cart, terms kept.
    r = web.post(f"/cart/{world.listing.public_id}/update", {"quantity": "60", **CREDIT_GD})
    assert r.status_code == 302 and "payment_terms=credit" in r["Location"]


def test_cart_says_when_the_credit_line_does_not_take_the_order(world):
    in_cart(world, "300")  # 300 t at 5095: over the ¥1,000,000 line
    body = world.web(world.food_buyer).get("/cart/", CREDIT_GD).content.decode()
    assert "超出授信额度" in shown_text(body, "cart-seller-problem")
    assert 'data-testid="cart-review"' not in body
    assert shown_text(body, "cart-unit-price") == unit_price(Decimal("5095"), "CNY", "吨")
    body = world.web(world.food_buyer).get("/cart/", PREPAID_PICKUP).content.decode()
    assert 'data-testid="cart-seller-problem"' not in body and 'data-testid="cart-review"' in body


def test_cart_totals_per_seller_and_grand_total(world):
    in_cart(world)
    other = second_mill(world)
    services.cart_add(
        actor=world.actor(world.food_buyer), listing_id=other.public_id, quantity="10"
    )
    body = world.web(world.food_buyer).get("/cart/", CREDIT_GD).content.decode()
    assert body.count('data-testid="cart-seller"') == 2
    assert "崇左糖厂" in body and "来宾糖业" in body
    assert money(Decimal("509500"), "CNY") in body and money(Decimal("50950"), "CNY") in body
    assert shown_text(body, "grand-total") == money(Decimal("560450"), "CNY")
    r = world.web(world.food_buyer).post("/cart/", CREDIT_GD)
    assert r.status_code == 302 and Order.objects.count() == 2
    assert sum(o.total for o in Order.objects.all()) == Decimal("560450.00")


def test_cart_province_from_the_one_list_and_bad_input_is_4xx(world):
    in_cart(world)
    web = world.web(world.food_buyer)
    body = web.get("/cart/").content.decode()
    assert '<select name="destination_province"' in body and '<option value="新疆">' in body
    # A province not in the list, unknown terms, a bad quantity: 4xx, nothing written.
    r = web.post("/cart/", CREDIT_GD | {"destination_province": "火星"})
    assert r.status_code == 422 and Order.objects.count() == 0
    r = web.get("/cart/", {"payment_terms": "barter", "delivery_method": "pickup"})
    assert r.status_code == 200 and "cart-review" not in r.content.decode()
    r = web.post("/cart/", CREDIT_GD | {"credit_days": "0"})
    assert r.status_code == 422 and Order.objects.count() == 0
    r = web.post(f"/cart/{world.listing.public_id}/update", {"quantity": "abc"}, **HTMX)
    assert r.status_code == 422 and 'data-testid="cart-update-error"' in r.content.decode()
    assert CartItem.objects.get().quantity == 100
    r = web.get("/cart/review", {"payment_terms": "credit", "credit_days": "0"})
    assert r.status_code == 302 and Order.objects.count() == 0


def test_empty_cart_says_what_to_do(world):
    body = world.web(world.food_buyer).get("/cart/").content.decode()
    assert 'data-testid="cart-empty"' in body and 'href="/market/"' in body
    r = world.web(world.food_buyer).get("/cart/review")
    assert r.status_code == 302 and r["Location"] == "/cart/"


# ---------------------------------------------------------------------------- review


def test_review_writes_nothing_and_place_order_once(world):
    in_cart(world)
    stock = Listing.objects.get(pk=world.listing.pk).stock
    web = world.web(world.food_buyer)
    r = web.get("/cart/review", CREDIT_GD)
    body = r.content.decode()
    assert r.status_code == 200
    assert shown_text(body, "review-seller-total") == money(Decimal("509500"), "CNY")
    assert shown_text(body, "review-unit-price") == unit_price(Decimal("5095"), "CNY", "吨")
    assert "广东" in shown_text(body, "review-province")
    assert 'data-testid="review-no-approval"' in body
    assert 'name="destination_province" value="广东"' in body
    assert Order.objects.count() == 0 and CartItem.objects.count() == 1
    assert Listing.objects.get(pk=world.listing.pk).stock == stock
    r = web.post("/cart/", CREDIT_GD)
    assert r.status_code == 302 and Order.objects.count() == 1
    # The same "place order" again (double click, back button): nothing placed twice.
    r = web.post("/cart/", CREDIT_GD)
    assert r.status_code == 302 and r["Location"].startswith("/cart/")
    assert Order.objects.count() == 1
    assert Listing.objects.get(pk=world.listing.pk).stock == stock - 100


def test_a_price_that_moved_since_the_review_places_nothing(world):
    in_cart(world)
    web = world.web(world.food_buyer)
    body = web.get("/cart/review", CREDIT_GD).content.decode()
    assert 'name="expected_total" value="509500.00"' in body
    PriceRule.objects.filter(sku=world.sku).update(unit_price=Decimal("5100"))
    r = web.post("/cart/", CREDIT_GD | {"expected_total": "509500.00"})
    assert r.status_code == 302 and r["Location"].startswith("/cart/review?")
    assert Order.objects.count() == 0 and CartItem.objects.count() == 1
    # The review now shows the new price; placing it goes through at that price.
    body = web.get(r["Location"]).content.decode()
    assert "价格已变化" in body
    assert 'name="expected_total" value="519530.00"' in body
    r = web.post("/cart/", CREDIT_GD | {"expected_total": "519530.00"})
    assert r.status_code == 302 and Order.objects.get().total == Decimal("519530.00")


def test_review_says_when_the_companys_approval_rules_will_hold_the_order(world):
    approval_rule_create(
        actor=actor_for_membership(world.food_boss, via="api"),
        name="采购超过 10 万需老板审批",
        document_kind=ApprovalRule.DocumentKind.ORDER,
        condition=ApprovalRule.Condition.AMOUNT_ABOVE,
        threshold=Decimal("100000"),
        approver_role=Role.MASTER,
    )
    in_cart(world)
    web = world.web(world.food_buyer)
    body = web.get("/cart/review", CREDIT_GD).content.decode()
    assert "采购超过 10 万需老板审批" in shown_text(body, "review-approval")
    assert "采购超过 10 万需老板审批" in web.get("/cart/", CREDIT_GD).content.decode()
    web.post("/cart/", CREDIT_GD)
    order = Order.objects.get()
    assert order.status == "pending_approval"
    # The boss (the approver) is sent to the approval as his next action.
    body = world.web(world.food_boss).get(f"/orders/{order.public_id}/").content.decode()
    assert 'data-testid="order-approve"' in body and "primary-action" in body
    assert 'data-testid="step-approve" data-state="current"' in body
    # Under the threshold nothing holds it.
    CartItem.objects.all().delete()
    in_cart(world, "10")
    body = web.get("/cart/review", CREDIT_GD).content.decode()
    assert 'data-testid="review-no-approval"' in body


# ------------------------------------------------------------------------ order page


def steps_of(body: str) -> dict[str, str]:
    states = {}
    for key in ("place", "approve", "pay", "ship", "receive", "settle"):
        mark = f'data-testid="step-{key}" data-state="'
        start = body.index(mark) + len(mark)
        states[key] = body[start : body.index('"', start)]
    return states


def next_action(body: str) -> str:
    """The data-testid of the one .primary-action in the next-action card, or ""."""
    card = body[body.index('data-testid="next-action"') :]
    card = card[: card.index("</section>")]
    if "primary-action" not in card:
        return ""
    at = card.index("primary-action")
    start = card.index('data-testid="', at) + len('data-testid="')
    return card[start : card.index('"', start)]


def test_stepper_and_next_action_per_role(world):
    order = place(world)  # prepaid, 100 t delivered to 广东, no approval rule
    url = f"/orders/{order.public_id}/"
    boss, clerk = world.web(world.food_boss), world.web(world.food_buyer)
    seller = world.web(world.mill_clerk)
    body = boss.get(url).content.decode()
    assert steps_of(body) == {
        "place": "done",
        "approve": "skipped",
        "pay": "current",
        "ship": "pending",
        "receive": "pending",
        "settle": "pending",
    }
    assert next_action(body) == "order-pay" and body.count("primary-action") >= 1
    assert shown_text(body, "pay-amount") == money(order.total, "CNY")
    # The purchasing clerk may not pay; the seller waits.
    assert next_action(clerk.get(url).content.decode()) == ""
    body = seller.get(url).content.decode()
    assert next_action(body) == "" and 'data-testid="order-waiting"' in body
    fund(world.food, "600000")
    services.order_pay(
        actor=world.actor(world.food_boss), order_id=order.public_id, method="wallet"
    )
    body = seller.get(url).content.decode()
    assert next_action(body) == "order-ship" and steps_of(body)["ship"] == "current"
    assert steps_of(body)["pay"] == "done"
    r = seller.post(f"{url}ship", {"carrier": "顺丰速运", "tracking_no": "SF1234567890"})
    assert r.status_code == 302
    body = clerk.get(url).content.decode()
    assert next_action(body) == "order-receive" and steps_of(body)["receive"] == "current"
    # The receipt dialog states the amounts: the fee and what the seller receives.
    fee, proceeds = services.settlement_split(order)
    assert fee == Decimal("2540.00") and proceeds == order.total - fee
    assert shown_text(body, "receive-fee") == money(fee, "CNY")
    assert shown_text(body, "receive-proceeds") == money(proceeds, "CNY")
    assert '<dialog class="confirm" id="receive-dialog"' in body
    assert shown_text(body, "shipment-carrier") == "顺丰速运"
    assert shown_text(body, "shipment-tracking") == "SF1234567890"
    assert next_action(boss.get(url).content.decode()) == "order-receive"
    assert next_action(seller.get(url).content.decode()) == ""
    clerk.post(f"{url}receive", {})
    order.refresh_from_db()
    assert order.status == "settled" and order.fee_amount == fee
    body = clerk.get(url).content.decode()
    assert set(steps_of(body).values()) == {"done", "skipped"}
    assert PaymentIntent.objects.get(reference=order.ref).transfer_code in body


def test_credit_order_skips_payment_and_cancel_dispute_have_their_dialogs(world):
    order = place(world, terms="credit", days=30)
    url = f"/orders/{order.public_id}/"
    body = world.web(world.food_boss).get(url).content.decode()
    states = steps_of(body)
    assert states["pay"] == "skipped" and states["ship"] == "current"
    assert "30" in body[body.index('data-testid="step-pay"') :][:200]
    assert '<dialog class="confirm" id="cancel-dialog"' in body
    assert '<label for="cancel-reason">' in body and 'data-dialog-open="cancel-dialog"' in body
    services.order_ship(actor=world.actor(world.mill_clerk), order_id=order.public_id, lines=None)
    body = world.web(world.food_boss).get(url).content.decode()
    assert '<dialog class="confirm" id="dispute-dialog"' in body
    assert '<label for="dispute-reason">' in body
    r = world.web(world.food_boss).post(f"{url}dispute", {"reason": ""})
    assert r.status_code == 422
    r = world.web(world.food_boss).post(f"{url}dispute", {"reason": "少了 5 吨"})
    order.refresh_from_db()
    assert r.status_code == 302 and order.status == "disputed"
    body = world.web(world.food_boss).get(url).content.decode()
    assert "争议中" in body and next_action(body) == ""


def test_carrier_through_the_api_and_its_schema(world):
    order = place(world, terms="credit", days=30)
    api = world.api(world.mill_clerk)
    r = api.post(
        f"/api/v1/orders/{order.public_id}/ship",
        {"carrier": "德邦物流", "tracking_no": "DB778899"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    shipment = r.json()["shipments"][0]
    assert shipment["carrier"] == "德邦物流" and shipment["tracking_no"] == "DB778899"
    assert Shipment.objects.get().carrier == "德邦物流"
    schema = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "carrier" in schema["ShipIn"]["properties"]["carrier"]["description"].lower() or (
        "carries" in schema["ShipIn"]["properties"]["carrier"]["description"]
    )
    r = api.post(
        f"/api/v1/orders/{order.public_id}/ship",
        {"carrier": "x" * 101},
        content_type="application/json",
    )
    assert 400 <= r.status_code < 500


# ------------------------------------------------------------------------- isolation


def test_another_companys_cart_line_and_order_answer_404(world):
    in_cart(world)
    order = place(world)
    outsider = world.web(world.outsider_clerk)
    other_buyer = add_member(world.outsider, Role.PURCHASING)
    other = world.web(other_buyer)
    r = other.post(f"/cart/{world.listing.public_id}/update", {"quantity": "1"})
    assert r.status_code == 404 and CartItem.objects.get().quantity == 100
    r = other.post(f"/cart/{world.listing.public_id}/update", {"remove": "1"})
    assert r.status_code == 404 and CartItem.objects.count() == 1
    assert outsider.get(f"/orders/{order.public_id}/").status_code == 404
    for action in ("pay", "ship", "receive", "cancel", "dispute"):
        r = outsider.post(f"/orders/{order.public_id}/{action}", {"reason": "x"})
        assert r.status_code == 404, action
    assert outsider.post("/orders/not-an-id/receive").status_code == 404
    # Another company's buyer sees his own (empty) cart, never this one.
    body = other.get("/cart/").content.decode()
    assert 'data-testid="cart-empty"' in body
    order.refresh_from_db()
    assert order.status == "approved"


def test_a_cancelled_order_shows_where_it_stopped_and_offers_nothing(world):
    order = place(world)
    web = world.web(world.food_boss)
    body = web.get(f"/orders/{order.public_id}/").content.decode()
    assert 'data-dialog-open="cancel-dialog"' in body
    r = web.post(f"/orders/{order.public_id}/cancel", {"reason": "计划有变"})
    assert r.status_code == 302
    body = web.get(f"/orders/{order.public_id}/").content.decode()
    states = steps_of(body)
    assert states["place"] == "done" and states["approve"] == "skipped"
    assert states["pay"] == "current" and "已取消" in body
    assert next_action(body) == "" and 'data-dialog-open="cancel-dialog"' not in body
    assert 'id="pay-dialog"' not in body


def test_api_checkout_with_the_reviewed_total(world):
    in_cart(world)
    api = world.api(world.food_buyer)
    body = {**CREDIT_GD, "credit_days": 30}
    r = api.post(
        "/api/v1/cart/checkout",
        {**body, "expected_total": "1.00"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "prices_changed"
    assert Order.objects.count() == 0 and CartItem.objects.count() == 1
    r = api.post(
        "/api/v1/cart/checkout", {**body, "expected_total": "abc"}, content_type="application/json"
    )
    assert r.status_code == 422 and Order.objects.count() == 0
    r = api.post(
        "/api/v1/cart/checkout",
        {**body, "expected_total": "509500.00"},
        content_type="application/json",
    )
    assert r.status_code == 201 and Order.objects.get().total == Decimal("509500.00")
