"""Demo inquiries, RFQs and quotes (seed §3): 华南食品's buyer asks the sugar mill (by RFQ)
for 100 t of grade-one white sugar on 30-day credit delivered to 广东, and the mill's
clerk answers with a quote priced by the engine; the factory's boss sends the mill an inquiry.

Runs after the catalog and pricing demos; does nothing if their data is missing, and
running it again adds nothing. Built through the services, as the people would."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mercator.catalog.models import Listing, Sku
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from mercator.trading.models import Inquiry, Quote, Rfq
from mercator.trading.services import (
    inquiry_create,
    quote_create,
    quote_preview_lines,
    quote_send,
    rfq_create,
)

SUGAR_MILL = "广西崇左甘蔗糖业有限公司"
FOOD_FACTORY = "广州华南食品有限公司"
SKU_CODE = "CZ-WS1-50KG"
RFQ_TITLE = "每月 100 吨一级白砂糖（30 天账期，送到广州）"
INQUIRY_TEXT = "请问一级白砂糖 20 吨送到广州什么价？下周要货。"
# The clerk's quote: 1% below the engine's price, inside the mill's 5% approval rule.
CLERK_DISCOUNT = Decimal("0.99")


def _actor(company: Company, email: str) -> Actor | None:
    seat = (
        Membership.objects.select_related("person", "company")
        .filter(company=company, person__email=email, is_active=True)
        .first()
    )
    return actor_for_membership(seat, via="system") if seat else None


def build_trading() -> None:
    mill = Company.objects.filter(legal_name=SUGAR_MILL).first()
    food = Company.objects.filter(legal_name=FOOD_FACTORY).first()
    sku = Sku.objects.filter(seller=mill, code=SKU_CODE).first() if mill else None
    listing = Listing.objects.filter(sku=sku, status=Listing.Status.ACTIVE).first() if sku else None
    if mill is None or food is None or listing is None:
        return  # the catalog demo has not run
    if not mill.price_lists.exists():
        return  # nor the pricing demo
    buyer = _actor(food, "buyer@foodfactory.demo")
    clerk = _actor(mill, "sales@sugarmill.demo")
    if buyer is None or clerk is None:
        return
    with transaction.atomic():
        rfq = Rfq.objects.filter(buyer=food, title=RFQ_TITLE).first()
        if rfq is None:
            rfq = rfq_create(
                actor=buyer,
                title=RFQ_TITLE,
                lines=[{"sku": sku.public_id, "quantity": "100", "unit": sku.unit}],
                deadline=timezone.now() + timedelta(days=7),
                payment_terms="credit",
                credit_days=30,
                delivery_method="delivery",
                destination_province="广东",
                seller_ids=[mill.public_id],
                note="每月固定采购，优先考虑长期合作。",
            )
        if (
            not Quote.objects.filter(rfq=rfq, seller=mill).exists()
            and rfq.effective_status() == "open"
        ):
            spec = {"sku": sku.public_id, "quantity": "100", "listing": listing.public_id}
            terms = (
                rfq.payment_terms,
                rfq.credit_days,
                rfq.delivery_method,
                rfq.destination_province,
            )
            engine = quote_preview_lines(actor=clerk, buyer=food, lines=[spec], terms=terms)[0]
            price = (engine.engine_unit_price * CLERK_DISCOUNT).quantize(Decimal("1"))
            draft = quote_create(
                actor=clerk,
                rfq_id=rfq.public_id,
                lines=[{**spec, "rfq_line": 1, "unit_price": price}],
                note="含 13% 增值税，送到贵司广州工厂。",
            )
            quote_send(actor=clerk, quote_id=draft.public_id, comment="老客户价，欢迎来厂验货。")

        # The factory's boss asks about a smaller lot himself; the inquiry is routed to the
        # mill's clerk who owns the factory as a customer.
        boss = _actor(food, "boss@foodfactory.demo")
        if boss is not None and not Inquiry.objects.filter(buyer=food, seller=mill).exists():
            inquiry_create(
                actor=boss, listing_id=listing.public_id, message=INQUIRY_TEXT, quantity="20"
            )
