"""Issue 5 end to end in Chromium: the accepted sugar quote becomes an order, the buyer's
finance member pays through the sandbox gateway, the seller ships, the buyer confirms
receipt, the seller is paid (minus the platform fee) and the invoice PDF downloads.
Sandbox money is play money: the order is settled and invoiced but never a real deal.

The quote is set up with the services (untimed); every step after it is a click in the
browser, one browser context per person, in zh-CN."""

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from mercator.companies.models import Company, CompanyVerification
from mercator.companies.roles import Role
from mercator.core.figures import money
from mercator.core.money import quantize_amount
from mercator.payments.models import AccountKind, LedgerAccount, PaymentIntent
from mercator.payments.selectors.ledger import escrow_held, ledger_problems
from mercator.trading import services
from mercator.trading.models import Invoice, Order, Quote
from tests.factories import PASSWORD, add_member
from tests.trading.conftest import World, world  # noqa: F401  (the sugar world fixture)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


def approve_title(company: Company, *, name: str, tax_no: str, address: str) -> None:
    """An approved verification carrying the company's invoice title (发票抬头)."""
    master = company.memberships.get(role=Role.MASTER)
    CompanyVerification.objects.create(
        company=company,
        credit_code=tax_no,
        bank_name="中国工商银行",
        bank_branch="南宁分行",
        bank_account="6222000011112222",
        invoice_name=name,
        invoice_tax_no=tax_no,
        invoice_address=address,
        invoice_phone="0771-5550000",
        invoice_bank="中国工商银行南宁分行 6222000011112222",
        status=CompanyVerification.Status.APPROVED,
        submitted_by=master.person,
        reviewed_at=timezone.now(),
    )


def accepted_quote(world: World) -> Quote:  # noqa: F811
    """100 t of sugar, prepaid, delivered to 广东, at the engine's price (no discount, so
    no approval), quoted by the mill's clerk (he owns it) and accepted by the buyer."""
    buyer, clerk = world.actor(world.food_buyer), world.actor(world.mill_clerk)
    rfq = services.rfq_create(
        actor=buyer,
        title="100 吨一级白砂糖（预付）",
        lines=[{"sku": str(world.sku.public_id), "quantity": "100", "unit": "t"}],
        deadline=timezone.now() + timedelta(days=3),
        payment_terms="prepaid",
        credit_days=0,
        delivery_method="delivery",
        destination_province="广东",
        seller_ids=[str(world.mill.public_id)],
    )
    quote = services.quote_create(
        actor=clerk,
        rfq_id=rfq.public_id,
        lines=[
            {
                "sku": str(world.sku.public_id),
                "quantity": "100",
                "rfq_line": 1,
                "listing": str(world.listing.public_id),
            }
        ],
    )
    services.quote_send(actor=clerk, quote_id=quote.public_id)
    return services.quote_accept(actor=buyer, quote_id=quote.public_id)


def sign_in(
    browser: Browser, url: Callable[[str], str], email: str, contexts: list[BrowserContext]
) -> Page:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    contexts.append(context)
    page = context.new_page()
    page.goto(url("/login/"))
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("person")).to_be_visible()
    return page


def wallet_balance(company: Company) -> Decimal:
    account = LedgerAccount.objects.filter(
        company=company, kind=AccountKind.WALLET, currency="CNY"
    ).first()
    return account.balance if account else Decimal("0")


