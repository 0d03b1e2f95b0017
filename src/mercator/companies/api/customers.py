"""Customers, their contacts and ownership history; reassigning a member's records.

A clerk sees and edits only the customers he owns; the boss and managers see all of the
company's. A colleague's customer, like another company's, answers 404."""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from mercator.companies.models import Contact, Customer, OwnershipChange
from mercator.companies.ownership import ReassignSummary
from mercator.companies.schemas_customers import (
    ContactIn,
    ContactOut,
    ContactPatch,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    OwnershipChangeOut,
    ReassignIn,
    ReassignPreviewOut,
    ReassignResultOut,
)
from mercator.companies.selectors import customers as selectors
from mercator.companies.services import customers as services
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ErrorOut

router = Router(tags=["customers"])

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CustomerFilter(Schema):
    q: str | None = None
    owner: UUID | None = None


@router.get("/customers", response=list[CustomerOut])
@paginate(LimitOffset)
def customer_list(request: HttpRequest, filters: Query[CustomerFilter]) -> QuerySet[Customer]:
    """The customers the caller may see (a clerk: his own), by name. `q` searches the
    name; `owner` (a membership id) narrows to one owner."""
    return selectors.customers_search(request.actor, q=filters.q, owner=filters.owner)


@router.post("/customers", response={201: CustomerOut, **_ERRORS})
def customer_create(request: HttpRequest, payload: CustomerIn) -> Status:
    customer = services.customer_create(
        actor=request.actor,
        name=payload.name,
        owner_id=payload.owner,
        counterpart_id=payload.counterpart,
        province=payload.province,
        city=payload.city,
        phone=payload.phone,
        notes=payload.notes,
    )
    return Status(201, customer)


@router.get("/customers/{customer_id}", response={200: CustomerOut, **_ERRORS})
def customer_detail(request: HttpRequest, customer_id: str) -> Customer:
    return selectors.customer_get(request.actor, customer_id)


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **_ERRORS})
def customer_update(request: HttpRequest, customer_id: str, payload: CustomerPatch) -> Customer:
    """Change only the fields sent. A new `owner` moves the customer and its contacts."""
    changes = payload.dict(exclude_unset=True)
    renamed = {"owner": "owner_id", "counterpart": "counterpart_id"}
    return services.customer_update(
        actor=request.actor,
        customer_id=customer_id,
        **{renamed.get(field, field): value for field, value in changes.items()},
    )


@router.get("/customers/{customer_id}/contacts", response={200: list[ContactOut], **_ERRORS})
@paginate(LimitOffset)
def contact_list(request: HttpRequest, customer_id: str) -> QuerySet[Contact]:
    customer = selectors.customer_get(request.actor, customer_id)
    return selectors.contacts_of(request.actor, customer)


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut, **_ERRORS})
def contact_create(request: HttpRequest, customer_id: str, payload: ContactIn) -> Status:
    contact = services.contact_create(
        actor=request.actor, customer_id=customer_id, **payload.dict()
    )
    return Status(201, contact)


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **_ERRORS})
def contact_update(request: HttpRequest, contact_id: str, payload: ContactPatch) -> Contact:
    return services.contact_update(
        actor=request.actor, contact_id=contact_id, **payload.dict(exclude_unset=True)
    )


@router.delete("/contacts/{contact_id}", response={204: None, **_ERRORS})
def contact_delete(request: HttpRequest, contact_id: str) -> Status:
    services.contact_delete(actor=request.actor, contact_id=contact_id)
    return Status(204, None)


@router.get("/customers/{customer_id}/history", response={200: list[OwnershipChangeOut], **_ERRORS})
@paginate(LimitOffset)
def customer_history(request: HttpRequest, customer_id: str) -> QuerySet[OwnershipChange]:
    """Who had the customer before, newest first."""
    customer = selectors.customer_get(request.actor, customer_id)
    return selectors.customer_history(request.actor, customer)


@router.post(
    "/members/{membership_id}/reassign/preview", response={200: ReassignPreviewOut, **_ERRORS}
)
def reassign_preview(
    request: HttpRequest, membership_id: str, payload: ReassignIn
) -> ReassignSummary:
    """What a reassignment to these colleagues would move now: counts per kind and per
    colleague, the customers each gets, and the fingerprint to confirm it with."""
    source = selectors.reassign_source_get(request.actor, membership_id)
    targets = selectors.reassign_targets_get(request.actor, payload.to)
    return selectors.reassign_preview(request.actor, source, targets)


@router.post("/members/{membership_id}/reassign", response={200: ReassignResultOut, **_ERRORS})
def member_reassign(
    request: HttpRequest, membership_id: str, payload: ReassignIn
) -> ReassignSummary:
    """Move everything the member owns (he may have left) to the colleagues, in one step.
    Send the preview's `fingerprint` to move exactly what it showed (409 if it changed)."""
    source = selectors.reassign_source_get(request.actor, membership_id)
    targets = selectors.reassign_targets_get(request.actor, payload.to)
    return services.member_reassign(
        actor=request.actor,
        from_membership=source,
        to_memberships=targets,
        fingerprint=payload.fingerprint,
    )
