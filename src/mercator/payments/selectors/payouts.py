"""Payouts as their company and the operators see them: a company sees its own (members
who withdraw or view payments), operators see all; anyone else is told nothing (404)."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mercator.core.actor import Actor
from mercator.core.errors import NotFound, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.payments.models import Payout

READERS = ("payments.withdraw", "payments.view")


def payouts_visible_to(actor: Actor) -> QuerySet[Payout]:
    company = actor.company
    if company is None or not any(actor.can(p) for p in READERS):
        return Payout.objects.none()
    return Payout.objects.filter(company=company).order_by("-requested_at", "-pk")


def payout_get(actor: Actor, payout_id: object) -> Payout:
    wanted = parse_public_id(payout_id)
    found = payouts_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if found is None:
        raise NotFound()
    return found


def ops_payouts(actor: Actor, *, status: str | None = None) -> QuerySet[Payout]:
    """Every payout, requested ones first (oldest first), then the decided ones."""
    if not actor.is_operator:
        raise NotFound()
    if status and status not in Payout.Status.values:
        raise ValidationFailed(
            _("无效的状态。"),
            code="invalid_status",
            details={"field": "status", "allowed": list(Payout.Status.values)},
        )
    payouts = Payout.objects.select_related("company", "requested_by__person")
    if status:
        payouts = payouts.filter(status=status)
    return payouts.order_by("-status", "requested_at", "pk")
