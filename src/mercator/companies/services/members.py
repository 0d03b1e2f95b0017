"""Writers for companies, their members, roles and invitations."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.core.actor import Actor
from mercator.core.errors import PermissionDenied, ValidationFailed
from mercator.core.services import audit_record


def company_create(
    *,
    actor: Actor,
    legal_name: str,
    short_name: str,
    kind: str = Company.Kind.BOTH,
    master: object,
    is_platform: bool = False,
) -> Company:
    """Create a company with its master account (母账户). Only the person becoming master,
    or a platform operator, may do it."""
    if not (actor.is_operator or actor.person == master or actor.via == "system"):
        raise PermissionDenied()
    if is_platform and not (actor.is_operator or actor.via == "system"):
        raise PermissionDenied()
    with transaction.atomic():
        company = Company(
            legal_name=legal_name.strip(),
            short_name=short_name.strip(),
            kind=kind,
            is_platform=is_platform,
        )
        company.full_clean()
        company.save()
        seat = Membership(company=company, person=master, role=Role.MASTER)
        seat.full_clean()
        seat.save()
        audit_record(
            actor=actor,
            action="company.create",
            target=f"company:{company.public_id}",
            changes={"legal_name": company.legal_name, "master": str(master.public_id)},
        )
    return company


def membership_add(
    *, actor: Actor, company: Company, person: object, role: str, title: str = ""
) -> Membership:
    if actor.via != "system" and not (actor.company == company and actor.can("members.manage")):
        raise PermissionDenied()
    if role == Role.MASTER:
        raise ValidationFailed(_("一个企业只能有一个母账户；请使用移交母账户。"), code="one_master")
    with transaction.atomic():
        seat = Membership(company=company, person=person, role=role, title=title)
        seat.full_clean()
        seat.save()
        audit_record(
            actor=actor,
            action="membership.add",
            target=f"membership:{seat.public_id}",
            changes={"person": str(person.public_id), "role": role},
        )
    return seat