@pytest.fixture
def contexts() -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def test_quote_to_order_pay_ship_receive_settle_invoice(
    browser: Browser,
    url: Callable[[str], str],
    world: World,  # noqa: F811
    contexts: list[BrowserContext],
) -> None:
    finance = add_member(world.food, Role.FINANCE)
    approve_title(
        world.mill, name="崇左糖厂有限公司", tax_no="91451400MA5L111111", address="广西崇左市江州区"
    )
    approve_title(
        world.food, name="华南食品有限公司", tax_no="91440100MA5L222222", address="广州市黄埔区"
    )
    quote = accepted_quote(world)
    assert quote.status == "accepted" and quote.owner == world.mill_clerk

    # 1. The food factory's purchasing clerk turns the accepted quote into an order.
    buyer = sign_in(browser, url, world.food_buyer.person.email, contexts)
    buyer.goto(url(f"/quotes/{quote.public_id}/"))
    expect(buyer.get_by_test_id("quote-status")).to_have_text("已接受")
    buyer.get_by_test_id("quote-place-order").click()
    expect(buyer).to_have_url(re.compile(r"/orders/[0-9a-f-]+/$"))
    expect(buyer.get_by_test_id("order-status")).to_have_text("待付款")
    order = Order.objects.get(quote=quote)
    assert order.owner == world.food_buyer and order.seller_owner == world.mill_clerk
    assert order.payment_terms == "prepaid" and order.total == Decimal("508000.00")
    expect(buyer.get_by_test_id("order-total")).to_have_text(money(order.total, "CNY"))
    # The clerk cannot pay (payments.pay is finance's and the boss's).
    expect(buyer.get_by_test_id("order-pay")).to_have_count(0)
    order_url = url(f"/orders/{order.public_id}/")

    # 2. The finance member pays online through the sandbox gateway.
    payer = sign_in(browser, url, finance.person.email, contexts)
    payer.goto(order_url)
    expect(payer.get_by_test_id("order-status")).to_have_text("待付款")
    payer.get_by_test_id("order-pay").click()  # the dialog stating the amount
    expect(payer.get_by_test_id("pay-amount")).to_have_text(money(order.total, "CNY"))
    payer.get_by_test_id("order-pay-method").select_option("gateway")
    expect(payer.get_by_test_id("order-pay-method")).to_contain_text("在线支付")
    payer.get_by_test_id("order-pay-confirm").click()
    expect(payer).to_have_url(re.compile(r"/payments/sandbox/[0-9a-f-]+/\?next="))
    expect(payer.get_by_test_id("sandbox-amount")).to_contain_text(
        money(order.total, order.currency)
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    payer.screenshot(path=str(ARTIFACTS / "order_flow_sandbox_checkout.png"), full_page=True)
    intent = PaymentIntent.objects.get(reference=order.ref)
    assert intent.method == "gateway" and intent.status == "pending"
    assert intent.amount == order.total
    payer.get_by_test_id("sandbox-pay").click()
    expect(payer).to_have_url(order_url)
    expect(payer.get_by_test_id("order-status")).to_have_text("已付款（资金托管中）")
    intent.refresh_from_db()
    assert intent.status == "succeeded"
    assert escrow_held(reference=order.ref, currency="CNY") == order.total

    # 3. The mill's sales clerk (the order's seller owner) ships everything.
    seller = sign_in(browser, url, world.mill_clerk.person.email, contexts)
    seller.goto(order_url)
    expect(seller.get_by_test_id("order-status")).to_have_text("已付款（资金托管中）")
    seller.get_by_test_id("order-ship").click()  # the ship dialog
    seller.fill("#ship-carrier", "顺丰速运")
    seller.fill("#ship-tracking", "SF1234567890")
    seller.get_by_test_id("order-ship-confirm").click()
    expect(seller.get_by_test_id("order-status")).to_have_text("已发货")
    expect(seller.get_by_test_id("line-shipped")).to_have_text("100")
    expect(seller.get_by_test_id("shipment")).to_contain_text("SF1234567890")

    # 4. The buyer's clerk confirms receipt of everything: the order settles.
    buyer.goto(order_url)
    expect(buyer.get_by_test_id("order-status")).to_have_text("已发货")
    buyer.get_by_test_id("order-receive").click()  # the dialog stating the amounts
    expect(buyer.get_by_test_id("receive-proceeds")).to_have_text(money(Decimal("505460"), "CNY"))
    buyer.get_by_test_id("order-receive-confirm").click()
    expect(buyer.get_by_test_id("order-status")).to_have_text("已结算")
    expect(buyer.get_by_test_id("line-received")).to_have_text("100")
    buyer.screenshot(path=str(ARTIFACTS / "order_flow_settled_order.png"), full_page=True)

    # 5. The mill's boss sees the proceeds in his wallet, exactly the total minus 0.5 %.
    order.refresh_from_db()
    fee = quantize_amount(order.total * order.fee_percent / 100)
    assert order.fee_percent == Decimal("0.5") and order.fee_amount == fee == Decimal("2540.00")
    proceeds = order.total - fee
    assert wallet_balance(world.mill) == proceeds == Decimal("505460.00")
    boss = sign_in(browser, url, world.mill_boss.person.email, contexts)
    boss.goto(url("/payments/"))
    expect(boss.get_by_test_id("wallet-balance-CNY")).to_have_text(money(proceeds, "CNY"))
    # He issues the invoice from the order page and downloads its PDF.
    boss.goto(order_url)
    expect(boss.get_by_test_id("order-status")).to_have_text("已结算")
    boss.get_by_test_id("order-issue-invoice").click()
    expect(boss).to_have_url(re.compile(r"/invoices/[0-9a-f-]+/$"))
    invoice = Invoice.objects.get(seller=world.mill, buyer=world.food)
    assert invoice.total == order.total and invoice.status == "issued"
    expect(boss.get_by_test_id("invoice-total")).to_contain_text(
        money(invoice.total, invoice.currency)
    )
    boss.screenshot(path=str(ARTIFACTS / "order_flow_invoice.png"), full_page=True)
    with boss.expect_download() as info:
        boss.get_by_test_id("invoice-pdf").click()
    download = info.value
    assert invoice.number in download.suggested_filename
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    download.save_as(ARTIFACTS / "order_flow_invoice.pdf")
    # Back on the order: the invoice is listed, but sandbox money makes no real deal.
    boss.goto(order_url)
    expect(boss.get_by_test_id("order-invoice-link")).to_have_text(invoice.number)
    expect(boss.get_by_test_id("order-is-real")).to_have_count(0)

    # The books: settled, balanced, nothing left in escrow, and not a real deal.
    order.refresh_from_db()
    assert order.status == Order.Status.SETTLED and order.settled_at is not None
    assert ledger_problems() == []
    assert escrow_held(reference=order.ref, currency="CNY") == 0
    assert order.is_real is False
