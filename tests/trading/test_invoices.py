"""Invoices (发票): issue per order and per period against the verified invoice titles,
amounts and tax to the cent, numbering, red-letter reversal, who may see and do what."""

import itertools
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from mercator.companies.models import CompanyVerification
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.core.models import AuditEntry
from mercator.payments.selectors.ledger import ledger_problems
from mercator.trading.models import Deal, Invoice, InvoiceLine, Order, OrderLine
from mercator.trading.services.invoices import (
    invoice_issue_for_order,
    invoice_issue_for_period,
    invoice_reverse,
    split_tax,
)
from tests.trading.conftest import World

_numbers = itertools.count(1)


def approve_title(company, *, name: str | None = None, tax_no: str = "91450100MA5L000001"):
    """An approved verification (invoice title) for ``company``."""
    master = company.memberships.get(role="master")
    return CompanyVerification.objects.create(
        company=company,
        credit_code=tax_no[:18],
        bank_name="中国工商银行",
        bank_branch="南宁分行",
        bank_account="6222000011112222",
        invoice_name=name or company.legal_name,
        invoice_tax_no=tax_no,
        invoice_address="广西南宁市青秀区民族大道 1 号",
        invoice_phone="0771-5550000",
        invoice_bank="中国工商银行南宁分行 6222000011112222",
        status=CompanyVerification.Status.APPROVED,
        submitted_by=master.person,
        reviewed_at=timezone.now(),
    )


def titles(world: World) -> None:
    approve_title(world.mill, name="崇左糖厂有限公司", tax_no="91451400MA5L111111")
    approve_title(world.food, name="华南食品有限公司", tax_no="91440100MA5L222222")


def make_order(
    world: World,
    *,
    status: str = Order.Status.SETTLED,
    terms: str = "prepaid",
    credit_days: int = 0,
    paid: bool = True,
    delivery: str = "delivery",
    province: str = "广东",
    lines: tuple[tuple[str, str, str], ...] = (("100", "5080", "80"),),
    settled_at=None,
    paid_at=None,
    fee_percent: str = "0.5",
    buyer=None,
    seller=None,
) -> Order:
    """An order built with the ORM: lines are (quantity, delivered unit price, freight per
    unit). Settled orders have ``settled_at``; paid ones ``paid_at``."""
    now = timezone.now()
    seller = seller or world.mill
    buyer = buyer or world.food
    built = [(Decimal(q), Decimal(p), Decimal(f)) for q, p, f in lines]
    goods = sum((q * (p - f) for q, p, f in built), Decimal(0))
    freight = sum((q * f for q, p, f in built), Decimal(0))
    total = (goods + freight).quantize(Decimal("0.01"))
    settled = status == Order.Status.SETTLED
    paid_moment = (paid_at or now - timedelta(days=5)) if paid else None
    settled_moment = (settled_at or now) if settled else None
    fee = (total * Decimal(fee_percent) / 100).quantize(Decimal("0.01"))
    order = Order.objects.create(
        number=f"T2{next(_numbers):08d}{uuid.uuid4().hex[:4]}",
        seller=seller,
        buyer=buyer,
        placed_by=world.food_buyer if buyer == world.food else buyer.memberships.first(),
        owner=world.food_buyer if buyer == world.food else buyer.memberships.first(),
        seller_owner=world.mill_clerk if seller == world.mill else None,
        source=Order.Source.CART,
        status=status,
        payment_terms=terms,
        credit_days=credit_days,
        delivery_method=delivery,
        destination_province=province if delivery == "delivery" else "",
        goods_total=goods.quantize(Decimal("0.01")),
        freight_total=freight.quantize(Decimal("0.01")),
        total=total,
        fee_percent=Decimal(fee_percent),
        fee_amount=fee if settled else Decimal(0),
        paid_at=paid_moment,
        settled_at=settled_moment,
    )
    for i, (q, p, f) in enumerate(built, start=1):
        OrderLine.objects.create(
            order=order,
            position=i,
            sku=world.sku,
            listing=world.listing,
            product_name="一级白砂糖",
            quantity=q,
            unit="t",
            unit_price=p,
            freight_per_unit=f,
            amount=(q * p).quantize(Decimal("0.01")),
        )
    return order


def issue(world: World, order: Order, who=None) -> Invoice:
    return invoice_issue_for_order(
        actor=world.actor(who or world.mill_boss), order_id=order.public_id
    )


# ------------------------------------------------------------------------------ issue


