"""Writers for customers, their contacts, and moving them between members.

The company owns its customers; ``owner`` is only the member who looks after one. A
clerk creates and edits the customers he owns; a boss (``customers.reassign``) may give
a customer to a colleague (``customer_transfer``) or move everything a member owns to
one or several colleagues in one step (``member_reassign``). Contacts always have their
customer's owner."""

import enum
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from mercator.companies import ownership
from mercator.companies.models import Contact, Customer, Membership
from mercator.companies.selectors.customers import (
    check_new_owner,
    contact_get,
    counterpart_get,
    customer_get,
    member_in_company,
    reassign_check,
)
from mercator.companies.services.notifications import notify
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, ValidationFailed, from_django_validation
from mercator.core.ids import parse_public_id, reference
from mercator.core.services import audit_record
from mercator.core.texts import text


class Unset(enum.Enum):
    """A PATCH field left out (as opposed to one set to an empty value)."""

    UNSET = "unset"


UNSET = Unset.UNSET


def _validated(instance: models.Model) -> None:
    try:
        instance.full_clean()
    except DjangoValidationError as exc:
        raise from_django_validation(exc) from exc


def _required(value: str | None, *, field: str, message: str | Any) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, code=f"{field}_required", details={"field": field})
    return value


def _customer_ref(customer: Customer) -> str:
    return reference("customer", customer.public_id)


def _contact_ref(contact: Contact) -> str:
    return reference("contact", contact.public_id)


def _new_owner(actor: Actor, owner_id: object, *, current: Membership | None) -> Membership:
    """The member a customer is to be given to. Anyone but oneself (or the current owner)
    needs ``customers.reassign``; checked before the id is even looked up."""
    wanted = parse_public_id(owner_id)
    keeping = current is not None and wanted == current.public_id
    if wanted != actor.membership.public_id and not keeping:
        actor.require("customers.reassign")
    owner = member_in_company(actor, owner_id, field="owner")
    if not keeping:
        check_new_owner(actor, owner)
    return owner


# ------------------------------------------------------------------------ customers


def customer_create(
    *,
    actor: Actor,
    name: str,
    owner_id: object = None,
    counterpart_id: object = None,
    province: str = "",
    city: str = "",
    phone: str = "",
    notes: str = "",
) -> Customer:
    """A new customer of the actor's company, owned by the actor unless a boss names
    another active colleague as owner."""
    actor.require("customers.manage")
    company = actor.require_company()
    owner = actor.membership
    if owner_id is not None:
        owner = _new_owner(actor, owner_id, current=None)
    name = _required(name, field="name", message=_("请填写客户名称。"))
    counterpart = counterpart_get(actor, counterpart_id) if counterpart_id else None
    with transaction.atomic():
        customer = Customer(
            company=company,
            owner=owner,
            name=name,
            counterpart=counterpart,
            province=(province or "").strip(),
            city=(city or "").strip(),
            phone=(phone or "").strip(),
            notes=(notes or "").strip(),
        )
        _validated(customer)
        customer.save()
        audit_record(
            actor=actor,
            action="customer.create",
            target=_customer_ref(customer),
            changes={
                "name": name,
                "owner": str(owner.public_id),
                "counterpart": str(counterpart.public_id) if counterpart else None,
            },
        )
        if owner.pk != actor.membership.pk:
            _notify_given(actor, owner, [customer.name], link=_detail_link(customer))
    return customer


def customer_update(
    *,
    actor: Actor,
    customer_id: object,
    name: str | Unset = UNSET,
    province: str | Unset = UNSET,
    city: str | Unset = UNSET,
    phone: str | Unset = UNSET,
    notes: str | Unset = UNSET,
    counterpart_id: object = UNSET,
    owner_id: object = UNSET,
) -> Customer:
    """Change a visible customer's details; fields left ``UNSET`` stay as they are. A new
    ``owner_id`` moves the customer with its contacts (as ``customer_transfer``)."""
    actor.require("customers.manage")
    customer = customer_get(actor, customer_id)
    new_owner = None
    if owner_id is not UNSET:
        if owner_id is None:
            raise ValidationFailed(
                _("负责人不能为空。"), code="owner_required", details={"field": "owner"}
            )
        candidate = _new_owner(actor, owner_id, current=customer.owner)
        if candidate.pk != customer.owner_id:
            new_owner = candidate
    values: dict[str, Any] = {}
    if name is not UNSET:
        values["name"] = _required(name, field="name", message=_("请填写客户名称。"))
    for field, value in (
        ("province", province),
        ("city", city),
        ("phone", phone),
        ("notes", notes),
    ):
        if value is not UNSET:
            values[field] = (value or "").strip()
    if counterpart_id is not UNSET:
        values["counterpart"] = counterpart_get(actor, counterpart_id) if counterpart_id else None
    changed = {f: v for f, v in values.items() if getattr(customer, f) != v}
    with transaction.atomic():
        if changed:
            before = {f: getattr(customer, f) for f in changed}
            for field, value in changed.items():
                setattr(customer, field, value)
            _validated(customer)
            # update_fields: never write the owner from this (possibly stale) instance,
            # which a concurrent reassignment may have changed.
            customer.save(update_fields=list(changed))
            audit_record(
                actor=actor,
                action="customer.update",
                target=_customer_ref(customer),
                changes={f: [_plain(before[f]), _plain(changed[f])] for f in changed},
            )
        if new_owner is not None:
            _transfer(actor=actor, customer=customer, target=new_owner)
    return _reloaded(customer)


