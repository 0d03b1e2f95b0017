"""Reads of a seller's pricing, always scoped to the actor's own company.

Every price here is a trade secret of its seller: only the seller's own members who
manage prices or quote to customers read them. Another company's list, class, price or
lane answers 404 exactly as a missing one does."""

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Listing, Sku
from mercator.companies.models import Company, Customer
from mercator.core.actor import Actor
from mercator.core.errors import NotFound, PermissionDenied, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.money import to_decimal
from mercator.membership import privileges
from mercator.membership.models import Grade
from mercator.pricing.engine import PriceBreakdown, QuoteRequest, quote_price
from mercator.pricing.models import (
    CustomerClass,
    CustomerClassAssignment,
    CustomerPrice,
    FreightRate,
    PriceList,
    PriceRule,
    TermsPolicy,
)


def can_manage(actor: Actor) -> bool:
    """Catalog and pricing management: the master (company.manage) or a manager."""
    return actor.company is not None and (actor.can("company.manage") or actor.role == "manager")


def can_read(actor: Actor) -> bool:
    """Managers, and the clerks who quote to customers, read their company's prices."""
    return can_manage(actor) or (actor.company is not None and actor.can("customers.manage"))


def grade_choices() -> list[Grade]:
    """The grades a special price list may target (every market's active grades)."""
    return privileges.grade_choices()


def seller_of(actor: Actor) -> Company:
    company = actor.require_company()
    if not can_read(actor):
        raise PermissionDenied()
    return company


def _get(queryset: QuerySet, public_id: object) -> object:
    wanted = parse_public_id(public_id)
    if wanted is None:
        raise NotFound()
    found = queryset.filter(public_id=wanted).first()
    if found is None:
        raise NotFound()
    return found


def customer_classes_of(actor: Actor) -> QuerySet[CustomerClass]:
    return CustomerClass.objects.filter(seller=seller_of(actor)).annotate(
        buyer_count=Count("assignments")
    )


def customer_class_get(actor: Actor, class_id: object) -> CustomerClass:
    return _get(CustomerClass.objects.filter(seller=seller_of(actor)), class_id)


def assignments_of(actor: Actor) -> QuerySet[CustomerClassAssignment]:
    return (
        CustomerClassAssignment.objects.filter(seller=seller_of(actor))
        .select_related("buyer", "customer_class")
        .order_by("customer_class__name", "buyer__short_name")
    )


def buyer_get(actor: Actor, buyer_id: object) -> Company:
    """A buyer company a seller prices for: any other company on the platform (its public
    id is how the seller's customer record names it)."""
    company = seller_of(actor)
    wanted = parse_public_id(buyer_id)
    if wanted is None:
        raise NotFound()
    buyer = Company.objects.filter(public_id=wanted).exclude(pk=company.pk).first()
    if buyer is None:
        raise NotFound()
    return buyer


def buyer_choices(actor: Actor) -> list[Company]:
    """The companies behind the seller's customer records: whom the pages offer."""
    company = seller_of(actor)
    ids = (
        Customer.objects.filter(company=company, counterpart__isnull=False)
        .exclude(counterpart=company)
        .values("counterpart_id")
    )
    return list(Company.objects.filter(pk__in=ids).order_by("short_name"))


def price_lists_of(actor: Actor) -> QuerySet[PriceList]:
    return (
        PriceList.objects.filter(seller=seller_of(actor))
        .select_related("customer_class", "grade__market")
        .annotate(rule_count=Count("rules"))
        .order_by("priority", "name", "pk")
    )


def price_list_get(actor: Actor, list_id: object) -> PriceList:
    return _get(
        PriceList.objects.filter(seller=seller_of(actor)).select_related(
            "customer_class", "grade__market"
        ),
        list_id,
    )


def rules_of(actor: Actor, list_id: object, *, sku_id: object = None) -> QuerySet[PriceRule]:
    price_list = price_list_get(actor, list_id)
    rules = PriceRule.objects.filter(price_list=price_list).select_related("sku")
    if sku_id is not None:
        wanted = parse_public_id(sku_id)
        rules = rules.filter(sku__public_id=wanted) if wanted else rules.none()
    return rules.order_by("sku__code", "min_qty")


def sku_get(actor: Actor, sku_id: object) -> Sku:
    """One of the seller's own SKUs (another seller's answers 404)."""
    return _get(Sku.objects.filter(seller=seller_of(actor)), sku_id)


def skus_of(actor: Actor) -> QuerySet[Sku]:
    return Sku.objects.filter(seller=seller_of(actor)).select_related("product").order_by("code")


def customer_prices_of(actor: Actor) -> QuerySet[CustomerPrice]:
    return (
        CustomerPrice.objects.filter(seller=seller_of(actor))
        .select_related("buyer", "sku")
        .order_by("buyer__short_name", "sku__code", "min_qty", "-valid_from")
    )


def customer_price_get(actor: Actor, price_id: object) -> CustomerPrice:
    return _get(
        CustomerPrice.objects.filter(seller=seller_of(actor)).select_related("buyer", "sku"),
        price_id,
    )


def terms_policy_of(actor: Actor) -> TermsPolicy | None:
    return TermsPolicy.objects.filter(seller=seller_of(actor)).first()


def freight_rates_of(actor: Actor) -> QuerySet[FreightRate]:
    return FreightRate.objects.filter(seller=seller_of(actor)).order_by(
        "origin", "destination_province"
    )


def freight_rate_get(actor: Actor, rate_id: object) -> FreightRate:
    return _get(FreightRate.objects.filter(seller=seller_of(actor)), rate_id)


# ------------------------------------------------------------------ the buyer's side


def quotable_listing_get(actor: Actor, listing_id: object) -> Listing:
    """An active listing any signed-in company may ask a price for."""
    actor.require_company()
    return _get(
        Listing.objects.filter(status=Listing.Status.ACTIVE).select_related(
            "sku__product", "seller"
        ),
        listing_id,
    )


def quotable_sku_get(actor: Actor, sku_id: object) -> Sku:
    actor.require_company()
    return _get(Sku.objects.select_related("product", "seller"), sku_id)


def delivery_provinces(listing: Listing) -> list[str]:
    """Where the seller delivers from this listing's origin (the lanes, not their rates)."""
    return list(
        FreightRate.objects.filter(seller_id=listing.seller_id, origin=listing.origin)
        .order_by("destination_province")
        .values_list("destination_province", flat=True)
        .distinct()
    )


def quote_for(
    actor: Actor,
    *,
    listing_id: object = None,
    sku_id: object = None,
    quantity: object,
    payment_terms: str,
    credit_days: int = 0,
    delivery_method: str = "pickup",
    destination_province: str = "",
) -> PriceBreakdown:
    """The price of a listing (or a SKU) for the actor's own company, and only his: there
    is no way to name another buyer here."""
    buyer = actor.require_company()
    if listing_id:
        listing = quotable_listing_get(actor, listing_id)
        sku = listing.sku
    elif sku_id:
        listing = None
        sku = quotable_sku_get(actor, sku_id)
    else:
        raise ValidationFailed(
            _("请指定挂牌或 SKU。"), code="listing_required", details={"field": "listing"}
        )
    try:
        qty = to_decimal(quantity)
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, code="invalid_quantity", details={"field": "quantity"}
        ) from None
    return quote_price(
        QuoteRequest(
            buyer=buyer,
            sku=sku,
            quantity=qty,
            payment_terms=payment_terms,
            credit_days=credit_days,
            delivery_method=delivery_method,
            destination_province=destination_province,
            listing=listing,
        )
    )
