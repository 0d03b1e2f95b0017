"""The workbench's counters per role on a small world, with exact counts, and isolation:
a second company's orders never count."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company
from mercator.companies.roles import Role
from mercator.insights.selectors import (
    company_overview,
    finance_counters,
    operator_counters,
    purchaser_counters,
    sales_counters,
    verification_status,
    workbench_for,
)
from mercator.trading import services
from tests.factories import CompanyFactory, UserFactory, add_member
from tests.trading.conftest import World
from tests.trading.test_orders import pay_by_bank, place

pytestmark = pytest.mark.django_db


def counts(counters: list) -> dict[str, int]:
    return {c.key: c.count for c in counters}


def open_rfq(world: World, days: int) -> object:
    return services.rfq_create(
        actor=world.actor(world.food_buyer),
        title="一级白砂糖",
        lines=[{"sku": str(world.sku.public_id), "quantity": "10", "unit": "t"}],
        deadline=timezone.now() + timedelta(days=days),
        payment_terms="prepaid",
        credit_days=0,
        delivery_method="delivery",
        destination_province="广东",
        seller_ids=[str(world.mill.public_id)],
    )


def sent_quote(world: World, rfq: object, valid_days: int) -> object:
    clerk = world.actor(world.mill_clerk)
    quote = services.quote_create(
        actor=clerk,
        rfq_id=rfq.public_id,
        lines=[
            {
                "sku": str(world.sku.public_id),
                "quantity": "10",
                "rfq_line": 1,
                "listing": str(world.listing.public_id),
            }
        ],
        valid_until=timezone.now() + timedelta(days=valid_days),
    )
    return services.quote_send(actor=clerk, quote_id=quote.public_id)


def test_sales_clerk_counts_orders_to_ship_and_rfqs_and_quotes(world: World):
    paid = place(world)  # prepaid: the clerk ships once it is paid
    pay_by_bank(world, paid)
    place(world)  # approved, unpaid: not his to ship yet
    soon, later = open_rfq(world, 2), open_rfq(world, 30)
    sent_quote(world, soon, 3)
    sent_quote(world, later, 20)
    clerk = world.actor(world.mill_clerk)

    got = counts(sales_counters(clerk))

    assert got["to_ship"] == 1
    # The placed orders' quotes were accepted (not live): one sent quote lapses this week.
    assert got["quotes_expiring_seller"] == 1
    assert got["rfqs_closing_seller"] == 1  # the RFQs of placed orders are awarded
    assert got["inquiries_unanswered"] == 0
    buyer = counts(purchaser_counters(world.actor(world.food_buyer)))
    assert buyer["quotes_expiring_buyer"] == 1 and buyer["rfqs_closing_buyer"] == 1
    # The outsider was not invited: nothing to answer.
    assert counts(sales_counters(world.actor(world.outsider_clerk)))["rfqs_closing_seller"] == 0
    link = next(c for c in sales_counters(clerk) if c.key == "to_ship")
    assert link.url == "/orders/?side=sell&status=paid"


def test_purchaser_and_finance_and_the_union_for_the_boss(world: World):
    shipped = place(world)
    pay_by_bank(world, shipped)
    services.order_ship(actor=world.actor(world.mill_clerk), order_id=shipped.public_id)
    place(world)  # approved: to pay

    buyer = counts(purchaser_counters(world.actor(world.food_buyer)))
    assert buyer["to_receive"] == 1 and buyer["rfqs_closing_buyer"] == 0

    food_finance = add_member(world.food, Role.FINANCE)
    finance = counts(finance_counters(actor_for_membership(food_finance, via="api")))
    assert finance["to_pay"] == 1 and finance["receivables_overdue"] == 0
    assert "to_receive" not in finance

    # The boss holds every permission: the union, each counter once.
    boss = workbench_for(world.actor(world.food_boss))
    keys = [c.key for c in boss]
    assert len(keys) == len(set(keys))
    assert counts(boss)["to_pay"] == 1 and counts(boss)["to_receive"] == 1

    mill_finance = add_member(world.mill, Role.FINANCE)
    mill = counts(finance_counters(actor_for_membership(mill_finance, via="api")))
    assert mill["to_invoice"] == 1  # the paid, shipped order
    assert "to_pay" in mill and mill["to_pay"] == 0


def test_second_company_orders_never_count(world: World):
    order = place(world)
    pay_by_bank(world, order)
    other = world.actor(world.outsider_clerk)
    outsider_boss = actor_for_membership(
        world.outsider.memberships.get(role=Role.MASTER), via="api"
    )

    for actor in (other, outsider_boss):
        got = counts(workbench_for(actor))
        assert got.get("to_ship", 0) == 0 and got.get("to_pay", 0) == 0
        assert got.get("to_invoice", 0) == 0 and got.get("to_receive", 0) == 0
    overview = company_overview(outsider_boss)
    assert overview.sales.this_month == Decimal("0.00") and overview.top_customers == []


def test_operator_counters_only_for_operators(world: World, company):
    assert operator_counters(world.actor(world.mill_boss)) == []
    staff = UserFactory(is_staff=True)
    ops = add_member(company, Role.VIEWER, person=staff)
    got = counts(operator_counters(actor_for_membership(ops, via="api")))
    assert set(got) == {
        "verifications_waiting",
        "bank_lines_unmatched",
        "disputes_open",
        "payouts_waiting",
    }
    assert got["disputes_open"] == 0


def test_boss_overview_sums_in_decimal(world: World):
    first = place(world, qty="3")
    second = place(world, qty="7")
    overview = company_overview(world.actor(world.mill_boss))
    assert overview.sales.this_month == first.total + second.total
    assert isinstance(overview.sales.this_month, Decimal)
    assert overview.top_customers == [("华南食品", first.total + second.total)]
    assert company_overview(world.actor(world.food_boss)).purchases.this_month == (
        first.total + second.total
    )
    # Buckets of the receivables ageing are there (empty: no credit orders).
    assert [b["key"] for b in overview.ageing["buckets"]] == [
        "current",
        "1-30",
        "31-60",
        "61-90",
        "90+",
    ]


def test_boss_overview_refused_to_a_clerk(world: World):
    from mercator.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        company_overview(world.actor(world.mill_clerk))


def test_months_cross_the_year(world: World):
    from mercator.insights.selectors.overview import months

    this, last = months(date(2026, 1, 15))
    assert (this.start, this.end) == (date(2026, 1, 1), date(2026, 2, 1))
    assert (last.start, last.end) == (date(2025, 12, 1), date(2026, 1, 1))
    assert months(date(2026, 12, 31))[0].end == date(2027, 1, 1)
    assert timedelta(0) < this.end - this.start


def test_unverified_company_sees_what_is_missing_and_what_it_may_do(db):
    company = CompanyFactory()
    Company.objects.filter(pk=company.pk).update(verification_status="unverified")
    company.refresh_from_db()
    boss = actor_for_membership(company.memberships.get(role=Role.MASTER), via="api")
    status = verification_status(boss)
    assert status is not None and status.may_submit
    assert "统一社会信用代码" in [str(x) for x in status.missing]
    assert any("下单" in str(x) for x in status.blocked)
    assert any(step.url == "/market/" for step in status.meanwhile)


def test_verified_company_has_no_verification_panel(world: World):
    assert verification_status(world.actor(world.mill_boss)) is None


def test_boss_counts_approvals_waiting_for_him_and_unanswered_inquiries(world: World):
    from mercator.insights.selectors import boss_counters

    rfq = open_rfq(world, 5)
    clerk = world.actor(world.mill_clerk)
    quote = services.quote_create(
        actor=clerk,
        rfq_id=rfq.public_id,
        lines=[
            {
                "sku": str(world.sku.public_id),
                "quantity": "10",
                "rfq_line": 1,
                "listing": str(world.listing.public_id),
                "unit_price": "4500",  # 11.7 % off: over the mill's 5 % rule
            }
        ],
    )
    services.quote_send(actor=clerk, quote_id=quote.public_id)  # held for the boss
    services.inquiry_create(
        actor=world.actor(world.food_boss), listing_id=world.listing.public_id, message="价格？"
    )

    boss = counts(boss_counters(world.actor(world.mill_boss)))
    assert boss["to_approve"] == 1 and boss["inquiries_unanswered"] == 1
    assert boss["receivables_overdue"] == 0
    # The clerk asked for the approval: never his to decide, and no boss counters at all.
    assert boss_counters(clerk) == []
    assert "to_approve" not in counts(workbench_for(clerk))
    # The buyer's side sees neither.
    assert counts(boss_counters(world.actor(world.food_boss)))["to_approve"] == 0
    assert counts(boss_counters(world.actor(world.food_boss)))["inquiries_unanswered"] == 0


def test_verification_pending_and_rejected(db):
    from mercator.companies.models import CompanyVerification

    company = CompanyFactory()
    Company.objects.filter(pk=company.pk).update(verification_status="unverified")
    company.refresh_from_db()
    master = company.memberships.get(role=Role.MASTER)
    fields = {
        "credit_code": "91350100M000100Y43",
        "bank_name": "工商银行",
        "bank_branch": "南宁分行",
        "bank_account": "6222020200001234",
        "invoice_name": company.legal_name,
        "invoice_tax_no": "91350100M000100Y43",
        "invoice_address": "南宁",
        "invoice_phone": "0771-1234567",
        "invoice_bank": "工商银行 6222020200001234",
        "submitted_by": master.person,
    }
    CompanyVerification.objects.create(
        company=company, status="rejected", reason="营业执照模糊", **fields
    )
    boss = actor_for_membership(master, via="api")
    rejected = verification_status(boss)
    assert rejected.reason == "营业执照模糊" and rejected.may_submit and rejected.missing

    CompanyVerification.objects.create(company=company, status="pending", **fields)
    pending = verification_status(boss)
    assert not pending.may_submit and pending.missing == []
    assert "等待平台审核" in str(pending.headline)
    # A clerk sees the status but may not submit.
    clerk = actor_for_membership(add_member(company, Role.SALES), via="api")
    assert verification_status(clerk).may_submit is False
