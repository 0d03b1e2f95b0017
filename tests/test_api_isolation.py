"""Isolation, for every operation of the API that takes an id in its path.

The OpenAPI document is the list of operations. For each path parameter, ``TARGETS``
names a factory that builds a real object of that kind (through the services where one
exists) in the sugar world of ``tests/trading/conftest.py``: the mill (崇左糖厂) sells,
the food factory (华南食品) buys; both are "company A". Each operation is then called,
with its method and a plausible valid body, by

1. the boss of another company (别家糖厂, every permission: the 404 cannot be a 403), and
2. for a record with an owner (customers, contacts, inquiries, RFQs, quotes, orders,
   invoices, approvals, a cart, a personal token), a colleague of the owner in the same
   company, with the owner's role, who does not own it.

Each must answer 404 with the error shape ``{"code", "message", "details"}`` and leave
every table exactly as it was (a checksum of every row of every model). Records public
by design (markets, categories, the market's listings, a gateway's webhook) are not
secret: only their writes are called, and must be refused and write nothing. Then the
owner of each record reads every GET URL with a 200: the URLs are real.

Adding an endpoint with an id in its path: add its (path template, parameter) to
``TARGETS`` (a factory, and the clerks who must not see it or the written reason why
the record is company-wide), and its body to ``BODIES`` when it takes one. An operation
without an entry fails ``test_every_path_parameter_has_a_factory``, which names it.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone

from mercator.community import services as community_services
from mercator.companies.models import ApprovalRule, Company, Membership
from mercator.companies.roles import Role
from mercator.companies.services import approvals as approval_services
from mercator.companies.services import customers as customer_services
from mercator.companies.services import members as member_services
from mercator.companies.services.tokens import token_create
from mercator.core.actor import Actor
from mercator.markets.services import auctions as auction_services
from mercator.payments.services.bank import bank_statement_import
from mercator.payments.services.credit import credit_consume, credit_line_grant, receivable_open
from mercator.payments.services.payouts import payout_request
from mercator.pricing import services as pricing_services
from mercator.trading import services as trading_services
from mercator.trading.services.invoices import invoice_issue_for_order
from mercator.trading.services.ratings import complaint_create
from tests.conftest import bearer_client, master_of
from tests.factories import CompanyFactory, UserFactory, add_member
from tests.markets.auction_helpers import sale_data as auction_sale_data
from tests.payments.conftest import fund_wallet, make_intent
from tests.trading.conftest import World, world  # noqa: F401
from tests.trading.test_invoices import make_order, titles
from tests.trading.test_orders import place

pytestmark = pytest.mark.django_db
PREFIX = "/api/v1"


# ------------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Clerk:
    """A new member of one party (``"mill"``, ``"food"`` or one in ``Ctx.parties``) with
    ``role``: he owns nothing."""

    party: str
    role: str

    def __str__(self) -> str:
        return f"{self.party}:{self.role}"


@dataclass(frozen=True)
class Target:
    """How to build the object a path parameter names, and who besides another company
    must get 404 for it.

    ``clerks``: colleagues of the owner (his role, owning nothing) who must not see it.
    ``company_wide``: instead of clerks, the reason the record is by design visible to
    every colleague with the permission (no owner). ``public``: the reason another
    company may see it too: its reads are not checked, and its writes, called by the
    other company's boss, must be refused (any 4xx with the error shape) and write
    nothing. ``owner``: the World member (or ``"operator"``) who reads it with a 200,
    the control that the URL is real. ``query``: query parameters the operation needs."""

    make: Callable[[Ctx], str]
    clerks: tuple[Clerk, ...] = ()
    company_wide: str = ""
    public: str = ""
    owner: str = "mill_boss"
    query: Callable[[Ctx], dict[str, str]] | None = None

    def __post_init__(self) -> None:
        if not (self.clerks or self.company_wide or self.public):
            raise ValueError("name the clerks who must get 404, or say why it is company-wide")


@dataclass
class Ctx:
    """The world and the objects built in it, one per factory."""

    w: World
    built: dict[str, Any] = field(default_factory=dict)
    members: dict[Clerk, Membership] = field(default_factory=dict)
    parties: dict[str, Company] = field(default_factory=dict)

    def actor(self, membership: Membership) -> Actor:
        return self.w.actor(membership)

    @property
    def boss(self) -> Actor:
        return self.w.actor(self.w.mill_boss)

    @property
    def mill_clerk(self) -> Actor:
        return self.w.actor(self.w.mill_clerk)

    def clerk(self, clerk: Clerk) -> Membership:
        if clerk not in self.members:
            party = self.parties.get(clerk.party) or getattr(self.w, clerk.party)
            self.members[clerk] = add_member(party, clerk.role)
        return self.members[clerk]


def once(make: Callable[[Ctx], Any]) -> Callable[[Ctx], str]:
    """Build the object on first use; later uses get the same id."""

    def build(ctx: Ctx) -> str:
        if make.__name__ not in ctx.built:
            ctx.built[make.__name__] = str(make(ctx))
        return ctx.built[make.__name__]

    build.__name__ = make.__name__
    return build


def operator() -> Actor:
    return Actor(person=UserFactory(is_staff=True), via="api")


# ------------------------------------------------------------------------ factories


@once
def company(c: Ctx) -> object:
    return c.w.mill.public_id


@once
def membership(c: Ctx) -> object:
    return c.w.mill_clerk.public_id


@once
def role(c: Ctx) -> object:
    made = member_services.role_create(
        actor=c.boss, code="packer", name="打包员", permissions=["company.view"]
    )
    return made.public_id


@once
def invitation(c: Ctx) -> object:
    made, _token = member_services.invitation_create(
        actor=c.boss, role=Role.SALES, email="new-clerk@example.com"
    )
    return made.public_id


VERIFICATION = {
    "credit_code": "91450100MA5L00000X",
    "bank_name": "中国工商银行",
    "bank_branch": "崇左分行",
    "bank_account": "6222000011112222",
    "invoice_name": "崇左糖厂有限公司",
    "invoice_tax_no": "91450100MA5L00000X",
    "invoice_address": "广西崇左市江州区 1 号",
    "invoice_phone": "0771-5550000",
    "invoice_bank": "中国工商银行崇左分行 6222000011112222",
}


@once
def verification(c: Ctx) -> object:
    """A new company's verification, waiting for the operator (submitting one for the
    mill would take it off the market while it waits)."""
    applicant = CompanyFactory(short_name="好味食品")
    c.parties["applicant"] = applicant
    made = member_services.verification_submit(actor=c.actor(master_of(applicant)), **VERIFICATION)
    return made.public_id


@once
def token(c: Ctx) -> object:
    made, _secret = token_create(actor=c.mill_clerk, name="clerk's script")
    return made.public_id


@once
def customer(c: Ctx) -> object:
    made = customer_services.customer_create(
        actor=c.mill_clerk, name=c.w.food.legal_name, counterpart_id=c.w.food.public_id
    )
    return made.public_id


@once
def contact(c: Ctx) -> object:
    made = customer_services.contact_create(
        actor=c.mill_clerk, customer_id=customer(c), name="李采购", phone="13800000000"
    )
    return made.public_id


@once
def approval_rule(c: Ctx) -> object:
    # The world's "discount over 5 %" rule, made by the boss through the service.
    return ApprovalRule.objects.get(company=c.w.mill).public_id


@once
def approval(c: Ctx) -> object:
    request = approval_services.approval_request_open(
        actor=c.mill_clerk,
        document_kind="quote",
        document=f"quote:{uuid.uuid4()}",
        title="华南食品 100 吨白砂糖报价",
        facts={
            "amount": Decimal("478400.00"),
            "currency": "CNY",
            "discount_percent": Decimal("8"),
            "counterpart_verified": True,
            "first_deal_with_counterpart": False,
        },
    )
    assert request is not None
    return request.public_id


@once
def intent(c: Ctx) -> object:
    return make_intent(c.w).public_id


@once
def ledger_transaction(c: Ctx) -> object:
    return fund_wallet(c.w.mill, "1000.00").public_id


@once
def payout(c: Ctx) -> object:
    """A payout the mill's boss asked for out of a funded wallet, waiting for operators."""
    ledger_transaction(c)
    return payout_request(actor=c.boss, amount="100.00", bank_account="6222000011112222").public_id


@once
def credit_line(c: Ctx) -> object:
    made = credit_line_grant(
        actor=c.boss, buyer_id=c.w.food.public_id, limit=Decimal("100000.00"), days=30
    )
    return made.public_id


@once
def receivable(c: Ctx) -> object:
    credit_line(c)
    credit_consume(seller=c.w.mill, buyer=c.w.food, amount=Decimal("10000.00"), days=30)
    made = receivable_open(
        seller=c.w.mill,
        buyer=c.w.food,
        reference=f"order:{uuid.uuid4()}",
        amount=Decimal("10000.00"),
        currency="CNY",
        days=30,
        fee_percent=Decimal("0.5"),
    )
    return made.public_id


def _statement(c: Ctx) -> Any:
    if "_statement" not in c.built:
        content = "流水号,日期,金额,币种,付款人,附言\nB001,2025-03-01,500.00,CNY,华南食品,货款\n"
        made = bank_statement_import(
            actor=operator(), filename="march.csv", content=content.encode()
        )
        c.built["_statement"] = made
    return c.built["_statement"]


@once
def bank_statement(c: Ctx) -> object:
    return _statement(c).public_id


@once
def bank_line(c: Ctx) -> object:
    return _statement(c).lines.get().public_id


@once
def market(c: Ctx) -> object:
    return c.w.listing.market.code


def _ladder(c: Ctx) -> Any:
    if "_ladder" not in c.built:
        from tests.membership.conftest import make_ladder

        c.built["_ladder"] = make_ladder(c.w.listing.market.code)
    return c.built["_ladder"]


@once
def grade(c: Ctx) -> object:
    return _ladder(c).gold.public_id


