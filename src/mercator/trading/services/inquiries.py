"""Inquiries (询盘): a buyer asks a seller about a listing.

Routing: the inquiry goes to the seller's clerk who owns the buyer as a customer
(``Customer.counterpart``); with no such clerk it waits in the seller's pool until the
boss assigns it. The clerk who gets it records ``inquiry_received``; his first answer
records ``inquiry_answered`` with the seconds since it arrived (the boss report)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mercator.companies.models import ActivityEvent, Customer, Membership
from mercator.companies.selectors.customers import can_own, member_in_company
from mercator.companies.selectors.members import role_permissions
from mercator.companies.services.activity import activity_record
from mercator.companies.services.notifications import notify
from mercator.core.actor import Actor
from mercator.core.errors import PermissionDenied, not_allowed
from mercator.core.services import audit_record, validate
from mercator.core.texts import text as stored_text
from mercator.trading import selectors
from mercator.trading.models import Inquiry, InquiryMessage, Side
from mercator.trading.services import grades
from mercator.trading.services._common import invalid, quantity_of, require_verified, text_of
from mercator.trading.services.numbering import INQUIRY_PREFIX, new_number
from mercator.trading.services.quotas import INQUIRY, quota_check


def _link(inquiry: Inquiry) -> str:
    return reverse("inquiry-detail", kwargs={"inquiry_id": inquiry.public_id})


def _received(inquiry: Inquiry, clerk: Membership) -> None:
    activity_record(
        membership=clerk,
        kind=ActivityEvent.Kind.INQUIRY_RECEIVED,
        ref=f"inquiry:{inquiry.public_id}",
    )
    notify(
        person=clerk.person,
        company=clerk.company,
        kind="inquiry.received",
        title=stored_text(
            gettext_noop("新询盘 %(number)s：%(buyer)s"),
            buyer=inquiry.buyer.short_name,
            number=inquiry.number,
        ),
        body=inquiry.message[:200],
        link=_link(inquiry),
    )


def _route(seller_id: int, buyer_id: int) -> tuple[Customer | None, Membership | None]:
    """The seller's customer record of this buyer and its owner, if he can take it."""
    customers = Customer.objects.filter(company_id=seller_id, counterpart_id=buyer_id)
    for customer in customers.select_related("owner__person", "owner__company").order_by("pk"):
        if customer.owner.is_active and can_own(customer.owner):
            return customer, customer.owner
    return customers.order_by("pk").first(), None


def inquiry_create(
    *, actor: Actor, listing_id: object, message: str, quantity: object = None
) -> Inquiry:
    actor.require("customers.manage")
    buyer = require_verified(actor)
    listing = selectors.market_listing_get(listing_id)
    if listing is None:
        raise invalid(_("找不到该挂牌。"), "unknown_listing", "listing")
    if listing.seller_id == buyer.pk:
        raise invalid(_("不能向自己的企业询盘。"), "own_listing", "listing")
    amount = quantity_of(quantity) if quantity not in (None, "") else None
    body = text_of(message, field="message", required=True)
    customer, clerk = _route(listing.seller_id, buyer.pk)
    now = timezone.now()
    number = new_number(Inquiry, INQUIRY_PREFIX, timezone.localdate(now))
    with transaction.atomic():
        # The grade's monthly quota, counted inside this transaction (seed §10).
        quota_check(buyer, listing.market_id, INQUIRY, now=now)
        inquiry = Inquiry(
            number=number,
            buyer=buyer,
            asked_by=actor.membership,
            seller=listing.seller,
            listing=listing,
            quantity=amount,
            message=body,
            assigned_to=clerk,
            customer=customer,
            received_at=now,
        )
        validate(inquiry)
        inquiry.save()
        InquiryMessage.objects.create(
            inquiry=inquiry, author=actor.membership, side=Side.BUYER, body=body, at=now
        )
        audit_record(
            actor=actor,
            action="inquiry.create",
            target=f"inquiry:{inquiry.public_id}",
            changes={
                "seller": str(listing.seller.public_id),
                "listing": str(listing.public_id),
                "assigned_to": str(clerk.public_id) if clerk else None,
            },
        )
        if clerk is not None:
            _received(inquiry, clerk)
        else:
            # The pool: whoever may assign inquiries hears of it.
            for seat in listing.seller.memberships.filter(is_active=True).select_related(
                "person", "company"
            ):
                if "customers.reassign" in role_permissions(seat.company, seat.role):
                    notify(
                        person=seat.person,
                        company=seat.company,
                        kind="inquiry.pool",
                        title=stored_text(
                            gettext_noop("待分配的询盘 %(number)s：%(buyer)s"),
                            buyer=buyer.short_name,
                            number=inquiry.number,
                        ),
                        body=body[:200],
                        link=_link(inquiry),
                    )
    return inquiry


