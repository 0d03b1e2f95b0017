"""Issue 13 end to end in a real Chromium, on a desktop and on a phone (390 px): the cold
store receives a lot, the owner lists it, a buyer's order releases it, the fee appears in
the order's three flows.

1. 烟台苹果冷库's boss (staff of 栖霞冷库) opens 入库预约, the cooperative's booked inbound,
   and receives it (counted quantity, grade, location, inspection 合格): the new lot's page
   shows the quantity on hand.
2. 栖霞苹果合作社's boss opens the lot from 我的库存 and lists 10 t of it for sale with his
   price list: the listing page shows where the goods are (栖霞冷库).
3. 华南食品's boss orders those 10 t for pick-up and pays from the wallet (账户余额):
   the order's money is in escrow.
4. The store's boss opens the order's sale release (出库单, the store's side) and carries
   it out after a confirmation stating the fee: 已出库.
5. The buyer's order is shipped and its three flows show the storage fee in the logistics
   row: 10 t × ¥1.50 × 30 days (the Yantai rule: 30 days whatever the wait) = ¥450.00.

The demo world is built with the services; every step after it is a click in the browser,
one browser context per person, in zh-CN. Nothing breaks the Content-Security-Policy and
<main> never scrolls sideways on the lot and release pages."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect

from mercator.core.figures import money, quantity
from mercator.demo.build import demo_build
from mercator.logistics.fees import lot_fee_preview
from mercator.logistics.models import Inbound, Lot, Outbound, Release
from mercator.trading.models import Order
from tests.browser.test_community import VIEWPORTS, _fits, _page, _sign_in

pytestmark = pytest.mark.browser

STORE = "boss@yantai-apple.demo"  # staff of 栖霞冷库 (qixia-cold)
OWNER = "boss@qixia-coop.demo"  # 栖霞苹果合作社, the depositor
BUYER = "boss@foodfactory.demo"  # 华南食品's master: orders and pays
WAREHOUSE = "栖霞冷库"
PRICE_LIST = "冷库现货价"
SOLD = Decimal("10")


def tonnes(amount: Decimal) -> str:
    return quantity(amount, "吨")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_store_receives_owner_lists_buyer_orders_release_charges_the_fee(
    browser: Browser, url, viewport
):
    demo_build()
    inbound = Inbound.objects.get(
        warehouse__code="qixia-cold",
        depositor__short_name="栖霞苹果合作社",
        status=Inbound.Status.BOOKED,
    )
    counted = inbound.quantity.normalize() - 2  # two tonnes fewer than booked arrive

    # 1. The cold store receives the booked inbound: the lot's page opens.
    store = _page(browser, viewport)
    _sign_in(store, url, STORE)
    store.goto(url("/logistics/inbounds/"))
    row = store.get_by_test_id("inbound-row").filter(has_text=inbound.number)
    expect(row).to_contain_text("已预约")
    row.get_by_test_id("inbound-link").click()
    expect(store.get_by_test_id("inbound-status")).to_have_text("已预约")
    form = store.get_by_test_id("receive-form")
    form.locator("#id_quantity").fill(str(counted))
    form.locator("#id_grade").fill("一级果 80#")
    form.locator("#id_location").fill("C-12")
    form.locator("#id_inspection").select_option(Lot.Inspection.PASSED)
    form.locator("#id_inspection_note").fill("抽检 20 箱：果径、糖度达标。")
    store.get_by_test_id("receive-submit").click()
    expect(store).to_have_url(re.compile(r"/logistics/lots/[0-9a-f-]+/$"))
    lot = Lot.objects.get(inbound=inbound)
    assert lot.on_hand == counted and lot.warehouse.code == "qixia-cold"
    expect(store.get_by_test_id("lot-status")).to_have_text(lot.get_status_display())
    expect(store.get_by_test_id("lot-on-hand")).to_contain_text(tonnes(counted))
    expect(store.get_by_test_id("lot-inspection")).to_contain_text("合格")
    _fits(store, "lot page (store)")

    # 2. The owner lists 10 t from 我的库存 → the lot → 挂牌销售.
    owner = _page(browser, viewport)
    _sign_in(owner, url, OWNER)
    owner.goto(url("/logistics/lots/"))
    owner.get_by_test_id("lot-row").filter(has_text=lot.number).get_by_test_id("lot-link").click()
    expect(owner.get_by_test_id("lot-on-hand")).to_contain_text(tonnes(counted))
    _fits(owner, "lot page (owner)")
    owner.get_by_test_id("lot-sell").click()
    owner.locator("#id_quantity").fill(str(SOLD))
    owner.locator("#id_price_list").select_option(label=PRICE_LIST)
    owner.get_by_test_id("lot-list-preview").click()
    expect(owner.get_by_test_id("lot-list-confirm")).to_be_visible()
    expect(owner.get_by_test_id("confirm-quantity")).to_contain_text(tonnes(SOLD))
    owner.get_by_test_id("lot-list-confirm-button").click()
    expect(owner).to_have_url(re.compile(r"/listings/[^/]+/$"))
    expect(owner.get_by_test_id("listing-lot-panel")).to_be_visible()
    expect(owner.get_by_test_id("lot-warehouse")).to_contain_text(WAREHOUSE)
    expect(owner.get_by_test_id("stock")).to_contain_text(tonnes(SOLD))
    listing_url = owner.url

    # 3. The buyer orders the 10 t for pick-up and pays from the wallet.
    buyer = _page(browser, viewport)
    _sign_in(buyer, url, BUYER)
    buyer.goto(url("/cart/"))  # checkout takes the whole cart: only this listing in it
    while buyer.get_by_test_id("cart-remove").count():
        buyer.get_by_test_id("cart-remove").first.click()
        buyer.wait_for_load_state("networkidle")
    expect(buyer.get_by_test_id("cart-empty")).to_be_visible()
    buyer.goto(listing_url)
    expect(buyer.get_by_test_id("lot-warehouse")).to_contain_text(WAREHOUSE)
    buyer.get_by_test_id("cart-add-qty").fill(str(SOLD))
    buyer.get_by_test_id("cart-add").click()
    buyer.goto(url("/cart/"))
    expect(buyer.get_by_test_id("cart-item")).to_have_count(1)
    buyer.get_by_test_id("terms-form").locator("#id_delivery_method").select_option("pickup")
    expect(buyer.get_by_test_id("cart-review")).to_have_attribute(
        "href", re.compile(r"delivery_method=pickup")
    )
    buyer.get_by_test_id("cart-review").click()
    expect(buyer.get_by_test_id("review-province")).to_contain_text("自提")
    buyer.get_by_test_id("place-order").click()
    expect(buyer).to_have_url(re.compile(r"/orders/[0-9a-f-]+/$"))
    order_url = buyer.url
    order = Order.objects.get(public_id=order_url.rstrip("/").rsplit("/", 1)[1])
    assert order.delivery_method == "pickup" and order.lines.get().quantity == SOLD
    expect(buyer.get_by_test_id("order-status")).to_have_text("待付款")
    buyer.get_by_test_id("order-pay").click()  # the dialog stating the amount
    expect(buyer.get_by_test_id("pay-amount")).to_have_text(money(order.total, order.currency))
    buyer.get_by_test_id("order-pay-method").select_option("wallet")
    expect(buyer.get_by_test_id("order-pay-method")).to_contain_text("账户余额")
    buyer.get_by_test_id("order-pay-confirm").click()
    # A wallet payment lands on its payment slip, which links back to the order.
    expect(buyer.get_by_test_id("intent-status")).to_have_text("已支付")
    expect(buyer.get_by_test_id("intent-amount")).to_have_text(money(order.total, order.currency))
    buyer.get_by_role("link", name=order.number).click()
    expect(buyer).to_have_url(order_url)
    expect(buyer.get_by_test_id("order-status")).to_have_text("已付款（资金托管中）")

    # 4. The store carries out the order's sale release; the confirmation states the fee.
    release = Release.objects.get(lot=lot, order_ref=order.ref)
    fee = lot_fee_preview(lot, SOLD).amount  # the Yantai rule: 30 days whatever the wait
    assert fee == SOLD * Decimal("1.50") * 30 == Decimal("450.00")
    store.goto(url("/logistics/releases/?side=store"))
    expect(store.get_by_test_id("side-store")).to_have_attribute("aria-current", "page")
    store.get_by_test_id("release-row").filter(has_text=release.number).get_by_test_id(
        "release-link"
    ).click()
    expect(store.get_by_test_id("release-status")).to_have_text(release.get_status_display())
    expect(store.get_by_test_id("release-order")).to_be_visible()
    expect(store.get_by_test_id("release-open")).to_contain_text(tonnes(SOLD))
    _fits(store, "release page")
    store.get_by_test_id("release-execute").locator("#id_vehicle").fill("粤A·7C312 冷藏车")
    store.get_by_test_id("execute-preview").click()
    expect(store.get_by_test_id("execute-confirm")).to_be_visible()
    expect(store.get_by_test_id("confirm-quantity")).to_contain_text(tonnes(SOLD))
    expect(store.get_by_test_id("confirm-fee")).to_have_text(money(fee, "CNY"))
    expect(store.get_by_test_id("confirm-payer")).to_have_text("栖霞苹果合作社")
    _fits(store, "release page, confirmation")
    store.get_by_test_id("execute-confirm-button").click()
    expect(store.get_by_test_id("release-status")).to_have_text("已出库")
    expect(store.get_by_test_id("outbound-fee")).to_have_text(money(fee, "CNY"))
    expect(store.get_by_test_id("release-fee-total")).to_have_text(money(fee, "CNY"))
    _fits(store, "release page, carried out")
    (outbound,) = Outbound.objects.filter(release=release)
    assert outbound.quantity == SOLD and outbound.fee == fee

    # 5. The buyer's order is shipped; its logistics flow carries the storage fee.
    buyer.goto(order_url)
    expect(buyer.get_by_test_id("order-status")).to_have_text("已发货")
    expect(buyer.get_by_test_id("line-shipped")).to_have_text(quantity(SOLD))
    logistics = buyer.get_by_test_id("three-flows").get_by_test_id("flow-logistics")
    expect(logistics).to_contain_text(money(fee, order.currency))
    expect(logistics).to_contain_text(f"仓储费 {money(fee, order.currency)}")
    _fits(buyer, "order page")

    for page in (store, owner, buyer):
        assert page.csp_violations == []
        page.context.close()