def _reloaded(customer: Customer) -> Customer:
    """The customer as stored (after a transfer the actor may no longer be its owner)."""
    return Customer.objects.select_related("owner__person", "counterpart").get(pk=customer.pk)


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(getattr(value, "public_id", value.pk))
    return value


def customer_transfer(*, actor: Actor, customer_id: object, to_membership_id: object) -> Customer:
    """Give one customer, with its contacts (and every later kind of record that follows
    it), to an active colleague."""
    actor.require("customers.reassign")
    customer = customer_get(actor, customer_id)
    target = member_in_company(actor, to_membership_id, field="to")
    check_new_owner(actor, target, field="to")
    with transaction.atomic():
        _transfer(actor=actor, customer=customer, target=target)
    return _reloaded(customer)


def _transfer(*, actor: Actor, customer: Customer, target: Membership) -> None:
    # Re-read the owner under the row lock: the move starts from whoever owns it now.
    current = ownership.lock_rows(Customer.objects.filter(pk=customer.pk)).get()
    if current.owner_id == target.pk:
        raise ValidationFailed(
            _("该客户已由这位同事负责。"), code="same_owner", details={"field": "to"}
        )
    plan = ownership.plan_customer(current, target, lock=True)
    batch = ownership.apply_plan(plan, actor=actor)
    summary = plan.summary(batch)
    audit_record(
        actor=actor,
        action="customer.transfer",
        target=_customer_ref(current),
        changes={
            "from": str(plan.source.public_id),
            "to": str(target.public_id),
            "batch": str(batch),
            "counts": {k.code: k.count for k in summary.kinds if k.count},
        },
    )
    _notify_given(actor, target, [current.name], link=_detail_link(current))


# ------------------------------------------------------------------------- contacts


def contact_create(
    *,
    actor: Actor,
    customer_id: object,
    name: str,
    title: str = "",
    phone: str = "",
    email: str = "",
    is_key_person: bool = False,
) -> Contact:
    """A person at a visible customer; the contact is owned by the customer's owner."""
    actor.require("customers.manage")
    customer = customer_get(actor, customer_id)
    name = _required(name, field="name", message=_("请填写联系人姓名。"))
    with transaction.atomic():
        # Lock the customer so the contact gets the owner the customer has at commit.
        owner_id = (
            ownership.lock_rows(Customer.objects.filter(pk=customer.pk))
            .values_list("owner_id", flat=True)
            .get()
        )
        if not actor.can("customers.view_all") and owner_id != actor.membership.pk:
            raise NotFound()  # moved to a colleague meanwhile
        contact = Contact(
            company_id=customer.company_id,
            customer=customer,
            owner_id=owner_id,
            name=name,
            title=(title or "").strip(),
            phone=(phone or "").strip(),
            email=(email or "").strip(),
            is_key_person=bool(is_key_person),
        )
        _validated(contact)
        contact.save()
        audit_record(
            actor=actor,
            action="contact.create",
            target=_contact_ref(contact),
            changes={"customer": _customer_ref(customer), "name": name},
        )
    return contact