@once
def appeal(c: Ctx) -> object:
    """The mill dropped from gold to silver (idle), and its boss appealed."""
    from mercator.membership.models import GradeChange, Standing
    from mercator.membership.services import appeal_create

    ladder = _ladder(c)
    Standing.objects.create(company=c.w.mill, market=ladder.market, grade=ladder.silver)
    change = GradeChange.objects.create(
        company=c.w.mill,
        market=ladder.market,
        from_grade=ladder.gold,
        to_grade=ladder.silver,
        reason=GradeChange.Reason.IDLE,
    )
    return appeal_create(actor=c.boss, change_id=change.public_id, body="请恢复").public_id


@once
def category(c: Ctx) -> object:
    return c.w.sku.product.category.code


@once
def listing(c: Ctx) -> object:
    return c.w.listing.public_id


@once
def product(c: Ctx) -> object:
    return c.w.sku.product.public_id


@once
def sku(c: Ctx) -> object:
    return c.w.sku.public_id


@once
def import_job(c: Ctx) -> object:
    from mercator.catalog.excel import catalog_import_start
    from tests.catalog.test_excel import good_row, workbook

    job = catalog_import_start(
        actor=c.boss, filename="catalog.xlsx", content=workbook([good_row(1)]), dry_run=True
    )
    return job.public_id


@once
def groupbuy(c: Ctx) -> object:
    """The mill's draft group buy: another company cannot see it, so every operation on
    it answers 404 to them (an open one is public by design)."""
    from mercator.markets.services.groupbuys import groupbuy_create
    from tests.markets.groupbuy_world import groupbuy_data

    return groupbuy_create(actor=c.boss, data=groupbuy_data(c.w)).public_id


@once
def cart_item(c: Ctx) -> object:
    item = trading_services.cart_add(
        actor=c.actor(c.w.food_buyer), listing_id=c.w.listing.public_id, quantity="10"
    )
    return item.listing.public_id


@once
def customer_class(c: Ctx) -> object:
    made = pricing_services.customer_class_create(actor=c.boss, code="vip", name="大客户")
    return made.public_id


@once
def class_assignment(c: Ctx) -> object:
    pricing_services.class_assignment_set(
        actor=c.boss, buyer_id=c.w.food.public_id, class_id=customer_class(c)
    )
    return c.w.food.public_id


@once
def price_list(c: Ctx) -> object:
    made = pricing_services.price_list_create(actor=c.boss, name="大客户价", priority=50)
    pricing_services.price_rule_set(
        actor=c.boss,
        list_id=made.public_id,
        sku_id=c.w.sku.public_id,
        min_qty="0",
        unit_price="4950",
    )
    return made.public_id


@once
def customer_price(c: Ctx) -> object:
    made = pricing_services.customer_price_create(
        actor=c.boss, buyer_id=c.w.food.public_id, sku_id=c.w.sku.public_id, unit_price="4900"
    )
    return made.public_id


@once
def freight_rate(c: Ctx) -> object:
    made = pricing_services.freight_rate_create(
        actor=c.boss, origin="崇左仓", destination_province="广西", per_unit="30"
    )
    return made.public_id


@once
def inquiry(c: Ctx) -> object:
    customer(c)  # the food factory is the mill clerk's customer: the inquiry goes to him
    made = trading_services.inquiry_create(
        actor=c.actor(c.w.food_boss),
        listing_id=c.w.listing.public_id,
        message="一级白砂糖 100 吨，月底前到广州，什么价？",
        quantity="100",
    )
    return made.public_id


def _sent_quote(c: Ctx) -> Any:
    if "_quote" not in c.built:
        buyer = c.actor(c.w.food_buyer)
        rfq = trading_services.rfq_create(
            actor=buyer,
            title="一级白砂糖 200 吨",
            lines=[{"sku": str(c.w.sku.public_id), "quantity": "200", "unit": "t"}],
            deadline=timezone.now() + timedelta(days=3),
            payment_terms="prepaid",
            credit_days=0,
            delivery_method="delivery",
            destination_province="广东",
            seller_ids=[str(c.w.mill.public_id)],
        )
        quote = trading_services.quote_create(
            actor=c.mill_clerk,
            rfq_id=rfq.public_id,
            lines=[{"sku": str(c.w.sku.public_id), "quantity": "200", "rfq_line": 1}],
        )
        c.built["_quote"] = trading_services.quote_send(
            actor=c.mill_clerk, quote_id=quote.public_id
        )
    return c.built["_quote"]


@once
def rfq(c: Ctx) -> object:
    return _sent_quote(c).rfq.public_id


@once
def quote(c: Ctx) -> object:
    return _sent_quote(c).public_id


@once
def order(c: Ctx) -> object:
    return place(c.w).public_id


def _titles(c: Ctx) -> None:
    if "_titles" not in c.built:
        titles(c.w)  # approved invoice titles of both parties
        c.built["_titles"] = "done"


@once
def settled_order(c: Ctx) -> object:
    """A settled order not invoiced yet (built with the ORM, as the invoice tests do)."""
    _titles(c)
    return make_order(c.w).public_id


@once
def invoice(c: Ctx) -> object:
    _titles(c)
    made = invoice_issue_for_order(actor=c.boss, order_id=make_order(c.w).public_id)
    return made.public_id


@once
def complaint(c: Ctx) -> object:
    made = complaint_create(
        actor=c.actor(c.w.food_boss),
        order_id=settled_order(c),
        category="late",
        text="晚到三天",
    )
    return made.public_id


@once
def proposal(c: Ctx) -> object:
    """The mill's auction proposal from its sales at three price levels (real deals)."""
    from mercator.markets.models import Proposal
    from mercator.markets.services.proposals import proposals_generate
    from tests.markets.proposals_helpers import TODAY, buyers, deal

    for who, price in zip(buyers(3), ("5000", "5100", "5200"), strict=True):
        deal(c.w, who, "100", price)
    proposals_generate(today=TODAY)
    return Proposal.objects.get(kind=Proposal.Kind.AUCTION, seller=c.w.mill).public_id


def provider(c: Ctx) -> str:
    return "sandbox"


# Who, in each party, would see the record if he owned it.
@once
def standing_order(c: Ctx) -> object:
    """The food factory's buyer's standing order (定期订单) of the mill's sugar."""
    from mercator.trading.services.standing import standing_order_create

    made = standing_order_create(
        actor=c.actor(c.w.food_buyer),
        listing_id=c.w.listing.public_id,
        quantity="10",
        every_days=7,
    )
    return made.public_id


@once
def push(c: Ctx) -> object:
    """A partner's field rep's pushed order (推单) to the food factory."""
    from mercator.fieldsales.services.pushes import push_create
    from tests.fieldsales.push_helpers import rep_world

    rw = rep_world(c.w)
    made = push_create(
        actor=c.actor(rw.rep_seat),
        target_id=rw.target.public_id,
        listing_id=c.w.listing.public_id,
        quantity="10",
    )
    return made.public_id


MILL_CLERK = Clerk("mill", Role.SALES)
FOOD_CLERK = Clerk("food", Role.PURCHASING)
APPLICANT_CLERK = Clerk("applicant", Role.SALES)

COMPANY_WIDE_CATALOG = (
    "the company's catalog: every member who manages it edits all of it (no owner)"
)
COMPANY_WIDE_PRICING = (
    "the seller's prices: company-wide by design, managed by the boss and managers"
)
COMPANY_WIDE_MONEY = (
    "the company's money: everyone with payments.view or credit.manage sees all of it (no owner)"
)
SELLERS_PROPOSALS = (
    "the seller's proposals: every member who may sell (orders.fulfil) reads and acts on "
    "them (no owner); buyers and other companies get 404"
)
OPERATORS = (
    "platform operators' record: a company member is never an operator, so a clerk is "
    "refused like the other company's boss"
)


@once
def community_post(c: Ctx) -> object:
    """A post of the mill's clerk on a sugar board: read by everyone (the community is
    shared across companies), edited or deleted by its author only."""
    ops = operator()
    board = community_services.board_create(actor=ops, name="食糖", name_en="Sugar")
    post = community_services.post_create(
        actor=c.mill_clerk, board_id=board.public_id, title="今年糖价", body="大家怎么看"
    )
    c.built["community_board"] = board
    return post.public_id


@once
def community_hidden_post(c: Ctx) -> object:
    """A post the operator hid: gone for every reader, so nobody may reply to it, like,
    follow, mark or report it (404)."""
    ops = operator()
    board = community_services.board_create(actor=ops, name="综合", name_en="General")
    post = community_services.post_create(
        actor=c.mill_clerk, board_id=board.public_id, title="隐藏的帖子", body="正文"
    )
    community_services.post_hide(actor=ops, post_id=post.public_id)
    return post.public_id


@once
def community_reply(c: Ctx) -> object:
    post_id = community_post(c)
    reply = community_services.reply_create(
        actor=c.actor(c.w.food_buyer), post_id=post_id, body="价格合适"
    )
    return reply.public_id


@once
def community_ban(c: Ctx) -> object:
    ban = community_services.ban_create(
        actor=operator(), person_id=c.w.outsider_clerk.person.public_id, reason="广告", days=3
    )
    return ban.public_id


@once
def community_word(c: Ctx) -> object:
    return community_services.word_add(actor=operator(), word="代开发票").word


@once
def auction_draft(c: Ctx) -> object:
    """A draft auction of the mill: unpublished, so every other company gets 404."""
    auction = auction_services.auction_create(
        actor=c.boss, data=auction_sale_data(c.w, title="未发布的拍卖")
    )
    return auction.public_id


AUCTION_WIDE = "the company's auctions: every colleague who sells sees its drafts"

COMMUNITY_SHARED = (
    "the community is shared across companies by design; the factory builds a post the "
    "operator hid, which every caller must be refused (404) and which writes nothing"
)
COMMUNITY_OPS = "the operators' moderation desk: every company member gets 404"