def inquiry_assign(*, actor: Actor, inquiry_id: object, member_id: object) -> Inquiry:
    """The seller's boss gives an inquiry (from the pool, or from a colleague) to a clerk."""
    # Looked up first: a document the actor is not party to answers 404, not 403.
    inquiry = selectors.inquiry_get(actor, inquiry_id)
    actor.require("customers.reassign")
    if selectors.inquiry_side(actor, inquiry) != Side.SELLER:
        raise PermissionDenied(_("只有卖方可以分配询盘。"), code="not_seller")
    if inquiry.status == Inquiry.Status.CLOSED:
        raise not_allowed(inquiry.get_status_display(), _("分配"), inquiry.status)
    clerk = member_in_company(actor, member_id, field="member")
    if not clerk.is_active or not can_own(clerk):
        raise invalid(_("该成员不能接手询盘。"), "member_cannot_own", "member")
    if clerk.pk == inquiry.assigned_to_id:
        return inquiry
    with transaction.atomic():
        before = inquiry.assigned_to
        changed = Inquiry.objects.filter(
            pk=inquiry.pk, assigned_to_id=inquiry.assigned_to_id
        ).update(assigned_to=clerk)
        if not changed:
            raise not_allowed(_("已被他人分配"), _("分配"), inquiry.status)
        inquiry.assigned_to = clerk
        audit_record(
            actor=actor,
            action="inquiry.assign",
            target=f"inquiry:{inquiry.public_id}",
            changes={
                "assigned_to": [
                    str(before.public_id) if before else None,
                    str(clerk.public_id),
                ]
            },
        )
        _received(inquiry, clerk)
    return inquiry


def inquiry_mark_answered(inquiry: Inquiry, clerk: Membership, *, at: object = None) -> None:
    """The seller answered (a message, or a quote sent for it): the first time, record
    the first-response time for the clerk. Call inside the caller's transaction."""
    at = at or timezone.now()
    changed = Inquiry.objects.filter(pk=inquiry.pk, first_answered_at__isnull=True).update(
        first_answered_at=at, status=Inquiry.Status.ANSWERED
    )
    if changed:
        seconds = max(0, int((at - inquiry.received_at).total_seconds()))
        activity_record(
            membership=clerk,
            kind=ActivityEvent.Kind.INQUIRY_ANSWERED,
            ref=f"inquiry:{inquiry.public_id}",
            at=at,
            response_seconds=seconds,
        )
        grades.inquiry_first_answered(inquiry, at)
        inquiry.first_answered_at = at
    elif inquiry.status == Inquiry.Status.OPEN:
        Inquiry.objects.filter(pk=inquiry.pk).update(status=Inquiry.Status.ANSWERED)
    inquiry.status = Inquiry.Status.ANSWERED


def inquiry_answer(*, actor: Actor, inquiry_id: object, body: str) -> InquiryMessage:
    """A message in the inquiry's thread. From the seller it answers the inquiry (a boss
    answering from the pool takes it); from the buyer it asks again."""
    actor.require("customers.manage")
    inquiry = selectors.inquiry_get(actor, inquiry_id)
    if inquiry.status == Inquiry.Status.CLOSED:
        raise not_allowed(inquiry.get_status_display(), _("回复"), inquiry.status)
    side = selectors.inquiry_side(actor, inquiry)
    text = text_of(body, field="body", required=True)
    now = timezone.now()
    with transaction.atomic():
        message = InquiryMessage(
            inquiry=inquiry, author=actor.membership, side=side, body=text, at=now
        )
        validate(message)
        message.save()
        if side == Side.SELLER:
            if inquiry.assigned_to_id is None:
                Inquiry.objects.filter(pk=inquiry.pk, assigned_to__isnull=True).update(
                    assigned_to=actor.membership
                )
                inquiry.assigned_to = actor.membership
            inquiry_mark_answered(inquiry, actor.membership, at=now)
            notify(
                person=inquiry.asked_by.person,
                company=inquiry.buyer,
                kind="inquiry.answered",
                title=stored_text(
                    gettext_noop("%(seller)s 回复了您的询盘 %(number)s"),
                    seller=inquiry.seller.short_name,
                    number=inquiry.number,
                ),
                body=text[:200],
                link=_link(inquiry),
            )
        elif inquiry.status == Inquiry.Status.ANSWERED:
            Inquiry.objects.filter(pk=inquiry.pk).update(status=Inquiry.Status.OPEN)
            inquiry.status = Inquiry.Status.OPEN
        audit_record(
            actor=actor,
            action="inquiry.answer" if side == Side.SELLER else "inquiry.reply",
            target=f"inquiry:{inquiry.public_id}",
            changes={"side": side},
        )
    return message


def inquiry_close(*, actor: Actor, inquiry_id: object) -> Inquiry:
    actor.require("customers.manage")
    inquiry = selectors.inquiry_get(actor, inquiry_id)
    if inquiry.status == Inquiry.Status.CLOSED:
        raise not_allowed(inquiry.get_status_display(), _("关闭"), inquiry.status)
    with transaction.atomic():
        Inquiry.objects.filter(pk=inquiry.pk).update(status=Inquiry.Status.CLOSED)
        inquiry.status = Inquiry.Status.CLOSED
        audit_record(actor=actor, action="inquiry.close", target=f"inquiry:{inquiry.public_id}")
    return inquiry
