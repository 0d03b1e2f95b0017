"""Readers of referrals: the company a code names, and the companies the acting company
referred (their names are shown to the referrer only)."""

import re

from django.db.models import QuerySet

from mercator.companies.models import Company
from mercator.core.actor import Actor

CODE = re.compile(r"^[0-9A-Za-z]{4,16}$")


def company_by_referral_code(code: object) -> Company | None:
    """The company whose referral code this is; None for an unknown or malformed one."""
    if not isinstance(code, str) or not CODE.match(code.strip()):
        return None
    return Company.objects.filter(referral_code=code.strip().upper()).first()


def referrals_of(actor: Actor) -> QuerySet[Company]:
    """The companies the acting company referred, newest first (needs company.manage:
    the same members who see the referral link)."""
    company = actor.require_company()
    actor.require("company.manage")
    return Company.objects.filter(referred_by=company).order_by("-referred_at", "-id")
