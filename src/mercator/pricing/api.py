"""Pricing over the API: a seller manages its classes, lists, breaks, customer prices,
terms and freight under /pricing/...; a buyer asks POST /prices/quote for his own price.

Every answer, errors included, carries ``Cache-Control: private, no-store``: a price is
computed for one company and must never sit in a shared cache."""

from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from functools import wraps
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS
from mercator.pricing import selectors, services
from mercator.pricing.models import (
    CustomerClass,
    CustomerClassAssignment,
    CustomerPrice,
    FreightRate,
    PriceList,
    PriceRule,
)
from mercator.pricing.schemas import (
    AssignmentIn,
    AssignmentOut,
    ClassIn,
    ClassOut,
    ClassPatch,
    CustomerPriceIn,
    CustomerPriceOut,
    CustomerPricePatch,
    FreightIn,
    FreightOut,
    FreightPatch,
    PriceListIn,
    PriceListOut,
    PriceListPatch,
    PriceQuoteIn,
    PriceQuoteOut,
    RuleIn,
    RuleOut,
    TermsIn,
    TermsOut,
)

PRIVATE = "private, no-store"


def private(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark every answer of this router, errors included, as never to be cached."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = run(request, *args, **kwargs)
        response["Cache-Control"] = PRIVATE
        return response

    return wrapper


router = Router(tags=["pricing"])
router.add_decorator(private, mode="view")


def _given(payload: Schema) -> dict[str, Any]:
    return payload.dict(exclude_unset=True)


# -------------------------------------------------------------------- the buyer's quote


@router.post("/prices/quote", response={200: PriceQuoteOut, **ERRORS})
def price_quote(request: HttpRequest, payload: PriceQuoteIn) -> dict[str, Any]:
    """The price of a listing (or SKU) for the caller's own company under the conditions
    given, with its breakdown. There is no buyer parameter: nobody reads another
    company's price here."""
    breakdown = selectors.quote_for(
        request.actor,
        listing_id=payload.listing,
        sku_id=payload.sku,
        quantity=payload.quantity,
        payment_terms=payload.payment_terms,
        credit_days=payload.credit_days,
        delivery_method=payload.delivery_method,
        destination_province=payload.destination_province,
    )
    data = {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(breakdown).items()}
    data["steps"] = [str(step) for step in breakdown.steps]  # in the request's language
    return data


# ------------------------------------------------------------------ customer classes


@router.get("/pricing/classes", response={200: list[ClassOut], **ERRORS})
@paginate(LimitOffset)
def class_list(request: HttpRequest) -> QuerySet[CustomerClass]:
    return selectors.customer_classes_of(request.actor)


@router.post("/pricing/classes", response={201: ClassOut, **ERRORS})
def class_create(request: HttpRequest, payload: ClassIn) -> Status:
    return Status(201, services.customer_class_create(actor=request.actor, **payload.dict()))


@router.get("/pricing/classes/{class_id}", response={200: ClassOut, **ERRORS})
def class_detail(request: HttpRequest, class_id: str) -> CustomerClass:
    return selectors.customer_class_get(request.actor, class_id)


@router.patch("/pricing/classes/{class_id}", response={200: ClassOut, **ERRORS})
def class_update(request: HttpRequest, class_id: str, payload: ClassPatch) -> CustomerClass:
    return services.customer_class_update(
        actor=request.actor, class_id=class_id, **payload.dict(exclude_none=True)
    )


@router.delete("/pricing/classes/{class_id}", response={204: None, **ERRORS})
def class_delete(request: HttpRequest, class_id: str) -> Status:
    services.customer_class_delete(actor=request.actor, class_id=class_id)
    return Status(204, None)


@router.get("/pricing/assignments", response={200: list[AssignmentOut], **ERRORS})
@paginate(LimitOffset)
def assignment_list(request: HttpRequest) -> QuerySet[CustomerClassAssignment]:
    return selectors.assignments_of(request.actor)


@router.put("/pricing/assignments/{buyer_id}", response={200: AssignmentOut, **ERRORS})
def assignment_set(
    request: HttpRequest, buyer_id: str, payload: AssignmentIn
) -> CustomerClassAssignment:
    """Put a buyer company (its public id) in one of the seller's classes."""
    return services.class_assignment_set(
        actor=request.actor, buyer_id=buyer_id, class_id=payload.customer_class
    )


@router.delete("/pricing/assignments/{buyer_id}", response={204: None, **ERRORS})
def assignment_delete(request: HttpRequest, buyer_id: str) -> Status:
    services.class_assignment_delete(actor=request.actor, buyer_id=buyer_id)
    return Status(204, None)


# ------------------------------------------------------------------------ price lists


@router.get("/pricing/lists", response={200: list[PriceListOut], **ERRORS})
@paginate(LimitOffset)
def list_list(request: HttpRequest) -> QuerySet[PriceList]:
    return selectors.price_lists_of(request.actor)


@router.post("/pricing/lists", response={201: PriceListOut, **ERRORS})
def list_create(request: HttpRequest, payload: PriceListIn) -> Status:
    data = payload.dict()
    data["customer_class_id"] = data.pop("customer_class")
    data["grade_id"] = data.pop("grade")
    return Status(201, services.price_list_create(actor=request.actor, **data))


@router.get("/pricing/lists/{list_id}", response={200: PriceListOut, **ERRORS})
def list_detail(request: HttpRequest, list_id: str) -> PriceList:
    return selectors.price_list_get(request.actor, list_id)


@router.patch("/pricing/lists/{list_id}", response={200: PriceListOut, **ERRORS})
def list_update(request: HttpRequest, list_id: str, payload: PriceListPatch) -> PriceList:
    data = payload.dict(exclude_none=True)
    if data.pop("clear_customer_class", False):
        data["customer_class"] = None
    if data.pop("clear_grade", False):
        data["grade"] = None
    if data.pop("clear_valid_until", False):
        data["valid_until"] = None
    if "customer_class" in data:
        data["customer_class_id"] = data.pop("customer_class")
    if "grade" in data:
        data["grade_id"] = data.pop("grade")
    return services.price_list_update(actor=request.actor, list_id=list_id, **data)


@router.delete("/pricing/lists/{list_id}", response={204: None, **ERRORS})
def list_delete(request: HttpRequest, list_id: str) -> Status:
    services.price_list_delete(actor=request.actor, list_id=list_id)
    return Status(204, None)


class RuleFilter(Schema):
    sku: str | None = None


@router.get("/pricing/lists/{list_id}/rules", response={200: list[RuleOut], **ERRORS})
@paginate(LimitOffset)
def rule_list(
    request: HttpRequest, list_id: str, filters: Query[RuleFilter]
) -> QuerySet[PriceRule]:
    return selectors.rules_of(request.actor, list_id, sku_id=filters.sku)


@router.put("/pricing/lists/{list_id}/rules", response={200: RuleOut, **ERRORS})
def rule_set(request: HttpRequest, list_id: str, payload: RuleIn) -> PriceRule:
    """Add a quantity break (SKU, from ``min_qty``) or change its price."""
    data = payload.dict()
    return services.price_rule_set(
        actor=request.actor,
        list_id=list_id,
        sku_id=data["sku"],
        min_qty=data["min_qty"],
        unit_price=data["unit_price"],
        allow_increase=data["allow_increase"],
    )


class RuleKey(Schema):
    sku: str
    min_qty: str


@router.delete("/pricing/lists/{list_id}/rules", response={204: None, **ERRORS})
def rule_delete(request: HttpRequest, list_id: str, key: Query[RuleKey]) -> Status:
    services.price_rule_delete(
        actor=request.actor, list_id=list_id, sku_id=key.sku, min_qty=key.min_qty
    )
    return Status(204, None)


# -------------------------------------------------------------------- customer prices


@router.get("/pricing/customer-prices", response={200: list[CustomerPriceOut], **ERRORS})
@paginate(LimitOffset)
def customer_price_list(request: HttpRequest) -> QuerySet[CustomerPrice]:
    return selectors.customer_prices_of(request.actor)


@router.post("/pricing/customer-prices", response={201: CustomerPriceOut, **ERRORS})
def customer_price_create(request: HttpRequest, payload: CustomerPriceIn) -> Status:
    data = payload.dict()
    data["buyer_id"] = data.pop("buyer")
    data["sku_id"] = data.pop("sku")
    return Status(201, services.customer_price_create(actor=request.actor, **data))


@router.get("/pricing/customer-prices/{price_id}", response={200: CustomerPriceOut, **ERRORS})
def customer_price_detail(request: HttpRequest, price_id: str) -> CustomerPrice:
    return selectors.customer_price_get(request.actor, price_id)


@router.patch("/pricing/customer-prices/{price_id}", response={200: CustomerPriceOut, **ERRORS})
def customer_price_update(
    request: HttpRequest, price_id: str, payload: CustomerPricePatch
) -> CustomerPrice:
    return services.customer_price_update(
        actor=request.actor, price_id=price_id, **payload.dict(exclude_none=True)
    )


@router.delete("/pricing/customer-prices/{price_id}", response={204: None, **ERRORS})
def customer_price_delete(request: HttpRequest, price_id: str) -> Status:
    services.customer_price_delete(actor=request.actor, price_id=price_id)
    return Status(204, None)


# ------------------------------------------------------------------------------ terms


def _terms_out(policy: object) -> dict[str, Any]:
    if policy is None:
        return {
            "credit_annual_rate": "0",
            "max_credit_days": 90,
            "prepaid_discount_percent": "0",
            "cod_surcharge_percent": "0",
        }
    return {
        # Percent a year, as it is set (the model keeps the fraction).
        "credit_annual_rate": str((policy.credit_annual_rate * 100).quantize(Decimal("0.0001"))),
        "max_credit_days": policy.max_credit_days,
        "prepaid_discount_percent": str(policy.prepaid_discount_percent),
        "cod_surcharge_percent": str(policy.cod_surcharge_percent),
    }


@router.get("/pricing/terms", response={200: TermsOut, **ERRORS})
def terms_detail(request: HttpRequest) -> dict[str, Any]:
    return _terms_out(selectors.terms_policy_of(request.actor))


@router.put("/pricing/terms", response={200: TermsOut, **ERRORS})
def terms_set(request: HttpRequest, payload: TermsIn) -> dict[str, Any]:
    values = payload.dict(exclude_none=True)
    if "credit_annual_rate" in values:
        values["credit_annual_percent"] = values.pop("credit_annual_rate")
    policy = services.terms_policy_set(actor=request.actor, **values)
    return _terms_out(policy)


# ---------------------------------------------------------------------------- freight


@router.get("/pricing/freight", response={200: list[FreightOut], **ERRORS})
@paginate(LimitOffset)
def freight_list(request: HttpRequest) -> QuerySet[FreightRate]:
    return selectors.freight_rates_of(request.actor)


@router.post("/pricing/freight", response={201: FreightOut, **ERRORS})
def freight_create(request: HttpRequest, payload: FreightIn) -> Status:
    return Status(201, services.freight_rate_create(actor=request.actor, **payload.dict()))


@router.patch("/pricing/freight/{rate_id}", response={200: FreightOut, **ERRORS})
def freight_update(request: HttpRequest, rate_id: str, payload: FreightPatch) -> FreightRate:
    return services.freight_rate_update(
        actor=request.actor, rate_id=rate_id, **payload.dict(exclude_none=True)
    )


@router.delete("/pricing/freight/{rate_id}", response={204: None, **ERRORS})
def freight_delete(request: HttpRequest, rate_id: str) -> Status:
    services.freight_rate_delete(actor=request.actor, rate_id=rate_id)
    return Status(204, None)
