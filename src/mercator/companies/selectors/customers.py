"""Readers of customers, contacts and their ownership history, scoped to the actor.

A member with ``customers.view_all`` (the boss, a manager) sees every customer of the
company; one with only ``customers.manage`` (a clerk) sees the customers and contacts he
owns, and a colleague's answer 404 exactly like another company's."""

from collections.abc import Iterable, Sequence

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mercator.companies import ownership
from mercator.companies.models import Company, Contact, Customer, Membership, OwnershipChange
from mercator.companies.selectors.members import company_membership, role_permissions
from mercator.core.actor import Actor
from mercator.core.errors import NotFound, PermissionDenied, ValidationFailed
from mercator.core.ids import parse_public_id, reference

# How many colleagues one reassignment may deal records to.
MAX_TARGETS = 50


def can_own(membership: Membership) -> bool:
    """Whether a member's role lets him look after customers (so he can see what he owns)."""
    return "customers.manage" in role_permissions(membership.company, membership.role)


def _scope(actor: Actor) -> tuple[Company, Membership | None]:
    """The company and, for a member who sees only his own, his membership."""
    company = actor.require_company()
    if actor.can("customers.view_all"):
        return company, None
    if actor.can("customers.manage"):
        return company, actor.membership
    raise PermissionDenied(details={"permission": "customers.manage"})


def customers_visible_to(actor: Actor) -> QuerySet[Customer]:
    company, own = _scope(actor)
    customers = Customer.objects.filter(company=company)
    if own is not None:
        customers = customers.filter(owner=own)
    return customers.select_related("owner__person", "counterpart").order_by("name", "id")


def customers_search(
    actor: Actor, *, q: str | None = None, owner: object = None
) -> QuerySet[Customer]:
    """The visible customers whose name contains ``q``, owned by ``owner`` (a membership
    public id) when given. A clerk filtering by a colleague simply finds nothing."""
    customers = customers_visible_to(actor)
    q = (q or "").strip()
    if q:
        customers = customers.filter(name__icontains=q)
    if owner:
        wanted = parse_public_id(owner)
        if wanted is None:
            raise ValidationFailed(_("负责人编号无效。"), code="invalid_owner_filter")
        customers = customers.filter(owner__public_id=wanted)
    return customers


def customer_get(actor: Actor, public_id: object) -> Customer:
    wanted = parse_public_id(public_id)
    customer = customers_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if customer is None:
        raise NotFound()
    return customer


def contacts_visible_to(actor: Actor) -> QuerySet[Contact]:
    company, own = _scope(actor)
    contacts = Contact.objects.filter(company=company)
    if own is not None:
        contacts = contacts.filter(owner=own)
    return contacts.select_related("customer", "owner__person").order_by(
        "-is_key_person", "name", "id"
    )


def contacts_of(actor: Actor, customer: Customer) -> QuerySet[Contact]:
    return contacts_visible_to(actor).filter(customer=customer)


def contact_get(actor: Actor, public_id: object) -> Contact:
    wanted = parse_public_id(public_id)
    contact = contacts_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if contact is None:
        raise NotFound()
    return contact


def customer_history(actor: Actor, customer: Customer) -> QuerySet[OwnershipChange]:
    """Who had the customer before: its ownership changes, newest first. ``customer``
    comes from ``customer_get``, so it is one the actor may see."""
    return OwnershipChange.objects.filter(
        company=customer.company_id, record=reference("customer", customer.public_id)
    ).select_related("from_owner__person", "to_owner__person", "by")


def counterpart_get(actor: Actor, public_id: object) -> Company:
    """A company on the platform to link a customer to (any company but one's own)."""
    company = actor.require_company()
    wanted = parse_public_id(public_id)
    found = Company.objects.filter(public_id=wanted).first() if wanted else None
    if found is None:
        raise ValidationFailed(
            _("平台上没有这家企业。"), code="unknown_company", details={"field": "counterpart"}
        )
    if found.pk == company.pk:
        raise ValidationFailed(
            _("不能把本企业登记为自己的客户。"),
            code="counterpart_is_self",
            details={"field": "counterpart"},
        )
    return found


def counterpart_by_legal_name(legal_name: str) -> Company | None:
    """A platform company by its exact full legal name (企业全称), as printed on invoices;
    exact so that a customer form cannot be used to browse the directory."""
    legal_name = (legal_name or "").strip()
    if not legal_name:
        return None
    return Company.objects.filter(legal_name=legal_name).order_by("id").first()


# ------------------------------------------------------------------------- members


def members_of_company(actor: Actor) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(company=actor.require_company())
        .select_related("person", "company")
        .order_by("-is_active", "person__display_name", "id")
    )


def owner_choices(actor: Actor) -> list[Membership]:
    """Active members who may be given customers (their role manages customers)."""
    return [m for m in members_of_company(actor).filter(is_active=True) if can_own(m)]