def test_issue_for_settled_order_snapshots_titles(world):
    titles(world)
    order = make_order(world)
    invoice = issue(world, order)
    assert invoice.kind == "blue" and invoice.status == "issued"
    assert invoice.buyer_title["name"] == "华南食品有限公司"
    assert invoice.buyer_title["tax_no"] == "91440100MA5L222222"
    assert set(invoice.buyer_title) == {"name", "tax_no", "address", "phone", "bank"}
    assert invoice.seller_title["name"] == "崇左糖厂有限公司"
    year = timezone.localtime(invoice.issued_at).year
    assert invoice.number == f"FP{year}000001"
    # The buyer changes its verification later: the issued invoice does not change.
    CompanyVerification.objects.filter(company=world.food).update(invoice_name="改名后的公司")
    invoice.refresh_from_db()
    assert invoice.buyer_title["name"] == "华南食品有限公司"
    assert AuditEntry.objects.filter(action="invoice.issue", target=invoice.ref).count() == 1


def test_amounts_and_tax_sum_exactly(world):
    titles(world)
    # Three lines whose tax splits round differently.
    order = make_order(
        world,
        lines=(("100", "5080", "80"), ("3.3333", "4999.99", "0"), ("0.0001", "7", "0")),
    )
    invoice = issue(world, order)
    lines = list(invoice.lines.all())
    assert len(lines) == 3
    rate = Decimal("13")
    for ln, ol in zip(lines, order.lines.order_by("position"), strict=True):
        assert ln.amount == ol.amount  # delivered, freight included
        assert ln.net_amount + ln.tax_amount == ln.amount
        assert ln.net_amount == (ln.amount / (1 + rate / 100)).quantize(Decimal("0.01"))
    assert invoice.total == order.total == sum(ln.amount for ln in lines)
    assert invoice.net_total == sum(ln.net_amount for ln in lines)
    assert invoice.tax_total == sum(ln.tax_amount for ln in lines)
    assert invoice.net_total + invoice.tax_total == invoice.total
    # 508000.00 / 1.13 = 449557.522... -> 449557.52, tax 58442.48
    assert (lines[0].net_amount, lines[0].tax_amount) == (Decimal("449557.52"), Decimal("58442.48"))


def test_split_tax_uses_setting(settings):
    settings.MERCATOR = {**settings.MERCATOR, "INVOICE_TAX_PERCENT": "9"}
    from mercator.trading.services.invoices import tax_rate_percent

    assert tax_rate_percent() == Decimal("9")
    assert split_tax(Decimal("109.00"), Decimal("9")) == (Decimal("100.00"), Decimal("9.00"))


def test_second_issue_is_409_and_numbers_are_sequential(world):
    titles(world)
    first, second = make_order(world), make_order(world)
    a = issue(world, first)
    with pytest.raises(Conflict) as exc:
        issue(world, first)
    assert exc.value.code == "already_invoiced"
    b = issue(world, second)
    assert int(b.number[-6:]) == int(a.number[-6:]) + 1
    assert Invoice.objects.count() == 2


def test_issue_refused_for_unpaid_cancelled_or_without_title(world):
    order = make_order(world)
    with pytest.raises(ValidationFailed) as exc:
        issue(world, order)
    assert exc.value.code == "buyer_invoice_title_missing"
    approve_title(world.food)
    with pytest.raises(ValidationFailed) as exc:
        issue(world, order)
    assert exc.value.code == "seller_invoice_title_missing"
    approve_title(world.mill, tax_no="91451400MA5L999999")
    for status, paid in (
        (Order.Status.APPROVED, False),
        (Order.Status.CANCELLED, True),
        (Order.Status.DISPUTED, True),
        (Order.Status.SHIPPED, False),  # cash on delivery, not yet paid
    ):
        bad = make_order(world, status=status, paid=paid, terms="cod")
        with pytest.raises(Conflict) as exc:
            issue(world, bad)
        assert exc.value.code == "order_not_invoiceable"
    assert Invoice.objects.count() == 0 and InvoiceLine.objects.count() == 0
    # Paid but not yet shipped is fine; so is a shipped credit order.
    issue(world, make_order(world, status=Order.Status.PAID))
    issue(world, make_order(world, status=Order.Status.SHIPPED, terms="credit", paid=False))
    assert Invoice.objects.count() == 2


def test_buyer_cannot_issue_and_outsider_gets_404(world):
    titles(world)
    order = make_order(world)
    with pytest.raises(PermissionDenied):
        issue(world, order, world.food_boss)
    with pytest.raises(PermissionDenied):  # the seller's clerk lacks invoices.issue
        issue(world, order, world.mill_clerk)
    with pytest.raises(NotFound):
        issue(world, order, world.outsider.memberships.get(role="master"))
    assert Invoice.objects.count() == 0


# ----------------------------------------------------------------------------- period


