"""The cart priced before it is placed (结算预览): the cart page and the review step show
exactly what ``order_place_from_cart`` would place, because both go through
``orders.cart_drafts`` (one pricing path, the engine's ``quote_price``) and
``orders.order_totals``. Reads only: nothing is reserved, held or written here."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from mercator.catalog.models import Listing
from mercator.companies.models import Company
from mercator.companies.services.approvals import approval_rules_holding
from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.core.figures import money
from mercator.payments.services.credit import credit_terms_check
from mercator.pricing.models import PaymentTerms
from mercator.trading.models import CartItem, Order, OrderLine
from mercator.trading.services._common import require_verified
from mercator.trading.services.orders import (
    approval_facts,
    cart_drafts,
    cart_items,
    first_deal,
    order_totals,
)
from mercator.trading.services.rfqs import terms_of

ZERO = Decimal("0")


@dataclass
class PricedItem:
    """A cart line with its price for the chosen terms, or why it has none."""

    item: CartItem
    line: OrderLine | None = None
    error: str = ""
    code: str = ""

    @property
    def listing(self) -> Listing:
        return self.item.listing


@dataclass
class SellerGroup:
    """What one seller's order would be: its lines, totals and the approvals holding it."""

    seller: Company
    items: list[PricedItem] = field(default_factory=list)
    currency: str = ""
    goods_total: Decimal = ZERO
    freight_total: Decimal = ZERO
    total: Decimal = ZERO
    approvals: list[str] = field(default_factory=list)
    problem: str = ""  # why this seller's order cannot be placed as shown (credit)


@dataclass
class GrandTotal:
    currency: str
    goods_total: Decimal
    freight_total: Decimal
    total: Decimal


@dataclass
class CartPricing:
    terms: tuple[str, int, str, str] | None
    terms_error: DomainError | None
    groups: list[SellerGroup]
    totals: list[GrandTotal]
    problems: int  # lines that cannot be priced (the order cannot be placed as it is)

    @property
    def ready(self) -> bool:
        """Whether "place order" would go through as shown."""
        return bool(self.groups) and self.terms_error is None and self.problems == 0

    @property
    def expected_total(self) -> Decimal:
        """The sum of the orders' totals as shown: what "place order" sends back, and
        placing refuses to go on if the prices moved since (``prices_changed``)."""
        return sum((group.total for group in self.groups), ZERO)

    @property
    def empty(self) -> bool:
        return not self.groups


def cart_pricing(
    *,
    actor: Actor,
    payment_terms: object = PaymentTerms.PREPAID,
    credit_days: object = 0,
    delivery_method: object = "pickup",
    destination_province: object = "",
) -> CartPricing:
    """The member's cart priced for these terms, one group per seller (as checkout splits
    it). Bad terms are returned in ``terms_error`` with the lines unpriced; a line the
    engine refuses (no freight lane to the province, below the minimum, no price) carries
    its message. Refuses (403) a member who may not place orders, like checkout."""
    actor.require("orders.place")
    buyer = require_verified(actor)
    items = cart_items(actor)
    groups: dict[int, SellerGroup] = {}
    for item in items:
        group = groups.setdefault(item.listing.seller_id, SellerGroup(seller=item.listing.seller))
        group.items.append(PricedItem(item=item))
    terms: tuple[str, int, str, str] | None = None
    terms_error: DomainError | None = None
    try:
        terms = terms_of(payment_terms, credit_days or 0, delivery_method, destination_province)
    except DomainError as exc:
        terms_error = exc
    problems = 0
    if terms is not None and items:
        drafts, errors = cart_drafts(buyer, items, terms, Order.Source.CART, strict=False)
        for seller_id, group in groups.items():
            draft = drafts.get(seller_id)
            priced = iter(draft.lines if draft else [])
            for entry in group.items:
                refusal = errors.get(entry.item.pk)
                if refusal is not None:
                    entry.error, entry.code = str(refusal.message), refusal.code
                    problems += 1
                else:
                    entry.line = next(priced)
            if draft is not None:
                group.currency = draft.currency
                group.goods_total, group.freight_total, group.total = order_totals(
                    draft.lines, draft.currency
                )
                group.problem = _credit_problem(buyer, group, terms)
                problems += 1 if group.problem else 0
                facts = approval_facts(
                    group.total, draft.currency, first_deal=first_deal(buyer, group.seller)
                )
                group.approvals = [
                    str(rule["name"])
                    for rule in approval_rules_holding(
                        company=buyer,
                        requester=actor.membership,
                        document_kind="order",
                        facts=facts,
                    )
                ]
    else:
        problems = len(items) if terms is None else 0
    return CartPricing(
        terms=terms,
        terms_error=terms_error,
        groups=list(groups.values()),
        totals=_grand_totals(list(groups.values())),
        problems=problems,
    )


def _credit_problem(buyer: Company, group: SellerGroup, terms: tuple[str, int, str, str]) -> str:
    """On credit: whether the seller's credit line for the buyer takes this order (the
    check consuming it starts with), else ""."""
    if terms[0] != PaymentTerms.CREDIT:
        return ""
    try:
        line = credit_terms_check(
            seller=group.seller, buyer=buyer, currency=group.currency, days=terms[1]
        )
    except DomainError as exc:
        return str(exc.message)
    if group.total > line.available:
        return _("超出授信额度：可用 %(available)s，本单 %(amount)s。") % {
            "available": money(line.available, group.currency),
            "amount": money(group.total, group.currency),
        }
    return ""


def _grand_totals(groups: list[SellerGroup]) -> list[GrandTotal]:
    """The sum of the sellers' orders, one row per currency."""
    sums: dict[str, GrandTotal] = {}
    for group in groups:
        if not group.currency:
            continue
        row = sums.setdefault(group.currency, GrandTotal(group.currency, ZERO, ZERO, ZERO))
        row.goods_total += group.goods_total
        row.freight_total += group.freight_total
        row.total += group.total
    return list(sums.values())
