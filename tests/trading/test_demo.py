import pytest
from django.utils import timezone

from mercator.demo.build import demo_build
from mercator.demo.trading import build_trading
from mercator.trading.models import Inquiry, Quote, Rfq

pytestmark = pytest.mark.django_db


def test_without_catalog_and_pricing_it_does_nothing():
    from mercator.demo.services import build_companies

    build_companies()
    build_trading()
    assert not Rfq.objects.exists() and not Quote.objects.exists()


def test_demo_rfq_and_quote_idempotent():
    from mercator.demo.catalog import build_catalog
    from mercator.demo.pricing import build_pricing

    demo_build()  # catalog, pricing and trading included
    build_catalog()
    build_pricing()
    build_trading()
    rfq = Rfq.objects.get()
    assert rfq.credit_days == 30 and rfq.destination_province == "广东"
    quote = Quote.objects.get(rfq=rfq)
    assert quote.status == "sent" and quote.rfq == rfq
    assert quote.lines.get().engine_breakdown["steps"]
    # The factory's boss asked about a smaller lot: routed to the clerk who owns the
    # factory as a customer.
    inquiry = Inquiry.objects.get()
    assert inquiry.buyer == rfq.buyer
    assert inquiry.assigned_to.person.email == "sales@sugarmill.demo"
    # Each document is numbered and dated on the demo's day it was made.
    made = ((rfq, "RFQ", rfq.created_at), (quote, "QT", quote.created_at))
    for document, prefix, at in (*made, (inquiry, "INQ", inquiry.received_at)):
        assert document.number.startswith(f"{prefix}{timezone.localtime(at):%Y%m%d}")