def owner_filter_choices(actor: Actor) -> list[Membership]:
    """Members to filter the customer list by: all who own or may own customers, including
    those who left (their customers wait for reassignment)."""
    if not actor.can("customers.view_all"):
        return []
    owning = set(Customer.objects.filter(company=actor.company).values_list("owner_id", flat=True))
    return [m for m in members_of_company(actor) if m.pk in owning or (m.is_active and can_own(m))]


def member_in_company(actor: Actor, public_id: object, *, field: str) -> Membership:
    """A membership of the actor's company named in a request body; malformed, unknown and
    foreign ids answer the same 422, so nothing is learnt about other companies."""
    seat = company_membership(actor, public_id)
    if seat is None:
        raise ValidationFailed(
            _("找不到该成员。"),
            code="unknown_member",
            details={"field": field, "value": str(public_id)},
        )
    return seat


def check_new_owner(actor: Actor, owner: Membership, *, field: str = "owner") -> None:
    """A member may be given records when he is of the actor's company, active, and his
    role manages customers."""
    if owner.company_id != actor.require_company().pk:
        raise ValidationFailed(_("找不到该成员。"), code="unknown_member", details={"field": field})
    name = owner.person.display_name
    if not owner.is_active:
        raise ValidationFailed(
            _("%(name)s 已停用，不能接手客户。") % {"name": name},
            code="member_inactive",
            details={"field": field, "member": str(owner.public_id)},
        )
    if not can_own(owner):
        raise ValidationFailed(
            _("%(name)s 的角色不能负责客户。") % {"name": name},
            code="member_cannot_own",
            details={"field": field, "member": str(owner.public_id)},
        )


# -------------------------------------------------------------------- reassignment


def reassign_source_get(actor: Actor, public_id: object) -> Membership:
    """The member whose records are to move (active or not); bosses only."""
    actor.require("customers.reassign")
    seat = company_membership(actor, public_id)
    if seat is None:
        raise NotFound()
    return seat


def reassign_targets_get(actor: Actor, public_ids: Iterable[object]) -> list[Membership]:
    """The colleagues named in a reassignment, in the order given, duplicates dropped."""
    actor.require("customers.reassign")
    seen: dict[int, Membership] = {}
    for value in public_ids:
        seat = member_in_company(actor, value, field="to")
        seen.setdefault(seat.pk, seat)
    return list(seen.values())


def reassign_check(
    actor: Actor, source: Membership, targets: Sequence[Membership]
) -> list[Membership]:
    """Targets must be one or more active colleagues (of the same company, able to own
    customers), not the source; the source itself may have left."""
    actor.require("customers.reassign")
    company = actor.require_company()
    if source.company_id != company.pk:
        raise NotFound()
    unique: dict[int, Membership] = {}
    for target in targets:
        unique.setdefault(target.pk, target)
    chosen = list(unique.values())
    if not chosen:
        raise ValidationFailed(
            _("请至少选择一位接手的同事。"), code="targets_required", details={"field": "to"}
        )
    if len(chosen) > MAX_TARGETS:
        raise ValidationFailed(
            _("一次最多分给 %(n)d 位同事。") % {"n": MAX_TARGETS},
            code="too_many_targets",
            details={"field": "to"},
        )
    for target in chosen:
        if target.pk == source.pk:
            raise ValidationFailed(
                _("接手的同事不能是被移交的成员本人。"),
                code="target_is_source",
                details={"field": "to"},
            )
        check_new_owner(actor, target, field="to")
    return chosen


def reassign_preview(
    actor: Actor, from_membership: Membership, to_memberships: Sequence[Membership]
) -> ownership.ReassignSummary:
    """Exactly what ``member_reassign`` would move now, per kind and per colleague, with
    the customer names each receives, and the plan's fingerprint to confirm it with."""
    targets = reassign_check(actor, from_membership, to_memberships)
    return ownership.plan_member(from_membership, targets).summary()


def owned_counts(actor: Actor, membership: Membership) -> list[ownership.KindCount]:
    """How many records of each kind a member owns (for the reassignment page)."""
    actor.require("customers.reassign")
    if membership.company_id != actor.require_company().pk:
        raise NotFound()
    return [
        ownership.KindCount(kind.code, str(kind.label), kind.owned_by(membership).count())
        for kind in ownership.kinds()
    ]


def members_awaiting_reassignment(actor: Actor) -> list[tuple[Membership, int]]:
    """Members who left but still own records: the boss's to-do list of reassignments."""
    if not actor.can("customers.reassign"):
        return []
    company = actor.require_company()
    left = Membership.objects.filter(company=company, is_active=False).select_related("person")
    waiting = []
    for seat in left.order_by("left_at", "id"):
        total = sum(kind.owned_by(seat).count() for kind in ownership.kinds())
        if total:
            waiting.append((seat, total))
    return waiting