def test_period_invoice_covers_only_uninvoiced_settled_orders(world):
    titles(world)
    now = timezone.now()
    in_a = make_order(world, settled_at=now - timedelta(days=3))
    in_b = make_order(world, settled_at=now - timedelta(days=2), lines=(("10", "5000", "0"),))
    already = make_order(world, settled_at=now - timedelta(days=2))
    issue(world, already)
    make_order(world, settled_at=now - timedelta(days=40))  # before the period
    make_order(world, status=Order.Status.SHIPPED)  # not settled
    other_buyer = make_order(world, buyer=world.outsider, settled_at=now - timedelta(days=1))
    start = timezone.localdate() - timedelta(days=10)
    end = timezone.localdate()
    invoice = invoice_issue_for_period(
        actor=world.actor(world.mill_boss),
        buyer_id=world.food.public_id,
        period_start=start.isoformat(),
        period_end=end,
    )
    covered = set(invoice.lines.values_list("order_id", flat=True))
    assert covered == {in_a.pk, in_b.pk}
    assert invoice.total == in_a.total + in_b.total
    assert (invoice.period_start, invoice.period_end) == (start, end)
    assert other_buyer.pk not in covered
    with pytest.raises(Conflict) as exc:  # nothing left
        invoice_issue_for_period(
            actor=world.actor(world.mill_boss),
            buyer_id=world.food.public_id,
            period_start=start,
            period_end=end,
        )
    assert exc.value.code == "nothing_to_invoice"


def test_period_bad_input_writes_nothing(world):
    titles(world)
    make_order(world)
    actor = world.actor(world.mill_boss)
    today = timezone.localdate()
    with pytest.raises(ValidationFailed):
        invoice_issue_for_period(
            actor=actor, buyer_id=world.food.public_id, period_start="x", period_end=today
        )
    with pytest.raises(ValidationFailed):
        invoice_issue_for_period(
            actor=actor,
            buyer_id=world.food.public_id,
            period_start=today,
            period_end=today - timedelta(days=1),
        )
    with pytest.raises(NotFound):  # a company we never sold to
        invoice_issue_for_period(
            actor=actor, buyer_id=world.outsider.public_id, period_start=today, period_end=today
        )
    assert Invoice.objects.count() == 0


# -------------------------------------------------------------------------- reversal


def test_reverse_makes_red_invoice_and_withdraws_deals(world):
    titles(world)
    order = make_order(world)
    invoice = issue(world, order)
    assert Deal.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.is_real
    actor = world.actor(world.mill_boss)
    with pytest.raises(ValidationFailed):
        invoice_reverse(actor=actor, invoice_id=invoice.public_id, reason="  ")
    with pytest.raises(PermissionDenied):
        invoice_reverse(
            actor=world.actor(world.food_boss), invoice_id=invoice.public_id, reason="x"
        )
    assert Invoice.objects.count() == 1
    red = invoice_reverse(actor=actor, invoice_id=invoice.public_id, reason="开票信息有误")
    invoice.refresh_from_db()
    assert invoice.status == "reversed"
    assert red.kind == "red" and red.reverses_id == invoice.pk
    assert (red.total, red.net_total, red.tax_total) == (
        -invoice.total,
        -invoice.net_total,
        -invoice.tax_total,
    )
    assert red.buyer_title == invoice.buyer_title and red.reason == "开票信息有误"
    red_lines = list(red.lines.all())
    assert [ln.amount for ln in red_lines] == [-ln.amount for ln in invoice.lines.all()]
    assert sum(ln.amount for ln in red_lines) == red.total
    assert Deal.objects.filter(order=order).count() == 0
    order.refresh_from_db()
    assert not order.is_real
    assert AuditEntry.objects.filter(action="invoice.reverse", target=invoice.ref).exists()
    # Only once; a red one cannot be reversed.
    with pytest.raises(Conflict):
        invoice_reverse(actor=actor, invoice_id=invoice.public_id, reason="again")
    with pytest.raises(Conflict):
        invoice_reverse(actor=actor, invoice_id=red.public_id, reason="again")
    # The order is no longer covered: it may be invoiced again, and is real again.
    again = issue(world, order)
    assert again.number not in (invoice.number, red.number)
    order.refresh_from_db()
    assert order.is_real and Deal.objects.filter(order=order).count() == 1


def test_invoices_leave_the_ledger_alone(world):
    titles(world)
    before = ledger_problems()
    order = make_order(world)
    invoice = issue(world, order)
    invoice_reverse(actor=world.actor(world.mill_boss), invoice_id=invoice.public_id, reason="x")
    assert ledger_problems() == before == []


