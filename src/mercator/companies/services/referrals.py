"""Referrals (推荐买家, seed §10 "buyers referred"): a company's opaque referral code, made
on demand, and the referrer recorded on a company that signs up through it. The referrer
earns effort points when the company it referred settles its first order as a buyer
(``trading.services.grades.order_settled``); here is only who referred whom."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.companies.selectors.referrals import company_by_referral_code
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, PermissionDenied, ValidationFailed
from mercator.core.services import audit_record

# No 0/O, 1/I/L: a code read out over the phone is typed back right.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def unknown_referral() -> ValidationFailed:
    return ValidationFailed(_("推荐码无效。"), code="unknown_referral")


def referrer_resolve(code: str) -> Company:
    """The company a referral code names; 422 ``unknown_referral`` for anything else."""
    referrer = company_by_referral_code(code)
    if referrer is None:
        raise unknown_referral()
    return referrer


def referral_code_ensure(*, actor: Actor) -> str:
    """The acting company's referral code, made the first time it is asked for (the boss
    or a member who manages the company). Random, not derived from the company: a link
    handed around reveals nothing and cannot be guessed from another."""
    company = actor.require_company()
    actor.require("company.manage")
    current = Company.objects.filter(pk=company.pk).values_list("referral_code", flat=True).get()
    if current:
        return current
    for _attempt in range(5):
        code = "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                # Only while still empty: two first requests at once keep one code.
                updated = Company.objects.filter(pk=company.pk, referral_code="").update(
                    referral_code=code
                )
                if updated:
                    audit_record(
                        actor=actor,
                        action="company.referral_code",
                        target=f"company:{company.public_id}",
                    )
        except IntegrityError:  # another company drew the same code: draw again
            continue
        current = Company.objects.filter(pk=company.pk).values_list("referral_code", flat=True)
        return current.get()
    raise Conflict(_("暂时无法生成推荐码，请重试。"), code="referral_code_busy")


def _same_people(company: Company, referrer: Company) -> bool:
    """The new company's boss already sits in the referrer: that is referring oneself."""
    masters = Membership.objects.filter(company=company, role=Role.MASTER, is_active=True)
    return Membership.objects.filter(
        company=referrer, is_active=True, person__in=masters.values("person")
    ).exists()


def referral_record(*, actor: Actor, company: Company, referrer: Company) -> Company:
    """Record that ``referrer`` referred ``company`` (at its registration, or by the
    platform). A company cannot refer itself (nor can its own boss's other company);
    once set, the referrer is fixed: the same one again changes nothing, another is
    refused (409 ``referrer_fixed``)."""
    is_master = (
        actor.is_authenticated
        and Membership.objects.filter(
            company=company, person=actor.person, role=Role.MASTER, is_active=True
        ).exists()
    )
    if not (actor.is_operator or actor.via == "system" or is_master):
        raise PermissionDenied()
    if referrer.pk == company.pk or _same_people(company, referrer):
        raise ValidationFailed(_("企业不能推荐自己。"), code="self_referral")
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        if company.referred_by_id == referrer.pk:
            return company
        if company.referred_by_id is not None:
            raise Conflict(_("推荐人已登记，不能更改。"), code="referrer_fixed")
        company.referred_by = referrer
        company.referred_at = timezone.now()
        company.save(update_fields=["referred_by", "referred_at"])
        audit_record(
            actor=actor,
            action="company.referred",
            target=f"company:{company.public_id}",
            changes={"referred_by": str(referrer.public_id)},
        )
    return company