def contact_update(
    *,
    actor: Actor,
    contact_id: object,
    name: str | Unset = UNSET,
    title: str | Unset = UNSET,
    phone: str | Unset = UNSET,
    email: str | Unset = UNSET,
    is_key_person: bool | Unset = UNSET,
) -> Contact:
    actor.require("customers.manage")
    contact = contact_get(actor, contact_id)
    values: dict[str, Any] = {}
    if name is not UNSET:
        values["name"] = _required(name, field="name", message=_("请填写联系人姓名。"))
    for field, value in (("title", title), ("phone", phone), ("email", email)):
        if value is not UNSET:
            values[field] = (value or "").strip()
    if is_key_person is not UNSET:
        values["is_key_person"] = bool(is_key_person)
    changed = {f: v for f, v in values.items() if getattr(contact, f) != v}
    if not changed:
        return contact
    with transaction.atomic():
        before = {f: getattr(contact, f) for f in changed}
        for field, value in changed.items():
            setattr(contact, field, value)
        _validated(contact)
        contact.save(update_fields=list(changed))  # never the owner: it follows the customer
        audit_record(
            actor=actor,
            action="contact.update",
            target=_contact_ref(contact),
            changes={f: [before[f], changed[f]] for f in changed},
        )
    return contact


def contact_delete(*, actor: Actor, contact_id: object) -> None:
    actor.require("customers.manage")
    contact = contact_get(actor, contact_id)
    with transaction.atomic():
        deleted, _rows = Contact.objects.filter(pk=contact.pk).delete()
        if deleted:
            audit_record(
                actor=actor,
                action="contact.delete",
                target=_contact_ref(contact),
                changes={"customer": _customer_ref(contact.customer), "name": contact.name},
            )


# ------------------------------------------------------------------- reassignment


def member_reassign(
    *,
    actor: Actor,
    from_membership: Membership,
    to_memberships: Sequence[Membership],
    fingerprint: str | None = None,
) -> ownership.ReassignSummary:
    """Move everything ``from_membership`` owns (he may have left) to one or several
    active colleagues: customers round-robin, each with the records that follow it, the
    rest round-robin too. One transaction; one ownership-history row per record and one
    audit row for the call. With ``fingerprint`` (from ``reassign_preview``) the move
    happens only if it is still exactly what the preview showed, else 409."""
    targets = reassign_check(actor, from_membership, to_memberships)
    with transaction.atomic():
        # Lock the seats in pk order: a colleague deactivated meanwhile receives nothing.
        seats = [from_membership.pk, *(t.pk for t in targets)]
        list(ownership.lock_rows(Membership.objects.filter(pk__in=seats).order_by("pk")))
        active = set(
            Membership.objects.filter(pk__in=[t.pk for t in targets], is_active=True).values_list(
                "pk", flat=True
            )
        )
        for target in targets:
            if target.pk not in active:
                raise ValidationFailed(
                    _("%(name)s 已停用，不能接手客户。") % {"name": target.person.display_name},
                    code="member_inactive",
                    details={"field": "to", "member": str(target.public_id)},
                )
        plan = ownership.plan_member(from_membership, targets, lock=True)
        if fingerprint is not None and fingerprint != plan.fingerprint:
            raise Conflict(
                _("要移交的记录在预览之后有变化，请重新预览后再确认。"),
                code="plan_changed",
                details={"fingerprint": plan.fingerprint},
            )
        if not plan.moves:
            return plan.summary()
        batch = ownership.apply_plan(plan, actor=actor)
        summary = plan.summary(batch)
        audit_record(
            actor=actor,
            action="ownership.reassign",
            target=f"membership:{from_membership.public_id}",
            changes={
                "batch": str(batch),
                "to": [str(t.public_id) for t in targets],
                "total": summary.total,
                "counts": {k.code: k.count for k in summary.kinds if k.count},
                "per_target": {
                    str(share.member.public_id): {k.code: k.count for k in share.counts}
                    for share in summary.targets
                },
            },
        )
        for share in summary.targets:
            if share.total:
                _notify_given(
                    actor,
                    share.member,
                    share.customers,
                    link=f"{reverse('customers')}?owner={share.member.public_id}",
                    source=from_membership,
                    total=share.total,
                )
    return summary


# -------------------------------------------------------------------- notifications


def _detail_link(customer: Customer) -> str:
    return reverse("customer-detail", args=[customer.public_id])


def _notify_given(
    actor: Actor,
    member: Membership,
    names: list[str],
    *,
    link: str,
    source: Membership | None = None,
    total: int | None = None,
) -> None:
    """Tell a member what he was given (inside the caller's transaction)."""
    if source is not None:
        title = text(
            gettext_noop("您接手了 %(name)s 的 %(n)s 条记录"),
            name=source.person.display_name,
            n=total or 0,
        )
    else:
        title = text(gettext_noop("客户“%(name)s”已交给您负责"), name=names[0] if names else "")
    shown = names[:20]
    body = "、".join(shown) + ("……" if len(names) > len(shown) else "")
    notify(
        person=member.person,
        kind="customers.assigned",
        title=title,
        body=body,
        link=link,
        company=member.company,
    )
