"""Group buys: the buyers' side (commit, change, withdraw, and the preview shown before
money moves)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, PermissionDenied, not_allowed
from mercator.core.services import audit_record
from mercator.markets.models import Commitment, DepositStatus, GroupBuy
from mercator.markets.selectors.groupbuys import groupbuy_for, tiers_of
from mercator.markets.services.common import (
    PROVINCE_NAMES,
    check_eligible,
    hold_deposit,
    invalid,
    quantity_of,
    require_buyer,
)
from mercator.markets.services.groupbuys.base import (
    ZERO,
    C,
    S,
    deposit_for,
    is_live,
    withdraw_refusal,
)
from mercator.payments.services.deposits import deposit_release, deposit_take

# ------------------------------------------------------------------------ the buyers' side


def _province_of(value: object, company: Company) -> str:
    text = str(value or "").strip() or (company.province or "")
    if text and text not in PROVINCE_NAMES:
        raise invalid(
            _("未知的省份：%(province)s") % {"province": text},
            "unknown_province",
            "delivery_province",
        )
    return text


def _pool_full(gb: GroupBuy) -> Conflict:
    gb.refresh_from_db(fields=["pooled_quantity", "status", "deadline"])
    if not is_live(gb):
        return not_allowed(gb.get_status_display(), _("认购"), gb.status)
    remaining = (gb.max_quantity or ZERO) - gb.pooled_quantity
    return Conflict(
        _("认购量超过剩余可认购量（%(remaining)s）。") % {"remaining": remaining},
        code="pool_full",
        details={"remaining": str(remaining)},
    )


def _live(gb: GroupBuy, now: datetime) -> Q:
    return Q(pk=gb.pk, status=S.OPEN, deadline__gt=now)


def _within_max(delta: Decimal) -> Q:
    return Q(max_quantity__isnull=True) | Q(max_quantity__gte=F("pooled_quantity") + delta)


def groupbuy_commit(
    *,
    actor: Actor,
    groupbuy_id: object,
    quantity: object,
    delivery_province: object = "",
) -> Commitment:
    """Commit ``quantity`` with a deposit. A company's second commit changes its
    quantity (``groupbuy_commit_change``)."""
    gb = groupbuy_for(actor, groupbuy_id)  # a foreign draft is 404, whatever the role
    company = require_buyer(actor)
    if gb.status == S.DRAFT:
        raise NotFound()
    if Commitment.objects.filter(group_buy=gb, company=company, status=C.ACTIVE).exists():
        return groupbuy_commit_change(actor=actor, groupbuy_id=gb.public_id, quantity=quantity)
    if not is_live(gb):
        raise not_allowed(gb.get_status_display(), _("认购"), gb.status)
    if company.pk == gb.seller_id:
        raise PermissionDenied(_("卖方不能认购自己的团购。"), code="own_groupbuy")
    check_eligible(company, market_id=gb.market_id, regions=gb.regions, size_bands=gb.size_bands)
    qty = quantity_of(quantity)
    if qty < gb.min_commit:
        raise invalid(
            _("每家最低认购 %(qty)s。") % {"qty": gb.min_commit}, "below_min_commit", "quantity"
        )
    province = _province_of(delivery_province, company)
    deposit = deposit_for(gb, qty, tiers_of(gb))
    now = timezone.now()
    with transaction.atomic():
        moved = GroupBuy.objects.filter(_live(gb, now) & _within_max(qty)).update(
            pooled_quantity=F("pooled_quantity") + qty,
            participant_count=F("participant_count") + 1,
        )
        if not moved:
            raise _pool_full(gb)
        commitment = Commitment(
            group_buy=gb,
            company=company,
            placed_by=actor.membership,
            quantity=qty,
            delivery_province=province,
            deposit_amount=deposit,
            deposit_status=DepositStatus.HELD if deposit > 0 else DepositStatus.NONE,
        )
        try:
            with transaction.atomic():
                commitment.save(force_insert=True)
        except IntegrityError:
            raise Conflict(_("贵公司已认购此团购。"), code="already_committed") from None
        hold_deposit(
            company=company,
            amount=deposit,
            reference=commitment.deposit_ref,
            currency=gb.currency,
            created_by=actor.membership,
        )
        audit_record(
            actor=actor,
            action="groupbuy.commit",
            target=gb.ref,
            changes={
                "commitment": str(commitment.public_id),
                "quantity": str(qty),
                "deposit": str(deposit),
            },
        )
    return commitment


def groupbuy_commit_change(*, actor: Actor, groupbuy_id: object, quantity: object) -> Commitment:
    """Change the company's live commitment to ``quantity``: the pool and the deposit move
    by the difference. Lowering it is a partial withdrawal, under the withdrawal rule."""
    gb = groupbuy_for(actor, groupbuy_id)  # a foreign draft is 404, whatever the role
    company = require_buyer(actor)
    commitment = Commitment.objects.filter(group_buy=gb, company=company, status=C.ACTIVE).first()
    if commitment is None:
        raise NotFound(_("贵公司没有进行中的认购。"), code="no_commitment")
    if not is_live(gb):
        raise not_allowed(gb.get_status_display(), _("修改认购"), gb.status)
    qty = quantity_of(quantity)
    if qty < gb.min_commit:
        raise invalid(
            _("每家最低认购 %(qty)s。") % {"qty": gb.min_commit}, "below_min_commit", "quantity"
        )
    delta = qty - commitment.quantity
    if delta == 0:
        return commitment
    if delta < 0 and (refusal := withdraw_refusal(gb, commitment)) is not None:
        raise refusal
    old_deposit = commitment.deposit_amount
    deposit = deposit_for(gb, qty, tiers_of(gb))
    now = timezone.now()
    purpose = f"change-{uuid.uuid4().hex}"
    with transaction.atomic():
        if not Commitment.objects.filter(
            pk=commitment.pk, status=C.ACTIVE, quantity=commitment.quantity
        ).update(quantity=qty, deposit_amount=deposit):
            raise Conflict(_("认购已被同时修改，请刷新后重试。"), code="commitment_changed")
        limit = _within_max(delta) if delta > 0 else Q()
        if not GroupBuy.objects.filter(_live(gb, now) & limit).update(
            pooled_quantity=F("pooled_quantity") + delta
        ):
            raise _pool_full(gb)
        if deposit > old_deposit:
            deposit_take(
                company=company,
                amount=deposit - old_deposit,
                reference=commitment.deposit_ref,
                currency=gb.currency,
                created_by=actor.membership,
                purpose=purpose,
            )
        elif deposit < old_deposit:
            deposit_release(
                company=company,
                reference=commitment.deposit_ref,
                currency=gb.currency,
                created_by=actor.membership,
                purpose=purpose,
                amount=old_deposit - deposit,
            )
        if deposit > 0 and commitment.deposit_status == DepositStatus.NONE:
            Commitment.objects.filter(pk=commitment.pk).update(deposit_status=DepositStatus.HELD)
        audit_record(
            actor=actor,
            action="groupbuy.commit_change",
            target=gb.ref,
            changes={
                "commitment": str(commitment.public_id),
                "quantity": [str(commitment.quantity), str(qty)],
                "deposit": [str(old_deposit), str(deposit)],
            },
        )
    commitment.refresh_from_db()
    return commitment


def groupbuy_withdraw(*, actor: Actor, groupbuy_id: object) -> Commitment:
    """Withdraw the company's live commitment before ``deadline − withdraw_hours``: the
    deposit released, the pool reduced."""
    gb = groupbuy_for(actor, groupbuy_id)  # a foreign draft is 404, whatever the role
    company = require_buyer(actor)
    commitment = Commitment.objects.filter(group_buy=gb, company=company, status=C.ACTIVE).first()
    if commitment is None:
        raise NotFound(_("贵公司没有进行中的认购。"), code="no_commitment")
    if (refusal := withdraw_refusal(gb, commitment)) is not None:
        raise refusal
    now = timezone.now()
    with transaction.atomic():
        if not Commitment.objects.filter(pk=commitment.pk, status=C.ACTIVE).update(
            status=C.WITHDRAWN,
            withdrawn_at=now,
            deposit_status=(
                DepositStatus.RELEASED
                if commitment.deposit_status == DepositStatus.HELD
                else commitment.deposit_status
            ),
        ):
            raise not_allowed(C.WITHDRAWN.label, _("退出"), C.WITHDRAWN)
        # The commitment row is ours now; its quantity leaves the pool as it is.
        commitment.refresh_from_db()
        if not GroupBuy.objects.filter(_live(gb, now)).update(
            pooled_quantity=F("pooled_quantity") - commitment.quantity,
            participant_count=F("participant_count") - 1,
        ):
            raise not_allowed(gb.get_status_display(), _("退出"), gb.status)
        deposit_release(
            company=company,
            reference=commitment.deposit_ref,
            currency=gb.currency,
            created_by=actor.membership,
        )
        audit_record(
            actor=actor,
            action="groupbuy.withdraw",
            target=gb.ref,
            changes={
                "commitment": str(commitment.public_id),
                "quantity": str(commitment.quantity),
                "deposit": str(commitment.deposit_amount),
            },
        )
    return commitment


# ------------------------------------------------------------------------ confirmation


@dataclass(frozen=True)
class CommitPreview:
    """What a commit (or a change) would do, shown before money moves."""

    quantity: Decimal
    deposit: Decimal
    current_deposit: Decimal
    is_change: bool

    @property
    def due(self) -> Decimal:
        """Held now (> 0) or given back (< 0)."""
        return self.deposit - self.current_deposit

    @property
    def back(self) -> Decimal:
        return -self.due


def groupbuy_commit_preview(
    *, actor: Actor, groupbuy_id: object, quantity: object
) -> CommitPreview:
    """Check a commit as ``groupbuy_commit`` would, writing nothing: the deposit to hold."""
    gb = groupbuy_for(actor, groupbuy_id)
    company = require_buyer(actor)
    if not is_live(gb):
        raise not_allowed(gb.get_status_display(), _("认购"), gb.status)
    if company.pk == gb.seller_id:
        raise PermissionDenied(_("卖方不能认购自己的团购。"), code="own_groupbuy")
    check_eligible(company, market_id=gb.market_id, regions=gb.regions, size_bands=gb.size_bands)
    qty = quantity_of(quantity)
    if qty < gb.min_commit:
        raise invalid(
            _("每家最低认购 %(qty)s。") % {"qty": gb.min_commit}, "below_min_commit", "quantity"
        )
    mine = Commitment.objects.filter(group_buy=gb, company=company, status=C.ACTIVE).first()
    if mine is not None and qty < mine.quantity and (no := withdraw_refusal(gb, mine)) is not None:
        raise no
    return CommitPreview(
        quantity=qty,
        deposit=deposit_for(gb, qty, tiers_of(gb)),
        current_deposit=mine.deposit_amount if mine else ZERO,
        is_change=mine is not None,
    )