# ------------------------------------------------------------------------------- API


def test_api_issue_list_detail_reverse_with_idempotency(world):
    titles(world)
    order = make_order(world)
    seller = world.api(world.mill_boss)
    url = f"/api/v1/orders/{order.public_id}/invoice"
    first = seller.post(url, content_type="application/json", HTTP_IDEMPOTENCY_KEY="inv-1")
    assert first.status_code == 201, first.content
    replay = seller.post(url, content_type="application/json", HTTP_IDEMPOTENCY_KEY="inv-1")
    assert replay.status_code == 201 and replay.json()["number"] == first.json()["number"]
    assert Invoice.objects.count() == 1
    body = first.json()
    assert body["total"] == str(order.total) and isinstance(body["tax_total"], str)
    assert body["lines"][0]["order"] == str(order.public_id)
    again = seller.post(url, content_type="application/json", HTTP_IDEMPOTENCY_KEY="inv-2")
    assert again.status_code == 409
    buyer = world.api(world.food_boss)
    listed = buyer.get("/api/v1/invoices").json()
    assert [i["number"] for i in listed["items"]] == [body["number"]]
    assert buyer.get(f"/api/v1/invoices/{body['id']}").status_code == 200
    pdf = buyer.get(f"/api/v1/invoices/{body['id']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert body["number"] in pdf["Content-Disposition"]
    assert buyer.post(url, content_type="application/json").status_code == 403
    rev = f"/api/v1/invoices/{body['id']}/reverse"
    assert buyer.post(rev, {"reason": "x"}, content_type="application/json").status_code == 403
    assert seller.post(rev, {"reason": ""}, content_type="application/json").status_code == 422
    red = seller.post(rev, {"reason": "退货"}, content_type="application/json")
    assert red.status_code == 201 and red.json()["kind"] == "red"
    assert red.json()["total"] == f"-{order.total}"
    assert seller.post(rev, {"reason": "退货"}, content_type="application/json").status_code == 409


def test_api_period(world):
    titles(world)
    make_order(world)
    seller = world.api(world.mill_boss)
    today = timezone.localdate().isoformat()
    payload = {"buyer": str(world.food.public_id), "period_start": today, "period_end": today}
    bad = seller.post(
        "/api/v1/invoices/period", {**payload, "period_start": "2025-13-01"}, "application/json"
    )
    assert bad.status_code == 422 and Invoice.objects.count() == 0
    done = seller.post("/api/v1/invoices/period", payload, "application/json")
    assert done.status_code == 201 and done.json()["period_end"] == today
    assert seller.post("/api/v1/invoices/period", payload, "application/json").status_code == 409


def test_third_company_gets_404_everywhere(world):
    titles(world)
    order = make_order(world)
    invoice = issue(world, order)
    outsider_boss = world.outsider.memberships.get(role="master")
    api = world.api(outsider_boss)
    assert api.get(f"/api/v1/invoices/{invoice.public_id}").status_code == 404
    assert api.get(f"/api/v1/invoices/{invoice.public_id}/pdf").status_code == 404
    assert api.post(f"/api/v1/orders/{order.public_id}/invoice").status_code == 404
    assert (
        api.post(
            f"/api/v1/invoices/{invoice.public_id}/reverse", {"reason": "x"}, "application/json"
        ).status_code
        == 404
    )
    assert api.get("/api/v1/invoices").json()["count"] == 0
    web = world.web(outsider_boss)
    assert web.get(reverse("invoice-detail", args=[invoice.public_id])).status_code == 404
    assert web.get(reverse("invoice-pdf", args=[invoice.public_id])).status_code == 404
    assert web.post(reverse("order-invoice", args=[order.public_id])).status_code == 404
    assert (
        web.post(reverse("invoice-detail", args=[invoice.public_id]), {"reason": "x"}).status_code
        == 404
    )
    invoice.refresh_from_db()
    assert invoice.status == "issued" and Invoice.objects.count() == 1


def test_clerks_see_only_their_orders_invoices(world):
    from tests.factories import add_member

    titles(world)
    mine = issue(world, make_order(world))
    other_clerk = add_member(world.mill, "sales")
    assert world.api(world.mill_clerk).get("/api/v1/invoices").json()["count"] == 1
    assert world.api(other_clerk).get("/api/v1/invoices").json()["count"] == 0
    assert world.api(other_clerk).get(f"/api/v1/invoices/{mine.public_id}").status_code == 404
    assert world.api(world.food_buyer).get(f"/api/v1/invoices/{mine.public_id}").status_code == 200


# ----------------------------------------------------------------------------- pages


def test_pages_issue_detail_pdf_and_reverse(world):
    titles(world)
    order = make_order(world)
    web = world.web(world.mill_boss)
    response = web.post(reverse("order-invoice", args=[order.public_id]))
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    detail = web.get(reverse("invoice-detail", args=[invoice.public_id]))
    html = detail.content.decode()
    assert detail.status_code == 200 and invoice.number in html
    assert 'data-testid="invoice-pdf"' in html and 'data-testid="reverse-form"' in html
    pdf = web.get(reverse("invoice-pdf", args=[invoice.public_id]))
    assert pdf.content.startswith(b"%PDF")
    assert f'filename="{invoice.number}.pdf"' in pdf["Content-Disposition"]
    assert (
        web.post(reverse("invoice-detail", args=[invoice.public_id]), {"reason": ""}).status_code
        == 422
    )
    done = web.post(reverse("invoice-detail", args=[invoice.public_id]), {"reason": "退货"})
    assert done.status_code == 302
    red = Invoice.objects.get(kind="red")
    page = web.get(reverse("invoice-detail", args=[red.public_id])).content.decode()
    assert f"红字发票，冲销 No.{invoice.number}" in page
    # The buyer sees the invoice but no reverse form, and cannot issue from the page.
    buyer = world.web(world.food_boss)
    seen = buyer.get(reverse("invoice-detail", args=[invoice.public_id])).content.decode()
    assert invoice.number in seen and 'data-testid="reverse-form"' not in seen
    assert buyer.post(reverse("order-invoice", args=[order.public_id])).status_code == 403


def test_invoices_page_period_form(world):
    titles(world)
    make_order(world)
    web = world.web(world.mill_boss)
    page = web.get(reverse("invoices"))
    assert page.status_code == 200 and 'data-testid="period-form"' in page.content.decode()
    today = timezone.localdate().isoformat()
    posted = web.post(
        reverse("invoices"),
        {"buyer": str(world.food.public_id), "period_start": today, "period_end": today},
    )
    assert posted.status_code == 302 and Invoice.objects.count() == 1
    again = web.post(
        reverse("invoices"),
        {"buyer": str(world.food.public_id), "period_start": today, "period_end": today},
    )
    assert again.status_code == 409 and Invoice.objects.count() == 1
    listed = web.get(reverse("invoices")).content.decode()
    assert Invoice.objects.get().number in listed


def test_order_partials_render(world, rf):
    from django.template.loader import render_to_string

    from mercator.trading.selectors.invoices import can_issue_for, invoices_for_order

    titles(world)
    order = make_order(world)
    actor = world.actor(world.mill_boss)
    request = rf.get("/")
    html = render_to_string(
        "trading/orders/_invoices.html",
        {
            "invoices": invoices_for_order(actor, order),
            "order": order,
            "can_issue": can_issue_for(actor, order),
        },
        request=request,
    )
    assert 'data-testid="order-issue-invoice"' in html
    invoice = issue(world, order)
    order.refresh_from_db()
    html = render_to_string(
        "trading/orders/_invoices.html",
        {
            "invoices": invoices_for_order(actor, order),
            "order": order,
            "can_issue": can_issue_for(actor, order),
        },
        request=request,
    )
    assert invoice.number in html and 'data-testid="order-issue-invoice"' not in html
    assert 'data-testid="order-is-real"' in html
    buyer = world.actor(world.food_boss)
    assert not can_issue_for(buyer, order)
    assert list(invoices_for_order(world.actor(world.outsider_clerk), order)) == []


def test_dispute_refund_becomes_a_discount_line(world):
    from mercator.trading.models import OrderEvent

    titles(world)
    order = make_order(world)  # 508000.00
    OrderEvent.objects.create(
        order=order,
        action="resolve",
        from_status="disputed",
        to_status="settled",
        data={"refund": "8000.00", "released": "500000.00"},
    )
    invoice = issue(world, order)
    assert invoice.total == Decimal("500000.00")
    discount = invoice.lines.get(amount__lt=0)
    assert discount.amount == Decimal("-8000.00")
    assert discount.net_amount + discount.tax_amount == discount.amount
    assert invoice.net_total + invoice.tax_total == invoice.total


def test_order_page_offers_the_issue_button_only_while_the_seller_may_issue(world):
    titles(world)
    order = make_order(world)
    button = 'data-testid="order-issue-invoice"'
    page = reverse("order-detail", args=[order.public_id])
    assert button in world.web(world.mill_boss).get(page).content.decode()
    assert button not in world.web(world.food_boss).get(page).content.decode()  # the buyer
    issue(world, order)
    assert button not in world.web(world.mill_boss).get(page).content.decode()  # covered
