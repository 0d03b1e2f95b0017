"""The demo's history is coherent in time (issue 10): an order the demo says settled N
days ago was numbered on the day it was placed, and its events, payments, ledger rows,
notifications, audit rows, invoice and deal are dated between its placing and its
settlement, never in the future; and README's login table lists every demo login."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from mercator.companies.models import Notification
from mercator.core.models import AuditEntry
from mercator.demo.build import demo_build
from mercator.demo.orders import ORDERS
from mercator.payments.models import LedgerTransaction, PaymentIntent
from mercator.trading.models import Deal, Invoice, Order

# What happens after an order is settled: ratings and complaints (issue 11).
AFTER_KINDS = ("order.rated", "order.complaint", "order.complaint_resolved")
AFTER_ACTIONS = ("order.rate", "order.rating_edit", "order.complain", "order.complaint_resolve")

pytestmark = pytest.mark.django_db
SLACK = timedelta(minutes=5)  # the build itself takes a little real time
ROOT = Path(__file__).resolve().parents[2]


def test_history_orders_are_dated_coherently():
    demo_build()
    now = timezone.now() + SLACK
    history = [spec for spec in ORDERS if spec.days_ago is not None]
    assert history
    for spec in history:
        order = Order.objects.get(note=spec.note)
        placed = order.placed_at
        end = order.settled_at or now
        label = f"{order.number} {spec.note}"
        # Placed four days before it settled; its number carries the day it was placed.
        expected = timezone.now() - timedelta(days=spec.days_ago + 4)
        assert abs(placed - expected) < timedelta(days=1), label
        assert order.number[2:10] == timezone.localtime(placed).strftime("%Y%m%d"), label
        if spec.stage == "settled":
            settled_expected = timezone.now() - timedelta(days=spec.days_ago)
            assert abs(order.settled_at - settled_expected) < timedelta(days=1), label
            deal_days = set(Deal.objects.filter(order=order).values_list("dealt_on", flat=True))
            assert deal_days <= {timezone.localtime(order.settled_at).date()}, label
        for at in order.events.values_list("at", flat=True):
            assert placed - SLACK <= at <= end + SLACK, label
        for created, succeeded in PaymentIntent.objects.filter(reference=order.ref).values_list(
            "created_at", "succeeded_at"
        ):
            assert placed <= created <= end + SLACK, label
            assert succeeded is None or created <= succeeded <= end + SLACK, label
        ledger = list(
            LedgerTransaction.objects.filter(reference=order.ref).values_list(
                "created_at", flat=True
            )
        )
        assert ledger or spec.terms == "credit", label  # prepaid and COD money moved
        for at in ledger:
            assert placed <= at <= end + SLACK, label
        link = f"/orders/{order.public_id}/"
        notices = Notification.objects.filter(link__contains=link)
        for at in notices.exclude(kind__in=AFTER_KINDS).values_list("created_at", flat=True):
            assert placed <= at <= end + SLACK, label
        audits = AuditEntry.objects.filter(target=order.ref)
        for at in audits.exclude(action__in=AFTER_ACTIONS).values_list("at", flat=True):
            assert placed - SLACK <= at <= end + SLACK, label
        # Ratings and complaints come after settlement (demo.ratings), on their own days.
        for at in [
            *notices.filter(kind__in=AFTER_KINDS).values_list("created_at", flat=True),
            *audits.filter(action__in=AFTER_ACTIONS).values_list("at", flat=True),
        ]:
            assert order.settled_at is not None and order.settled_at < at <= now, label
        for issued in Invoice.objects.filter(lines__order=order).values_list(
            "issued_at", flat=True
        ):
            assert placed <= issued <= end + SLACK, label
    # Nothing anywhere is dated in the future.
    assert not LedgerTransaction.objects.filter(created_at__gt=now).exists()
    assert not Notification.objects.filter(created_at__gt=now).exists()
    assert not AuditEntry.objects.filter(at__gt=now).exists()
    assert not PaymentIntent.objects.filter(created_at__gt=now).exists()
    # Orders are numbered in the order they were placed.
    placed = list(Order.objects.order_by("placed_at").values_list("number", flat=True))
    days = [n[2:10] for n in placed]
    assert days == sorted(days)


def test_readme_lists_every_demo_login():
    demo_build()
    from mercator.companies.models import Membership

    emails = set(
        Membership.objects.filter(person__email__endswith=".demo").values_list(
            "person__email", flat=True
        )
    )
    assert emails
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([\w.+-]+@[\w.-]+\.demo)`", readme))
    assert emails - listed == set(), sorted(emails - listed)


def test_demo_gives_the_operator_evidence_and_a_licence():
    from django.test import Client

    from mercator.companies.models import CompanyVerification
    from mercator.demo.services import DEMO_PASSWORD
    from mercator.trading.models import DisputeEvidence

    demo_build()
    disputed = Order.objects.get(status="disputed")
    sides = set(DisputeEvidence.objects.filter(order=disputed).values_list("side", flat=True))
    assert sides == {"buyer", "seller"}
    pending = CompanyVerification.objects.get(status="pending")
    assert pending.licence_content_type == "application/pdf"
    ops = Client()
    assert ops.login(username="ops@mercator.demo", password=DEMO_PASSWORD)
    desk = ops.get("/ops/disputes/").content.decode()
    assert 'data-testid="evidence-item"' in desk and "卖方答复" in desk
    review = ops.get("/ops/verifications/").content.decode()
    assert 'data-testid="licence-file"' in review
    demo_build()  # a rerun adds no second piece of evidence
    assert DisputeEvidence.objects.filter(order=disputed).count() == 2