@once
def forward_offer(c: Ctx) -> object:
    from tests.markets.forwards_world import make_offer

    return make_offer(c.w).public_id


@once
def forward_demand(c: Ctx) -> object:
    from mercator.markets.services.forwards import forward_demand_post
    from tests.markets.forwards_world import label

    made = forward_demand_post(
        actor=c.actor(c.w.food_boss),
        offer_id=forward_offer(c),
        month=label(2),
        quantity="10",
        price="5500",
    )
    return made.public_id


@once
def forward_contract(c: Ctx) -> object:
    from mercator.markets.services.forwards import forward_take
    from tests.markets.forwards_world import label

    fund_wallet(c.w.food, "1000000")
    fund_wallet(c.w.mill, "1000000")
    made = forward_take(
        actor=c.actor(c.w.food_boss), offer_id=forward_offer(c), month=label(1), quantity="10"
    )
    return made.public_id


# logistics: warehouses, inbounds, stocktakes, lot documents (the mill runs a store of its
# own sugar: it is both the depositor and the warehouse's staff).


@once
def wh_warehouse(c: Ctx) -> object:
    from mercator.logistics.services import warehouse_create

    made = warehouse_create(
        actor=operator(),
        operator_id=c.w.mill.public_id,
        code="chongzuo-store",
        name="崇左糖仓",
        province="广西",
        capacity="100000",
        capacity_unit="t",
    )
    return made.public_id


@once
def wh_inbound(c: Ctx) -> object:
    from mercator.logistics.services import inbound_book

    made = inbound_book(
        actor=c.boss, warehouse_id=wh_warehouse(c), sku_id=c.w.sku.public_id, quantity="50"
    )
    return made.public_id


@once
def wh_lot(c: Ctx) -> object:
    from mercator.logistics.services import inbound_book, inbound_receive

    booked = inbound_book(
        actor=c.boss, warehouse_id=wh_warehouse(c), sku_id=c.w.sku.public_id, quantity="80"
    )
    made = inbound_receive(
        actor=c.boss, inbound_id=booked.public_id, quantity="80", inspection="passed"
    )
    return made.public_id


def _wh_stocktake(c: Ctx) -> Any:
    if "_wh_stocktake" not in c.built:
        from mercator.logistics.services import stocktake_record

        c.built["_wh_stocktake"] = stocktake_record(
            actor=c.boss, warehouse_id=wh_warehouse(c), counts=[{"lot": wh_lot(c), "counted": "79"}]
        )
    return c.built["_wh_stocktake"]


@once
def wh_stocktake(c: Ctx) -> object:
    return _wh_stocktake(c).public_id


@once
def wh_stocktake_line(c: Ctx) -> object:
    from mercator.logistics.models import StocktakeLine

    return StocktakeLine.objects.get(stocktake=_wh_stocktake(c)).pk


