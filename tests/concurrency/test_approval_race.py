"""Approvers racing on one request: exactly one decision, one signal, one notification."""

import threading
from decimal import Decimal

import pytest

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import ApprovalRequest, Notification
from mercator.companies.roles import Role
from mercator.companies.services.approvals import (
    approval_decide,
    approval_request_open,
    approval_rule_create,
)
from mercator.companies.signals_approvals import approval_decided
from mercator.core.errors import InvalidTransition
from mercator.core.models import AuditEntry
from tests.concurrency.test_races import race
from tests.factories import add_member

THREADS = 20

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_approvers_one_decision(company, master, clerk):
    approval_rule_create(
        actor=actor_for_membership(master, via="api"),
        name="大单复核",
        document_kind="order",
        condition="amount_above",
        threshold=Decimal("100000"),
        approver_role=Role.FINANCE,
    )
    approvers = [master] + [add_member(company, Role.FINANCE) for _ in range(THREADS - 1)]
    request = approval_request_open(
        actor=actor_for_membership(clerk, via="api"),
        document_kind="order",
        document="order:race-1",
        title="大额订单",
        facts={"amount": Decimal("250000.00"), "currency": "CNY"},
    )
    assert request is not None

    fired: list[tuple[int, bool]] = []
    lock = threading.Lock()

    def receiver(
        sender: object, request: ApprovalRequest, approved: bool, **kwargs: object
    ) -> None:
        with lock:
            fired.append((request.pk, approved))

    approval_decided.connect(receiver, dispatch_uid="race-receiver")
    queue = list(approvers)

    def decide() -> str:
        with lock:
            approver = queue.pop()
        # Half approve, half reject: whoever wins, only one outcome is written.
        approve = approver.pk % 2 == 0
        decided = approval_decide(
            actor=actor_for_membership(approver, via="api"),
            request_id=request.public_id,
            approve=approve,
            comment="" if approve else "不同意",
        )
        return decided.status

    try:
        results = race(decide, threads=THREADS)
    finally:
        approval_decided.disconnect(dispatch_uid="race-receiver")

    assert len(results) == THREADS
    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, InvalidTransition)
    ]
    assert unexpected == []
    wins = [r for r in results if isinstance(r, str)]
    assert len(wins) == 1
    assert sum(isinstance(r, InvalidTransition) for r in results) == THREADS - 1
    request.refresh_from_db()
    assert request.status == wins[0]
    assert fired == [(request.pk, request.status == "approved")]
    decisions = AuditEntry.objects.filter(
        action__in=["approval.approve", "approval.reject"], target=f"approval:{request.public_id}"
    )
    assert decisions.count() == 1
    assert (
        Notification.objects.filter(
            person=clerk.person, kind__in=["approval.approved", "approval.rejected"]
        ).count()
        == 1
    )
