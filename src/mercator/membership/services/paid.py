"""Paid membership (出钱): a company boss pays a market's membership fee from the company
wallet. The money moves as one balanced ledger transaction (wallet −fee, the platform's
fee revenue +fee), the payment earns ``membership_paid`` points (value: the fee in
thousands of yuan), all in one transaction: a short wallet is a 409 and nothing is
written. The API takes an ``Idempotency-Key`` (core.idempotency): a retry pays once."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Market
from mercator.core.actor import Actor
from mercator.core.errors import Conflict
from mercator.core.services import audit_record, validate
from mercator.membership.models import PaidMembership, Standing
from mercator.membership.services.base import (
    activity_touch,
    points_award,
    scoring_of,
    standing_ensure,
)
from mercator.payments.models import AccountKind, LedgerTransaction
from mercator.payments.services.ledger import Leg, account_for, ledger_post

THOUSAND = Decimal(1000)


def active_paid(company_id: int, market_id: int, at: object = None) -> PaidMembership | None:
    at = at or timezone.now()
    return (
        PaidMembership.objects.filter(
            company_id=company_id, market_id=market_id, valid_until__gt=at
        )
        .order_by("-valid_until")
        .first()
    )


def membership_pay(*, actor: Actor, market: Market) -> PaidMembership:
    """The boss pays ``market``'s membership fee from the wallet (409 when the market
    offers none, when one is still valid, or when the wallet is short)."""
    actor.require("company.manage")
    actor.require("payments.pay")
    company = actor.require_company()
    scoring = scoring_of(market)
    if scoring is None or scoring.membership_fee is None:
        raise Conflict(_("该市场没有开通付费会员。"), code="membership_not_offered")
    fee, now = scoring.membership_fee, timezone.now()
    with transaction.atomic():
        standing = standing_ensure(company=company, market=market, at=now)
        if standing is not None:  # one payment at a time per company and market
            Standing.objects.select_for_update().filter(pk=standing.pk).first()
        held = active_paid(company.pk, market.pk, now)
        if held is not None:
            raise Conflict(
                _("付费会员有效期至 %(date)s，到期后再续费。")
                % {"date": timezone.localtime(held.valid_until).strftime("%Y-%m-%d")},
                code="membership_active",
            )
        paid = PaidMembership(
            company=company,
            market=market,
            amount=fee,
            currency="CNY",
            paid_by=actor.person,
            paid_at=now,
            valid_until=now + timedelta(days=scoring.membership_days),
        )
        validate(paid, exclude=["company", "market", "paid_by"])
        paid.save()
        wallet = account_for(company=company, kind=AccountKind.WALLET, currency="CNY")
        revenue = account_for(company=None, kind=AccountKind.FEE_REVENUE, currency="CNY")
        txn, _created = ledger_post(
            kind=LedgerTransaction.Kind.MEMBERSHIP_FEE,
            reference=paid.ref,
            legs=[
                Leg(account=wallet, amount=-fee, reference=paid.ref),
                Leg(account=revenue, amount=fee, reference=paid.ref),
            ],
            memo=f"membership fee: {market.code}",
            created_by=actor.membership,
            dedupe_key=f"{paid.ref}:fee",
        )
        PaidMembership.objects.filter(pk=paid.pk).update(ledger_ref=str(txn.public_id))
        points_award(
            company=company,
            market=market,
            reason="membership_paid",
            value=fee / THOUSAND,
            ref=paid.ref,
            at=now,
        )
        activity_touch(company=company, market=market, at=now)
        audit_record(
            actor=actor,
            action="membership.pay",
            target=f"paid_membership:{paid.public_id}",
            changes={"market": market.code, "amount": str(fee), "currency": "CNY"},
        )
    paid.refresh_from_db()
    return paid