@once
def wh_lot_document(c: Ctx) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mercator.logistics.services import lot_document_add

    photo = SimpleUploadedFile("sugar.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    return lot_document_add(actor=c.boss, lot_id=wh_lot(c), upload=photo).public_id


WH_PUBLIC = (
    "an active warehouse is a public card (where to store goods, at what fee) every member "
    "reads; only its staff change its policies"
)
WH_INBOUND = (
    "an inbound is the depositor's and the warehouse company's as a whole: every colleague "
    "follows it (cancelling needs stock.manage or warehouse.operate)"
)
WH_LOT = "a lot is its owner's and the warehouse company's as a whole, not one member's"
WH_STAFF = (Clerk("mill", Role.SALES),)  # no warehouse.operate: a stocktake is not his


FORWARD_OFFER = (
    "a forward offer is read by every company (its book aggregated, no buyer named); "
    "only its seller changes it, and another company's demand or take needs a body"
)
FORWARD_SELLER = "the seller's book and answers: every member of the seller with orders.fulfil"
FORWARD_DEMAND = "a buyer's demand is his company's: any member with orders.place withdraws it"
FORWARD_CONTRACT = "a contract binds the two companies: every member of either side reads it"


# logistics: stock (a lot the mill keeps in a third company's warehouse, a pick-up of it)
STOCK_WIDE = "a lot is its depositor's goods: every member with stock.manage manages it (no owner)"


def _stock_lot(c: Ctx) -> Any:
    if "_stock_lot" not in c.built:
        from mercator.logistics.services import (
            inbound_book,
            inbound_receive,
            policy_set,
            warehouse_create,
        )
        from tests.trading.conftest import verify

        store = verify(CompanyFactory(short_name="崇左仓储"))
        c.parties["store"] = store
        warehouse = warehouse_create(
            actor=operator(),
            operator_id=store.public_id,
            code="chongzuo-stock",
            name="崇左仓",
            province="广西",
            capacity="100000",
            capacity_unit="t",
        )
        staff = c.actor(master_of(store))
        policy_set(actor=staff, warehouse_id=warehouse.public_id, kind="per_day", rate_per_day="1")
        inbound = inbound_book(
            actor=c.boss, warehouse_id=warehouse.public_id, sku_id=c.w.sku.public_id, quantity="100"
        )
        c.built["_stock_lot"] = inbound_receive(
            actor=staff, inbound_id=inbound.public_id, quantity="100", inspection="passed"
        )
    return c.built["_stock_lot"]


@once
def stock_lot(c: Ctx) -> object:
    return _stock_lot(c).public_id


@once
def stock_release(c: Ctx) -> object:
    from mercator.logistics.services import release_request

    lot = _stock_lot(c)
    return release_request(actor=c.boss, lot_id=lot.public_id, quantity="10").public_id


# logistics: transport (lanes, shipments)
TRANSPORT_WIDE = (
    "a depositor's goods are the company's: every member with stock.manage ships them "
    "(no owner); the warehouses' staff see them too"
)


@once
def transport_lot(c: Ctx) -> object:
    """100 t of the mill's sugar received at a port yard run by a warehouse company; a
    park in Shandong run by the same company is where it ships to."""
    from mercator.logistics.services import inbound_book, inbound_receive, warehouse_create

    ops = operator()
    store = CompanyFactory(short_name="钦州港仓储")
    store.verification_status = Company.Verification.VERIFIED
    store.save(update_fields=["verification_status"])
    yard = warehouse_create(
        actor=ops,
        operator_id=store.public_id,
        code="iso-qinzhou",
        name="钦州堆场",
        province="广西",
        city="钦州",
        capacity="100000",
        capacity_unit="t",
    )
    park = warehouse_create(
        actor=ops,
        operator_id=store.public_id,
        code="iso-linyi",
        name="临沂物流园",
        province="山东",
        city="临沂",
        capacity="100000",
        capacity_unit="t",
    )
    c.built["transport_park"] = str(park.public_id)
    inbound = inbound_book(
        actor=c.boss, warehouse_id=yard.public_id, sku_id=c.w.sku.public_id, quantity="100"
    )
    lot = inbound_receive(
        actor=c.actor(master_of(store)),
        inbound_id=inbound.public_id,
        quantity="100",
        inspection="passed",
    )
    return lot.public_id


@once
def transport_shipment(c: Ctx) -> object:
    from mercator.logistics.services import shipment_create

    lot_id = transport_lot(c)
    made = shipment_create(
        actor=c.boss,
        lot_id=lot_id,
        quantity="10",
        destination_id=c.built["transport_park"],
        mode="truck",
    )
    return made.public_id


@once
def transport_lane(c: Ctx) -> object:
    from mercator.logistics.services import lane_create

    lane = lane_create(
        actor=operator(),
        origin_province="广西",
        destination_province="山东",
        mode="ship",
        transit_days_min=14,
        transit_days_max=21,
        price_per_tonne="120",
    )
    return lane.public_id


LANES_PUBLIC = "a lane is read by every member (GET /lanes); only operators change it"


GROUPBUY_COMPANY_WIDE = (
    "a seller's group buy is the company's: every member who sells manages it (no owner)"
)


def _rcpt_store_lot(c: Ctx, quantity: str) -> Any:
    """A lot of the mill's sugar received into a bonded yard run by a third company."""
    from mercator.logistics.models import Lot, Warehouse
    from mercator.logistics.services import inbound_book, inbound_receive, warehouse_create
    from tests.trading.conftest import verify

    if "rcpt_store" not in c.parties:
        store = verify(CompanyFactory(short_name="钦州港仓储"))
        c.parties["rcpt_store"] = store
        c.built["rcpt_warehouse"] = warehouse_create(
            actor=operator(),
            operator_id=store.public_id,
            code=f"qz-yard-{store.pk}",
            name="钦州港保税堆场",
            kind=Warehouse.Kind.PORT,
            province="广西",
            city="钦州",
            capacity="10000",
            capacity_unit="t",
        )
    store_boss = master_of(c.parties["rcpt_store"])
    inbound = inbound_book(
        actor=c.boss,
        warehouse_id=c.built["rcpt_warehouse"].public_id,
        sku_id=c.w.sku.public_id,
        quantity=quantity,
    )
    return inbound_receive(
        actor=c.actor(store_boss),
        inbound_id=inbound.public_id,
        quantity=quantity,
        inspection=Lot.Inspection.PASSED,
    )


@once
def rcpt_lot(c: Ctx) -> object:
    """A lot of the mill without a receipt: its warehouse's staff may issue one."""
    return _rcpt_store_lot(c, "30").public_id


@once
def rcpt_receipt(c: Ctx) -> object:
    """A receipt the mill holds, issued by the yard on another lot."""
    from mercator.logistics.services import receipt_issue

    lot = _rcpt_store_lot(c, "50")
    store_boss = master_of(c.parties["rcpt_store"])
    return receipt_issue(actor=c.actor(store_boss), lot_id=lot.public_id).public_id


RCPT_WIDE = (
    "a warehouse receipt is its holder company's (and its pledgee's, and its warehouse's): "
    "every member who manages stock acts on it, no owner"
)
RCPT_LOT_WIDE = (
    "a stored lot is its depositor's, company-wide; issuing its receipt is the warehouse "
    "staff's (the depositor too gets 404)"
)


@once
def lot_listing(c: Ctx) -> object:
    """A listing the mill sells from a lot in a partner's warehouse (logistics)."""
    from mercator.logistics.models import Lot
    from mercator.logistics.services import (
        inbound_book,
        inbound_receive,
        lot_list,
        warehouse_create,
    )
    from tests.trading.conftest import verify

    store = verify(CompanyFactory(short_name="崇左糖仓"))
    warehouse = warehouse_create(
        actor=operator(),
        operator_id=store.public_id,
        code=f"cz-sugar-{store.pk}",
        name="崇左糖仓",
        province="广西",
        capacity="10000",
        capacity_unit="t",
    )
    inbound = inbound_book(
        actor=c.boss, warehouse_id=warehouse.public_id, sku_id=c.w.sku.public_id, quantity="100"
    )
    lot = inbound_receive(
        actor=c.actor(master_of(store)),
        inbound_id=inbound.public_id,
        quantity="100",
        inspection=Lot.Inspection.PASSED,
    )
    return lot_list(actor=c.boss, lot_id=lot.public_id, quantity="10").public_id


# fieldsales: markets, targets, visits, reps, reasons (the mill runs a field team: its rep
# holds a target of the market; its boss manages him)
FIELD_CLERK = Clerk("mill", Role.FIELD_REP)  # may do field work, but is no rep: sees none


@once
def fs_rep(c: Ctx) -> object:
    from mercator.fieldsales.services.reps import rep_create

    seat = add_member(c.w.mill, Role.FIELD_REP)
    c.built["fs_rep_seat"] = seat
    return rep_create(actor=operator(), membership_id=seat.public_id).public_id


@once
def fs_target(c: Ctx) -> object:
    from mercator.fieldsales.services.markets import market_create
    from mercator.fieldsales.services.targets import target_assign, target_create

    market = market_create(actor=operator(), name="广西食品厂", province="广西")
    c.built["fs_market"] = str(market.public_id)
    target = target_create(actor=operator(), market_id=market.public_id, name="南宁甜蜜食品厂")
    target_assign(actor=operator(), target_id=target.public_id, rep_id=fs_rep(c))
    return target.public_id


@once
def fs_market(c: Ctx) -> object:
    fs_target(c)
    return c.built["fs_market"]


@once
def fs_visit(c: Ctx) -> object:
    from mercator.fieldsales.services.visits import visit_create

    target_id = fs_target(c)
    return visit_create(
        actor=c.actor(c.built["fs_rep_seat"]),
        target_id=target_id,
        visited_on=timezone.localdate(),
        met="黄厂长",
        outcome="positive",
    ).public_id


@once
def fs_reason(c: Ctx) -> object:
    from mercator.fieldsales.services.reasons import reason_create

    return reason_create(actor=operator(), step="conversion", label="价格高").public_id


FIELD_SCOPE = (FIELD_CLERK,)


LOT_WIDE = "a lot is its company's goods: every colleague who manages stock changes its listing"


@once
def commission_plan(c: Ctx) -> object:
    from mercator.fieldsales.services.commission import plan_create

    return plan_create(actor=operator(), name="隔离分润", share_percent="10").public_id


@once
def commission_statement(c: Ctx) -> object:
    """Last month's statement of a rep of the mill's field team (the mill's boss manages
    it), who opened 华南食品: one paid order, run as of next month."""
    from mercator.fieldsales.models import CommissionPlan, Rep, Target, TargetMarket
    from mercator.fieldsales.services.commission import statement_run

    plan = CommissionPlan.objects.get(public_id=commission_plan(c))
    seat = add_member(c.w.mill, Role.FIELD_REP)
    rep = Rep.objects.create(membership=seat, company=c.w.mill, name="隔离地推", plan=plan)
    market = TargetMarket.objects.create(name="隔离市场")
    Target.objects.create(
        market=market,
        name=c.w.food.legal_name,
        company=c.w.food,
        rep=rep,
        opened_by=rep,
        opened_at=timezone.now() - timedelta(days=1),
    )
    order = place(c.w)
    fund_wallet(c.w.food, order.total)
    trading_services.order_pay(
        actor=c.actor(c.w.food_boss), order_id=order.public_id, method="wallet"
    )
    month = timezone.localdate().strftime("%Y-%m")
    later = (timezone.localtime().replace(day=1) + timedelta(days=32)).replace(day=1)
    return statement_run(actor=operator(), month=month, now=later)[0].public_id


TARGETS: dict[tuple[str, str], Target] = {
    # logistics: stock
    ("/lots/{lot_id}", "lot_id"): Target(stock_lot, company_wide=STOCK_WIDE),
    ("/lots/{lot_id}/movements", "lot_id"): Target(stock_lot, company_wide=STOCK_WIDE),
    ("/lots/{lot_id}/fee-preview", "lot_id"): Target(
        stock_lot, company_wide=STOCK_WIDE, query=lambda c: {"quantity": "1"}
    ),
    ("/lots/{lot_id}/list", "lot_id"): Target(stock_lot, company_wide=STOCK_WIDE),
    ("/lots/{lot_id}/releases", "lot_id"): Target(stock_lot, company_wide=STOCK_WIDE),
    ("/releases/{release_id}", "release_id"): Target(stock_release, company_wide=STOCK_WIDE),
    ("/releases/{release_id}/execute", "release_id"): Target(
        stock_release, company_wide=STOCK_WIDE
    ),
    ("/releases/{release_id}/cancel", "release_id"): Target(stock_release, company_wide=STOCK_WIDE),
    # logistics: transport
    ("/lanes/{lane_id}", "lane_id"): Target(transport_lane, public=LANES_PUBLIC),
    ("/lots/{lot_id}/shipments", "lot_id"): Target(transport_lot, company_wide=TRANSPORT_WIDE),
    ("/shipments/{shipment_id}", "shipment_id"): Target(
        transport_shipment, company_wide=TRANSPORT_WIDE
    ),
    ("/shipments/{shipment_id}/depart", "shipment_id"): Target(
        transport_shipment, company_wide=TRANSPORT_WIDE
    ),
    ("/shipments/{shipment_id}/events", "shipment_id"): Target(
        transport_shipment, company_wide=TRANSPORT_WIDE
    ),
    ("/shipments/{shipment_id}/arrive", "shipment_id"): Target(
        transport_shipment, company_wide=TRANSPORT_WIDE
    ),
    ("/shipments/{shipment_id}/receive", "shipment_id"): Target(
        transport_shipment, company_wide=TRANSPORT_WIDE
    ),
    ("/shipments/{shipment_id}/cancel", "shipment_id"): Target(
        transport_shipment, company_wide=TRANSPORT_WIDE
    ),
    # logistics: selling from lots
    ("/lot-listings/{listing_id}/add", "listing_id"): Target(lot_listing, company_wide=LOT_WIDE),
    ("/lot-listings/{listing_id}/unlist", "listing_id"): Target(lot_listing, company_wide=LOT_WIDE),
    # markets: auctions
    ("/auctions/{auction_id}", "auction_id"): Target(auction_draft, company_wide=AUCTION_WIDE),
    ("/auctions/{auction_id}/publish", "auction_id"): Target(
        auction_draft, company_wide=AUCTION_WIDE
    ),
    ("/auctions/{auction_id}/cancel", "auction_id"): Target(
        auction_draft, company_wide=AUCTION_WIDE
    ),
    ("/auctions/{auction_id}/register", "auction_id"): Target(
        auction_draft, company_wide=AUCTION_WIDE
    ),
    ("/auctions/{auction_id}/bids", "auction_id"): Target(auction_draft, company_wide=AUCTION_WIDE),
    ("/auctions/{auction_id}/live", "auction_id"): Target(auction_draft, company_wide=AUCTION_WIDE),
    ("/ops/auctions/{auction_id}/cancel", "auction_id"): Target(
        auction_draft,
        company_wide="the operators' desk: every company member gets 404",
        owner="operator",
    ),
    # fieldsales: markets, targets, visits, reps, reasons
    ("/fieldsales/markets/{market_id}", "market_id"): Target(fs_market, clerks=FIELD_SCOPE),
    ("/fieldsales/targets/{target_id}", "target_id"): Target(fs_target, clerks=FIELD_SCOPE),
    ("/fieldsales/targets/{target_id}/assign", "target_id"): Target(fs_target, clerks=FIELD_SCOPE),
    ("/fieldsales/targets/{target_id}/key-persons", "target_id"): Target(
        fs_target, clerks=FIELD_SCOPE
    ),
    ("/fieldsales/targets/{target_id}/open-account", "target_id"): Target(
        fs_target, clerks=FIELD_SCOPE
    ),
    ("/fieldsales/targets/{target_id}/reasons", "target_id"): Target(fs_target, clerks=FIELD_SCOPE),
    ("/fieldsales/targets/{target_id}/visits", "target_id"): Target(fs_target, clerks=FIELD_SCOPE),
    ("/fieldsales/visits/{visit_id}", "visit_id"): Target(fs_visit, clerks=FIELD_SCOPE),
    ("/fieldsales/reps/{rep_id}", "rep_id"): Target(fs_rep, clerks=FIELD_SCOPE),
    ("/fieldsales/reasons/{reason_id}", "reason_id"): Target(
        fs_reason,
        public="the reasons list is read by every field rep; only operators change it",
    ),
    # community
    ("/community/posts/{post_id}", "post_id"): Target(
        community_post,
        clerks=(MILL_CLERK,),
        public="community posts are read by every company; only the author edits or deletes",
    ),
    ("/community/posts/{post_id}/replies", "post_id"): Target(
        community_hidden_post, public=COMMUNITY_SHARED
    ),
    ("/community/posts/{post_id}/like", "post_id"): Target(
        community_hidden_post, public=COMMUNITY_SHARED
    ),
    ("/community/posts/{post_id}/follow", "post_id"): Target(
        community_hidden_post, public=COMMUNITY_SHARED
    ),
    ("/community/posts/{post_id}/helpful", "post_id"): Target(
        community_hidden_post, public=COMMUNITY_SHARED
    ),
    ("/community/posts/{post_id}/report", "post_id"): Target(
        community_hidden_post, public=COMMUNITY_SHARED
    ),
    ("/ops/community/posts/{post_id}/hide", "post_id"): Target(
        community_post, company_wide=COMMUNITY_OPS, owner="operator"
    ),
    ("/ops/community/posts/{post_id}/unhide", "post_id"): Target(
        community_post, company_wide=COMMUNITY_OPS, owner="operator"
    ),
    ("/ops/community/replies/{reply_id}/hide", "reply_id"): Target(
        community_reply, company_wide=COMMUNITY_OPS, owner="operator"
    ),
    ("/ops/community/replies/{reply_id}/unhide", "reply_id"): Target(
        community_reply, company_wide=COMMUNITY_OPS, owner="operator"
    ),
    ("/ops/community/bans/{ban_id}", "ban_id"): Target(
        community_ban, company_wide=COMMUNITY_OPS, owner="operator"
    ),
    ("/ops/community/words/{word}", "word"): Target(
        community_word, company_wide=COMMUNITY_OPS, owner="operator"
    ),
    # companies
    ("/companies/{company_id}", "company_id"): Target(
        company, company_wide="the company itself: every member reads it"
    ),
    ("/companies/{company_id}/verification", "company_id"): Target(
        company, company_wide="the company's own verification: read by every member"
    ),
    ("/members/{membership_id}", "membership_id"): Target(
        membership, company_wide="colleagues: members.view lists them all"
    ),
    ("/members/{membership_id}/deactivate", "membership_id"): Target(
        membership, company_wide="colleagues: managed with members.manage"
    ),
    ("/members/{membership_id}/reactivate", "membership_id"): Target(
        membership, company_wide="colleagues: managed with members.manage"
    ),
    ("/members/{membership_id}/reassign/preview", "membership_id"): Target(
        membership, company_wide="colleagues: reassigned with customers.reassign"
    ),
    ("/members/{membership_id}/reassign", "membership_id"): Target(
        membership, company_wide="colleagues: reassigned with customers.reassign"
    ),
    ("/roles/{role_id}", "role_id"): Target(
        role, company_wide="the company's roles: defined with roles.manage"
    ),
    ("/invitations/{invitation_id}", "invitation_id"): Target(
        invitation, company_wide="the company's invitations: managed with members.manage"
    ),
    ("/ops/verifications/{verification_id}/approve", "verification_id"): Target(
        verification, clerks=(APPLICANT_CLERK,)
    ),
    ("/ops/verifications/{verification_id}/reject", "verification_id"): Target(
        verification, clerks=(APPLICANT_CLERK,)
    ),
    ("/tokens/{token_id}", "token_id"): Target(token, clerks=(MILL_CLERK,)),
    ("/customers/{customer_id}", "customer_id"): Target(customer, clerks=(MILL_CLERK,)),
    ("/customers/{customer_id}/contacts", "customer_id"): Target(customer, clerks=(MILL_CLERK,)),
    ("/customers/{customer_id}/history", "customer_id"): Target(customer, clerks=(MILL_CLERK,)),
    ("/contacts/{contact_id}", "contact_id"): Target(contact, clerks=(MILL_CLERK,)),
    ("/approval-rules/{rule_id}", "rule_id"): Target(
        approval_rule, company_wide="the company's rules: managed with approvals.manage"
    ),
    ("/approvals/{approval_id}", "approval_id"): Target(approval, clerks=(MILL_CLERK,)),
    ("/approvals/{approval_id}/approve", "approval_id"): Target(approval, clerks=(MILL_CLERK,)),
    ("/approvals/{approval_id}/reject", "approval_id"): Target(approval, clerks=(MILL_CLERK,)),
    ("/approvals/{approval_id}/cancel", "approval_id"): Target(approval, clerks=(MILL_CLERK,)),
    # payments
    ("/payments/intents/{intent_id}", "intent_id"): Target(
        intent,
        company_wide="an intent is the company's: read by whoever pays, views payments or "
        "handles orders",
    ),
    ("/payments/intents/{intent_id}/cancel", "intent_id"): Target(
        intent, company_wide="an intent is the company's: cancelled by whoever pays"
    ),
    ("/payments/transactions/{transaction_id}", "transaction_id"): Target(
        ledger_transaction, company_wide=COMPANY_WIDE_MONEY
    ),
    ("/payments/webhooks/{provider}", "provider"): Target(
        provider,
        public="a gateway's name, not a record: the signature is the authentication "
        "(tests/payments/test_webhooks.py)",
    ),
    ("/payments/credit-lines/{line_id}", "line_id"): Target(
        credit_line, company_wide=COMPANY_WIDE_MONEY
    ),
    ("/payments/receivables/{receivable_id}", "receivable_id"): Target(
        receivable, company_wide=COMPANY_WIDE_MONEY
    ),
    ("/payments/receivables/{receivable_id}/pay", "receivable_id"): Target(
        receivable, company_wide=COMPANY_WIDE_MONEY
    ),
    ("/payments/payouts/{payout_id}", "payout_id"): Target(payout, company_wide=COMPANY_WIDE_MONEY),
    ("/ops/payouts/{payout_id}/mark-paid", "payout_id"): Target(
        payout, clerks=(MILL_CLERK,), owner="operator"
    ),
    ("/ops/payouts/{payout_id}/reject", "payout_id"): Target(
        payout, clerks=(MILL_CLERK,), owner="operator"
    ),
    ("/ops/bank-statements/{statement_id}", "statement_id"): Target(
        bank_statement, clerks=(MILL_CLERK,), owner="operator"
    ),
    ("/ops/bank-statement-lines/{line_id}/resolve", "line_id"): Target(
        bank_line, clerks=(MILL_CLERK,)
    ),
    # membership
    ("/membership/markets/{market}/grades", "market"): Target(
        market, public="a market's ladder: what each grade requires and grants, to every member"
    ),
    ("/membership/ops/markets/{market}/grades", "market"): Target(
        market, public="a market of the platform; only operators add its grades", owner="operator"
    ),
    ("/membership/ops/markets/{market}/scoring", "market"): Target(
        market, public="a market of the platform; only operators read its rules", owner="operator"
    ),
    ("/membership/ops/grades/{grade_id}", "grade_id"): Target(
        grade, clerks=(MILL_CLERK,), owner="operator"
    ),
    ("/membership/ops/appeals/{appeal_id}/decide", "appeal_id"): Target(
        appeal, clerks=(MILL_CLERK,), owner="operator"
    ),
    # catalog
    ("/markets/{market_id}", "market_id"): Target(
        market, public="a market of the platform, listed to everyone (GET /markets)"
    ),
    ("/categories/{category_id}", "category_id"): Target(
        category, public="a category of the platform, listed to everyone (GET /categories)"
    ),
    ("/listings/{listing_id}", "listing_id"): Target(
        listing, public="the public market: an active listing of a verified seller"
    ),
    ("/catalog/products/{product_id}", "product_id"): Target(
        product, company_wide=COMPANY_WIDE_CATALOG
    ),
    ("/catalog/skus/{sku_id}", "sku_id"): Target(sku, company_wide=COMPANY_WIDE_CATALOG),
    ("/catalog/listings/{listing_id}", "listing_id"): Target(
        listing, company_wide=COMPANY_WIDE_CATALOG
    ),
    ("/catalog/listings/{listing_id}/stock", "listing_id"): Target(
        listing, company_wide=COMPANY_WIDE_CATALOG
    ),
    ("/catalog/listings/{listing_id}/pause", "listing_id"): Target(
        listing, company_wide=COMPANY_WIDE_CATALOG
    ),
    ("/catalog/listings/{listing_id}/resume", "listing_id"): Target(
        listing, company_wide=COMPANY_WIDE_CATALOG
    ),
    ("/catalog/imports/{job_id}", "job_id"): Target(
        import_job, company_wide="the company's catalog imports, like its catalog"
    ),
    # pricing
    ("/pricing/classes/{class_id}", "class_id"): Target(
        customer_class, company_wide=COMPANY_WIDE_PRICING
    ),
    ("/pricing/assignments/{buyer_id}", "buyer_id"): Target(
        class_assignment, company_wide=COMPANY_WIDE_PRICING
    ),
    ("/pricing/lists/{list_id}", "list_id"): Target(price_list, company_wide=COMPANY_WIDE_PRICING),
    ("/pricing/lists/{list_id}/rules", "list_id"): Target(
        price_list,
        company_wide=COMPANY_WIDE_PRICING,
        query=lambda c: {"sku": str(c.w.sku.public_id), "min_qty": "0"},
    ),
    ("/pricing/customer-prices/{price_id}", "price_id"): Target(
        customer_price, company_wide=COMPANY_WIDE_PRICING
    ),
    ("/pricing/freight/{rate_id}", "rate_id"): Target(
        freight_rate, company_wide=COMPANY_WIDE_PRICING
    ),
    # trading
    ("/inquiries/{inquiry_id}", "inquiry_id"): Target(inquiry, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/inquiries/{inquiry_id}/answer", "inquiry_id"): Target(
        inquiry, clerks=(MILL_CLERK, FOOD_CLERK)
    ),
    ("/inquiries/{inquiry_id}/assign", "inquiry_id"): Target(
        inquiry, clerks=(MILL_CLERK, FOOD_CLERK)
    ),
    ("/inquiries/{inquiry_id}/close", "inquiry_id"): Target(
        inquiry, clerks=(MILL_CLERK, FOOD_CLERK)
    ),
    # An RFQ invites seller companies, so on the seller side every clerk may quote on it;
    # on the buyer side it is its owner's.
    ("/rfqs/{rfq_id}", "rfq_id"): Target(rfq, clerks=(FOOD_CLERK,)),
    ("/rfqs/{rfq_id}/quotes", "rfq_id"): Target(rfq, clerks=(FOOD_CLERK,)),
    ("/rfqs/{rfq_id}/award", "rfq_id"): Target(rfq, clerks=(FOOD_CLERK,)),
    ("/rfqs/{rfq_id}/cancel", "rfq_id"): Target(rfq, clerks=(FOOD_CLERK,)),
    ("/quotes/{quote_id}", "quote_id"): Target(quote, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/quotes/{quote_id}/send", "quote_id"): Target(quote, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/quotes/{quote_id}/counter", "quote_id"): Target(quote, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/quotes/{quote_id}/accept", "quote_id"): Target(quote, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/quotes/{quote_id}/reject", "quote_id"): Target(quote, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/quotes/{quote_id}/withdraw", "quote_id"): Target(quote, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/orders/{order_id}", "order_id"): Target(order, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/orders/{order_id}/pay", "order_id"): Target(order, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/orders/{order_id}/ship", "order_id"): Target(order, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/orders/{order_id}/receive", "order_id"): Target(order, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/orders/{order_id}/cancel", "order_id"): Target(order, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/orders/{order_id}/dispute", "order_id"): Target(order, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/orders/{order_id}/resolve", "order_id"): Target(order, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/orders/{order_id}/invoice", "order_id"): Target(
        settled_order, clerks=(MILL_CLERK, FOOD_CLERK)
    ),
    ("/orders/{order_id}/rating", "order_id"): Target(
        settled_order, clerks=(MILL_CLERK, FOOD_CLERK)
    ),
    ("/orders/{order_id}/ratings", "order_id"): Target(
        settled_order, clerks=(MILL_CLERK, FOOD_CLERK)
    ),
    ("/orders/{order_id}/complaints", "order_id"): Target(
        settled_order, clerks=(MILL_CLERK, FOOD_CLERK)
    ),
    ("/ops/complaints/{complaint_id}/resolve", "complaint_id"): Target(
        complaint, clerks=(MILL_CLERK,), owner="operator"
    ),
    ("/companies/{company_id}/card", "company_id"): Target(
        company,
        public="a company's public card: aggregates any signed-in member may read, no "
        "comment (tests/trading/test_ratings.py)",
    ),
    ("/cart/{listing_id}", "listing_id"): Target(cart_item, clerks=(FOOD_CLERK,)),
    # markets: group buys
    **{
        (path, "groupbuy_id"): Target(groupbuy, company_wide=GROUPBUY_COMPANY_WIDE)
        for path in (
            "/group-buys/{groupbuy_id}",
            "/group-buys/{groupbuy_id}/publish",
            "/group-buys/{groupbuy_id}/cancel",
            "/group-buys/{groupbuy_id}/commit",
            "/group-buys/{groupbuy_id}/change",
            "/group-buys/{groupbuy_id}/withdraw",
        )
    },
    ("/invoices/{invoice_id}", "invoice_id"): Target(invoice, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/invoices/{invoice_id}/pdf", "invoice_id"): Target(invoice, clerks=(MILL_CLERK, FOOD_CLERK)),
    ("/invoices/{invoice_id}/reverse", "invoice_id"): Target(
        invoice, clerks=(MILL_CLERK, FOOD_CLERK)
    ),
    # markets: proposals
    ("/proposals/{proposal_id}", "proposal_id"): Target(proposal, company_wide=SELLERS_PROPOSALS),
    ("/proposals/{proposal_id}/draft", "proposal_id"): Target(
        proposal, company_wide=SELLERS_PROPOSALS
    ),
    ("/proposals/{proposal_id}/dismiss", "proposal_id"): Target(
        proposal, company_wide=SELLERS_PROPOSALS
    ),
    ("/forwards/offers/{offer_id}", "offer_id"): Target(forward_offer, public=FORWARD_OFFER),
    ("/forwards/offers/{offer_id}/months", "offer_id"): Target(forward_offer, public=FORWARD_OFFER),
    ("/forwards/offers/{offer_id}/close", "offer_id"): Target(forward_offer, public=FORWARD_OFFER),
    ("/forwards/offers/{offer_id}/demands", "offer_id"): Target(
        forward_offer, public=FORWARD_OFFER
    ),
    ("/forwards/offers/{offer_id}/take", "offer_id"): Target(forward_offer, public=FORWARD_OFFER),
    ("/forwards/offers/{offer_id}/accept-at", "offer_id"): Target(
        forward_offer, public=FORWARD_OFFER
    ),
    ("/forwards/offers/{offer_id}/book", "offer_id"): Target(
        forward_offer, company_wide=FORWARD_SELLER
    ),
    ("/forwards/demands/{demand_id}/withdraw", "demand_id"): Target(
        forward_demand, company_wide=FORWARD_DEMAND, owner="food_boss"
    ),
    ("/forwards/demands/{demand_id}/accept", "demand_id"): Target(
        forward_demand, company_wide=FORWARD_SELLER
    ),
    ("/forwards/demands/{demand_id}/decline", "demand_id"): Target(
        forward_demand, company_wide=FORWARD_SELLER
    ),
    ("/forwards/contracts/{contract_id}", "contract_id"): Target(
        forward_contract, company_wide=FORWARD_CONTRACT
    ),
    ("/forwards/contracts/{contract_id}/convert", "contract_id"): Target(
        forward_contract, company_wide=FORWARD_CONTRACT
    ),
    # logistics: warehouses (wh)
    ("/warehouses/{warehouse_id}", "warehouse_id"): Target(wh_warehouse, public=WH_PUBLIC),
    ("/warehouses/{warehouse_id}/policies", "warehouse_id"): Target(wh_warehouse, public=WH_PUBLIC),
    ("/inbounds/{inbound_id}", "inbound_id"): Target(wh_inbound, company_wide=WH_INBOUND),
    ("/inbounds/{inbound_id}/receive", "inbound_id"): Target(wh_inbound, company_wide=WH_INBOUND),
    ("/inbounds/{inbound_id}/cancel", "inbound_id"): Target(wh_inbound, company_wide=WH_INBOUND),
    ("/stocktakes/{stocktake_id}", "stocktake_id"): Target(wh_stocktake, clerks=WH_STAFF),
    ("/stocktakes/{stocktake_id}/lines/{line}/adjust", "stocktake_id"): Target(
        wh_stocktake, clerks=WH_STAFF
    ),
    ("/stocktakes/{stocktake_id}/lines/{line}/adjust", "line"): Target(
        wh_stocktake_line, clerks=WH_STAFF
    ),
    ("/lots/{lot_id}/documents", "lot_id"): Target(wh_lot, company_wide=WH_LOT),
    ("/lot-documents/{document_id}", "document_id"): Target(wh_lot_document, company_wide=WH_LOT),
    # pushes: reorder, standing orders, the rep's pushed orders
    ("/orders/{order_id}/reorder", "order_id"): Target(order, clerks=(MILL_CLERK, FOOD_CLERK)),
    **{
        (path, "standing_id"): Target(standing_order, clerks=(FOOD_CLERK,), owner="food_boss")
        for path in (
            "/standing-orders/{standing_id}",
            "/standing-orders/{standing_id}/pause",
            "/standing-orders/{standing_id}/resume",
            "/standing-orders/{standing_id}/end",
        )
    },
    **{
        (path, "push_id"): Target(
            push,
            company_wide="a push is proposed to the customer company: every member sees it "
            "(accepting needs orders.place); the rep's side sees it through the rep registry",
            owner="food_boss",
        )
        for path in (
            "/pushes/{push_id}",
            "/pushes/{push_id}/accept",
            "/pushes/{push_id}/decline",
            "/pushes/{push_id}/withdraw",
        )
    },
    # logistics: warehouse receipts
    ("/lots/{lot_id}/receipt", "lot_id"): Target(rcpt_lot, company_wide=RCPT_LOT_WIDE),
    **{
        (path, "receipt_id"): Target(rcpt_receipt, company_wide=RCPT_WIDE)
        for path in (
            "/receipts/{receipt_id}",
            "/receipts/{receipt_id}/transfer",
            "/receipts/{receipt_id}/pledge",
            "/receipts/{receipt_id}/unpledge",
            "/receipts/{receipt_id}/cancel",
        )
    },
    # fieldsales: commission
    **{
        (path, "plan_id"): Target(commission_plan, clerks=(MILL_CLERK,), owner="operator")
        for path in ("/fieldsales/plans/{plan_id}", "/fieldsales/plans/{plan_id}/reps")
    },
    ("/fieldsales/statements/{statement_id}", "statement_id"): Target(
        commission_statement, clerks=(MILL_CLERK,)
    ),
    **{
        (path, "statement_id"): Target(commission_statement, clerks=(MILL_CLERK,), owner="operator")
        for path in (
            "/fieldsales/statements/{statement_id}/issue",
            "/fieldsales/statements/{statement_id}/pay",
        )
    },
    # The four rates' drill-down: {step} names a step of the funnel, not a record; every
    # caller gets only the companies credited to the reps he may see (none for them).
    ("/fieldsales/rates/{step}/companies", "step"): Target(
        lambda ctx: "coverage",
        public="a funnel step's name; the list is scoped to the caller's own reps",
        owner="operator",
    ),
}


# -------------------------------------------------------------------------- bodies

# A body the rightful member could send. Ids in a body name the caller's own colleague
# (``me``) where the operation names a member, or company A's objects otherwise.
Body = Callable[[Ctx, Membership], dict[str, Any]]
BODIES: dict[tuple[str, str], Body] = {
    ("POST", "/lots/{lot_id}/list"): lambda c, me: {"quantity": "1"},
    ("POST", "/lots/{lot_id}/releases"): lambda c, me: {"quantity": "1"},
    ("POST", "/releases/{release_id}/execute"): lambda c, me: {"quantity": "1"},
    ("PATCH", "/lanes/{lane_id}"): lambda c, me: {"price_per_tonne": "99"},
    ("POST", "/lots/{lot_id}/shipments"): lambda c, me: {
        "quantity": "5",
        "destination": c.built["transport_park"],
        "mode": "truck",
    },
    ("POST", "/shipments/{shipment_id}/depart"): lambda c, me: {},
    ("POST", "/shipments/{shipment_id}/events"): lambda c, me: {"note": "到港"},
    ("POST", "/shipments/{shipment_id}/arrive"): lambda c, me: {},
    ("POST", "/shipments/{shipment_id}/receive"): lambda c, me: {"inspection": "passed"},
    ("POST", "/shipments/{shipment_id}/cancel"): lambda c, me: {"reason": "改期"},
    ("POST", "/lot-listings/{listing_id}/add"): lambda c, me: {"quantity": "1"},
    ("PATCH", "/auctions/{auction_id}"): lambda c, me: {"title": "改"},
    ("POST", "/auctions/{auction_id}/cancel"): lambda c, me: {"reason": ""},
    ("POST", "/auctions/{auction_id}/register"): lambda c, me: {},
    ("POST", "/auctions/{auction_id}/bids"): lambda c, me: {"price": "5000"},
    ("POST", "/ops/auctions/{auction_id}/cancel"): lambda c, me: {"reason": ""},
    ("PATCH", "/community/posts/{post_id}"): lambda c, me: {"title": "改", "body": "改"},
    ("POST", "/community/posts/{post_id}/replies"): lambda c, me: {"body": "回复"},
    ("POST", "/community/posts/{post_id}/helpful"): lambda c, me: {},
    ("POST", "/community/posts/{post_id}/report"): lambda c, me: {"reason": "广告"},
    ("POST", "/ops/community/posts/{post_id}/hide"): lambda c, me: {"reason": "违规"},
    ("POST", "/ops/community/posts/{post_id}/unhide"): lambda c, me: {"reason": ""},
    ("POST", "/ops/community/replies/{reply_id}/hide"): lambda c, me: {"reason": "违规"},
    ("POST", "/ops/community/replies/{reply_id}/unhide"): lambda c, me: {"reason": ""},
    ("PATCH", "/companies/{company_id}"): lambda c, me: {"city": "南宁"},
    ("POST", "/companies/{company_id}/verification"): lambda c, me: dict(VERIFICATION),
    ("PATCH", "/members/{membership_id}"): lambda c, me: {"title": "业务员"},
    ("PATCH", "/roles/{role_id}"): lambda c, me: {"name": "仓管"},
    ("POST", "/ops/verifications/{verification_id}/approve"): lambda c, me: {"reason": ""},
    ("POST", "/ops/verifications/{verification_id}/reject"): lambda c, me: {"reason": "不清晰"},
    ("PATCH", "/customers/{customer_id}"): lambda c, me: {"phone": "13900000000"},
    ("POST", "/customers/{customer_id}/contacts"): lambda c, me: {"name": "王会计"},
    ("PATCH", "/contacts/{contact_id}"): lambda c, me: {"phone": "13700000000"},
    ("POST", "/members/{membership_id}/reassign/preview"): lambda c, me: {
        "to": [str(me.public_id)]
    },
    ("POST", "/members/{membership_id}/reassign"): lambda c, me: {"to": [str(me.public_id)]},
    ("PATCH", "/approval-rules/{rule_id}"): lambda c, me: {"name": "折扣超过 6%"},
    ("POST", "/approvals/{approval_id}/approve"): lambda c, me: {"comment": "同意"},
    ("POST", "/approvals/{approval_id}/reject"): lambda c, me: {"comment": "折扣太大"},
    ("PATCH", "/payments/credit-lines/{line_id}"): lambda c, me: {"limit": "200000.00"},
    ("POST", "/payments/receivables/{receivable_id}/pay"): lambda c, me: {"method": "wallet"},
    ("POST", "/ops/bank-statement-lines/{line_id}/resolve"): lambda c, me: {"note": "已核对"},
    ("POST", "/ops/payouts/{payout_id}/mark-paid"): lambda c, me: {"bank_reference": "ICBC-1"},
    ("POST", "/ops/payouts/{payout_id}/reject"): lambda c, me: {"reason": "户名不符"},
    ("PATCH", "/markets/{market_id}"): lambda c, me: {"name": "白糖"},
    ("POST", "/membership/ops/markets/{market}/grades"): lambda c, me: {
        "code": "diamond",
        "name": "钻石",
        "rank": 9,
        "min_points": "9000",
    },
    ("PUT", "/membership/ops/markets/{market}/scoring"): lambda c, me: {"window_days": 200},
    ("PATCH", "/membership/ops/grades/{grade_id}"): lambda c, me: {"name": "金卡"},
    ("POST", "/membership/ops/appeals/{appeal_id}/decide"): lambda c, me: {
        "accept": False,
        "note": "闲置属实",
    },
    ("PATCH", "/categories/{category_id}"): lambda c, me: {"name": "白糖"},
    ("PATCH", "/catalog/products/{product_id}"): lambda c, me: {"name": "一级白砂糖（新）"},
    ("PATCH", "/catalog/skus/{sku_id}"): lambda c, me: {"name": "25kg 袋装"},
    ("PATCH", "/catalog/listings/{listing_id}"): lambda c, me: {"lead_days": 5},
    ("POST", "/catalog/listings/{listing_id}/stock"): lambda c, me: {"delta": "-10"},
    ("PATCH", "/pricing/classes/{class_id}"): lambda c, me: {"name": "老客户"},
    ("PUT", "/pricing/assignments/{buyer_id}"): lambda c, me: {"customer_class": customer_class(c)},
    ("PATCH", "/pricing/lists/{list_id}"): lambda c, me: {"priority": 10},
    ("PUT", "/pricing/lists/{list_id}/rules"): lambda c, me: {
        "sku": str(c.w.sku.public_id),
        "min_qty": "50",
        "unit_price": "4900",
    },
    ("PATCH", "/pricing/customer-prices/{price_id}"): lambda c, me: {"unit_price": "4800"},
    ("PATCH", "/pricing/freight/{rate_id}"): lambda c, me: {"per_unit": "35"},
    ("POST", "/inquiries/{inquiry_id}/answer"): lambda c, me: {"body": "5080 元/吨，含运费。"},
    ("POST", "/inquiries/{inquiry_id}/assign"): lambda c, me: {"member": str(me.public_id)},
    ("POST", "/rfqs/{rfq_id}/award"): lambda c, me: {"quote": quote(c), "comment": ""},
    ("POST", "/quotes/{quote_id}/send"): lambda c, me: {"comment": ""},
    ("POST", "/quotes/{quote_id}/counter"): lambda c, me: {
        "lines": [{"position": 1, "unit_price": "4900"}],
        "comment": "再便宜点",
    },
    ("POST", "/quotes/{quote_id}/accept"): lambda c, me: {"comment": ""},
    ("POST", "/quotes/{quote_id}/reject"): lambda c, me: {"comment": "太贵"},
    ("POST", "/orders/{order_id}/pay"): lambda c, me: {"method": "wallet"},
    ("POST", "/orders/{order_id}/ship"): lambda c, me: {"carrier": "顺丰", "tracking_no": "SF1"},
    ("POST", "/orders/{order_id}/receive"): lambda c, me: {},
    ("POST", "/orders/{order_id}/cancel"): lambda c, me: {"reason": "客户取消"},
    ("POST", "/orders/{order_id}/reorder"): lambda c, me: {"mode": "cart"},
    ("POST", "/pushes/{push_id}/accept"): lambda c, me: {},
    ("POST", "/orders/{order_id}/dispute"): lambda c, me: {"reason": "货少了"},
    ("POST", "/orders/{order_id}/resolve"): lambda c, me: {"refund_amount": "100.00"},
    ("PATCH", "/cart/{listing_id}"): lambda c, me: {"quantity": "20"},
    ("POST", "/orders/{order_id}/rating"): lambda c, me: {
        "quality": 5,
        "delivery": 4,
        "service": 5,
        "comment": "好",
    },
    ("PATCH", "/orders/{order_id}/rating"): lambda c, me: {"payment": 5, "service": 4},
    ("POST", "/orders/{order_id}/complaints"): lambda c, me: {"category": "late", "text": "晚"},
    ("POST", "/ops/complaints/{complaint_id}/resolve"): lambda c, me: {
        "decision": "upheld",
        "note": "属实",
    },
    ("POST", "/invoices/{invoice_id}/reverse"): lambda c, me: {"reason": "开错了"},
    ("PATCH", "/group-buys/{groupbuy_id}"): lambda c, me: {"title": "改"},
    ("POST", "/group-buys/{groupbuy_id}/cancel"): lambda c, me: {"reason": ""},
    ("POST", "/group-buys/{groupbuy_id}/commit"): lambda c, me: {"quantity": "50"},
    ("POST", "/group-buys/{groupbuy_id}/change"): lambda c, me: {"quantity": "60"},
    ("POST", "/warehouses/{warehouse_id}/policies"): lambda c, me: {
        "kind": "per_day",
        "rate_per_day": "1",
    },
    ("POST", "/inbounds/{inbound_id}/receive"): lambda c, me: {
        "quantity": "50",
        "inspection": "passed",
    },
    ("POST", "/stocktakes/{stocktake_id}/lines/{line}/adjust"): lambda c, me: {"reason": "损耗"},
    ("POST", "/lots/{lot_id}/documents"): lambda c, me: {},
    ("POST", "/receipts/{receipt_id}/transfer"): lambda c, me: {
        "to_company_id": str(c.w.food.public_id),
        "ref": "HT-1",
    },
    ("POST", "/receipts/{receipt_id}/pledge"): lambda c, me: {
        "pledgee_id": str(c.w.food.public_id),
        "ref": "JK-1",
    },
    ("POST", "/receipts/{receipt_id}/unpledge"): lambda c, me: {"note": ""},
    ("POST", "/receipts/{receipt_id}/cancel"): lambda c, me: {"reason": ""},
    ("PATCH", "/fieldsales/plans/{plan_id}"): lambda c, me: {"share_percent": "12"},
    ("POST", "/fieldsales/plans/{plan_id}/reps"): lambda c, me: {
        "rep": str(me.public_id)  # any id: a non-operator is refused before it is read
    },
    ("PATCH", "/fieldsales/markets/{market_id}"): lambda c, me: {"name": "改"},
    ("POST", "/fieldsales/targets/{target_id}/assign"): lambda c, me: {"rep": fs_rep(c)},
    ("POST", "/fieldsales/targets/{target_id}/key-persons"): lambda c, me: {
        "rank": 1,
        "name": "黄厂长",
    },
    ("POST", "/fieldsales/targets/{target_id}/open-account"): lambda c, me: {
        "boss_email": "boss@tianmi.example"
    },
    ("POST", "/fieldsales/targets/{target_id}/reasons"): lambda c, me: {
        "step": "coverage",
        "text": "不需要",
    },
    ("POST", "/fieldsales/targets/{target_id}/visits"): lambda c, me: {
        "visited_on": str(timezone.localdate()),
        "met": "门卫",
        "outcome": "neutral",
    },
    ("PATCH", "/fieldsales/reps/{rep_id}"): lambda c, me: {"phone": "13900000000"},
    ("PATCH", "/fieldsales/reasons/{reason_id}"): lambda c, me: {"label": "太贵"},
}


# ------------------------------------------------------------------------ machinery


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the template without the /api/v1 prefix
    params: tuple[str, ...]
    has_body: bool

    def __str__(self) -> str:
        return f"{self.method} {PREFIX}{self.path}"


@functools.cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the OpenAPI document with a parameter in its path (the
    document is built once per process: it takes seconds)."""
    spec = Client().get(f"{PREFIX}/openapi.json").json()
    found = []
    for full, item in spec["paths"].items():
        path = full.removeprefix(PREFIX)
        for method, op in item.items():
            params = tuple(p["name"] for p in op.get("parameters", []) if p["in"] == "path")
            if params:
                found.append(Operation(method.upper(), path, params, "requestBody" in op))
    return tuple(found)


# Rows written by any authenticated request, whatever it answers: the member's activity
# for the boss's report (at most once a minute) and a token's last use.
IGNORED_MODELS = {"companies.ActivityDay"}
IGNORED_FIELDS = {"companies.ApiToken": {"last_used_at"}}


@functools.cache
def _table_queries() -> tuple[tuple[str, str], ...]:
    """One ``SELECT`` of every column (but the ignored ones) per model, by primary key."""
    queries = []
    quote = connection.ops.quote_name
    for model in apps.get_models():
        label = model._meta.label
        if label in IGNORED_MODELS or not model._meta.managed or model._meta.proxy:
            continue
        skip = IGNORED_FIELDS.get(label, set())
        columns = ", ".join(
            quote(f.column) for f in model._meta.concrete_fields if f.name not in skip
        )
        pk = quote(model._meta.pk.column)
        queries.append(
            (label, f"SELECT {columns} FROM {quote(model._meta.db_table)} ORDER BY {pk}")
        )
    return tuple(queries)


def snapshot() -> dict[str, str]:
    """A digest of every row of every model."""
    digests = {}
    with connection.cursor() as cursor:
        for label, sql in _table_queries():
            cursor.execute(sql)
            rows = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in cursor.fetchall()
            ]
            digests[label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(label for label in after if before.get(label) != after[label])


def call(client: Client, op: Operation, url: str, body: dict[str, Any] | None) -> Any:
    send = getattr(client, op.method.lower())
    if body is None:
        return send(url)
    return send(url, body, content_type="application/json")


def verdict(response: Any) -> str:
    """What is wrong with an answer that should be a 404 (empty when nothing)."""
    if response.status_code != 404:
        return f"answered {response.status_code}: {response.content[:200]!r}"
    try:
        data = response.json()
    except ValueError:
        return f"404 without the error shape: {response.content[:200]!r}"
    if not isinstance(data, dict) or set(data) != {"code", "message", "details"}:
        return f"404 without the error shape: {data!r}"
    if data["code"] != "not_found":
        return f"404 with code {data['code']!r} instead of 'not_found'"
    return ""


def url_of(ctx: Ctx, op: Operation) -> str:
    """The operation's URL for the objects its factories build (and its query, if any)."""
    url = op.path
    for param in op.params:
        url = url.replace("{" + param + "}", TARGETS[(op.path, param)].make(ctx))
    query = TARGETS[(op.path, op.params[0])].query
    if query is not None:
        url += "?" + "&".join(f"{k}={v}" for k, v in query(ctx).items())
    return PREFIX + url


def is_public(op: Operation) -> bool:
    return any(TARGETS[(op.path, p)].public for p in op.params)


def clerks_of(op: Operation) -> list[Clerk]:
    return sorted({c for p in op.params for c in TARGETS[(op.path, p)].clerks}, key=str)


def refused(response: Any) -> str:
    """What is wrong with an answer that should refuse a write (empty when nothing)."""
    if not 400 <= response.status_code < 500:
        return f"answered {response.status_code}: {response.content[:200]!r}"
    data = response.json()
    if not isinstance(data, dict) or set(data) != {"code", "message", "details"}:
        return f"{response.status_code} without the error shape: {data!r}"
    return ""


# --------------------------------------------------------------------------- tests


def test_every_path_parameter_has_a_factory(db):
    missing = [
        f"{op}: no TARGETS entry for ({op.path!r}, {param!r})"
        for op in operations()
        for param in op.params
        if (op.path, param) not in TARGETS
    ]
    no_body = [
        f"{op}: no BODIES entry for ({op.method!r}, {op.path!r})"
        for op in operations()
        if op.has_body
        and (op.method, op.path) not in BODIES
        and not any(getattr(TARGETS.get((op.path, p)), "public", "") for p in op.params)
    ]
    stale = sorted(
        set(TARGETS) - {(op.path, p) for op in operations() for p in op.params}
    ) + sorted(set(BODIES) - {(op.method, op.path) for op in operations()})
    problems = missing + no_body + [f"no such operation any more: {key}" for key in stale]
    assert not problems, "add to tests/test_api_isolation.py:\n" + "\n".join(problems)


def test_another_company_and_a_colleague_who_does_not_own_it_get_404(world):  # noqa: F811
    ctx = Ctx(world)
    # A public record's reads are skipped; its writes must still be refused (a 4xx with
    # the error shape, no 404 needed since it is no secret) and write nothing.
    ops = [
        op
        for op in operations()
        if all((op.path, p) in TARGETS for p in op.params)
        and not (op.method == "GET" and is_public(op))
    ]
    # Build every object first, then every caller (a token each), so that nothing the
    # callers do afterwards may write a row.
    urls = {op: url_of(ctx, op) for op in ops}
    outsider = master_of(world.outsider)
    stranger = ("the other company's boss", outsider, bearer_client(outsider))
    colleagues = {}
    for clerk in sorted({c for op in ops for c in clerks_of(op)}, key=str):
        member = ctx.clerk(clerk)
        who = f"a {clerk.role} of the {clerk.party} who does not own it"
        colleagues[clerk] = (who, member, bearer_client(member))
    for _who, _member, client in [stranger, *colleagues.values()]:
        client.get(f"{PREFIX}/me")  # the first request records the day's activity

    failures = []
    before = snapshot()
    for op in ops:
        for who, member, client in [stranger, *(colleagues[c] for c in clerks_of(op))]:
            body = BODIES.get((op.method, op.path), lambda c, me: {})(ctx, member)
            response = call(client, op, urls[op], body if op.has_body else None)
            problem = refused(response) if is_public(op) else verdict(response)
            after = snapshot()
            if written := changed(before, after):
                problem = (problem + "; " if problem else "") + f"wrote to {', '.join(written)}"
            before = after
            if problem:
                failures.append(f"{op} as {who}: {problem}")
    assert not failures, f"{len(failures)} operation(s) leak:\n" + "\n".join(failures)

    # The control: the same URLs are real. Whoever the record belongs to reads it.
    for op in ops:
        if op.method != "GET" or is_public(op):
            continue
        owner = TARGETS[(op.path, op.params[0])].owner
        if owner == "operator":
            client = Client()
            client.force_login(UserFactory(is_staff=True))
        else:
            client = bearer_client(getattr(world, owner))
        response = client.get(urls[op])
        assert response.status_code == 200, (str(op), owner, response.content[:300])


def test_the_snapshot_sees_a_write(world):  # noqa: F811
    """The checksum is not blind: an edit to one row of one table shows up."""
    before = snapshot()
    Membership.objects.filter(pk=world.mill_clerk.pk).update(title="改过")
    assert changed(before, snapshot()) == ["companies.Membership"]


@pytest.mark.parametrize("action", ["cancel", "dispute"])
def test_a_bad_body_on_an_order_he_may_not_see_is_404_not_422(world, action):  # noqa: F811
    """The order is looked up, scoped to the caller, before the body is read: a missing
    reason tells a stranger nothing (it was a 422 ``reason_required`` before)."""
    order_id = place(world).public_id
    for member in (master_of(world.outsider), add_member(world.food, Role.PURCHASING)):
        response = bearer_client(member).post(
            f"{PREFIX}/orders/{order_id}/{action}", {"reason": ""}, content_type="application/json"
        )
        assert verdict(response) == "", (member.role, response.content)
