"""Forward trading: contracting (a buyer takes the ask, the seller accepts or declines
demand), with both sides' margins held."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, not_allowed
from mercator.core.services import audit_record
from mercator.markets.models import (
    DepositStatus,
    ForwardContract,
    ForwardDemand,
    ForwardMonth,
    ForwardOffer,
)
from mercator.markets.selectors import forwards as sel
from mercator.markets.services.common import (
    CONTRACT_PREFIX,
    hold_deposit,
    invalid,
    new_number,
    price_of,
    provinces_of,
    quantity_of,
    require_buyer,
    require_seller,
)
from mercator.markets.services.forwards.base import _tradable_month, margin_of
from mercator.payments.models import AccountKind, LedgerAccount


def _seller_member(actor: Actor, offer: ForwardOffer) -> Membership:
    """Who signs for the seller: the acting member, or (an operator, the system) the
    member who made the offer."""
    if actor.membership is not None and actor.membership.company_id == offer.seller_id:
        return actor.membership
    return offer.created_by


# ----------------------------------------------------------------------- contracting


def _contract_make(
    *,
    actor: Actor,
    offer: ForwardOffer,
    month: ForwardMonth,
    buyer: Company,
    buyer_member: Membership,
    seller_member: Membership,
    quantity: Decimal,
    price: Decimal,
    province: str,
    demand: ForwardDemand | None,
) -> ForwardContract:
    """Inside the caller's transaction: contract ``quantity`` of the month (conditional
    UPDATE), write the contract, hold both margins."""
    moved = ForwardMonth.objects.filter(
        pk=month.pk,
        status=ForwardMonth.Status.OPEN,
        contracted_quantity__lte=F("quantity") - quantity,
    ).update(contracted_quantity=F("contracted_quantity") + quantity)
    if not moved:
        month.refresh_from_db()
        raise Conflict(
            _("该月份可供数量不足（剩余 %(left)s）。") % {"left": sel.month_left(month)},
            code="forward_sold_out",
            details={"left": str(sel.month_left(month))},
        )
    currency = offer.currency
    buyer_margin = margin_of(quantity, price, offer.margin_percent, currency)
    seller_margin = margin_of(quantity, price, offer.margin_percent, currency)
    contract = ForwardContract(
        number=new_number(ForwardContract, CONTRACT_PREFIX),
        offer=offer,
        month=month,
        demand=demand,
        seller=offer.seller,
        buyer=buyer,
        seller_member=seller_member,
        buyer_member=buyer_member,
        quantity=quantity,
        unit=offer.unit,
        price=price,
        currency=currency,
        delivery_province=province,
        buyer_margin=buyer_margin,
        seller_margin=seller_margin,
    )
    contract.save()
    if hold_deposit(
        company=buyer,
        amount=buyer_margin,
        reference=contract.margin_ref("buyer"),
        currency=currency,
        created_by=buyer_member,
    ):
        contract.buyer_margin_status = DepositStatus.HELD
    if hold_deposit(
        company=offer.seller,
        amount=seller_margin,
        reference=contract.margin_ref("seller"),
        currency=currency,
        created_by=seller_member,
    ):
        contract.seller_margin_status = DepositStatus.HELD
    contract.save(update_fields=["buyer_margin_status", "seller_margin_status"])
    audit_record(
        actor=actor,
        action="forward.contract_make",
        target=contract.ref,
        changes={
            "number": contract.number,
            "offer": offer.number,
            "month": f"{month.month:%Y-%m}",
            "quantity": str(quantity),
            "price": str(price),
            "buyer_margin": str(buyer_margin),
            "seller_margin": str(seller_margin),
            "by": "demand" if demand else "take",
        },
    )
    return contract


def margin_preview(offer: ForwardOffer, quantity: Decimal, price: Decimal) -> Decimal:
    """What each side will hold for a contract of ``quantity`` at ``price`` (shown on the
    confirmation before any money moves)."""
    return margin_of(quantity, price, offer.margin_percent, offer.currency)


def forward_take(
    *,
    actor: Actor,
    offer_id: object,
    month: object,
    quantity: object,
    delivery_province: object = "",
) -> ForwardContract:
    """A buyer takes the seller's ask for ``quantity`` of a month: a contract at once."""
    company = require_buyer(actor)
    offer = sel.offer_get(actor, offer_id)
    if offer.seller_id == company.pk:
        raise invalid(_("不能购买自己的报盘。"), "own_offer", "offer")
    qty = quantity_of(quantity)
    provinces = provinces_of([delivery_province] if delivery_province else [], field="province")
    with transaction.atomic():
        row = _tradable_month(offer, month)
        return _contract_make(
            actor=actor,
            offer=offer,
            month=row,
            buyer=company,
            buyer_member=actor.membership,
            seller_member=offer.created_by,
            quantity=qty,
            price=row.ask_price,
            province=provinces[0] if provinces else "",
            demand=None,
        )


def can_answer_demand(actor: Actor, demand: ForwardDemand) -> bool:
    """The seller (orders.fulfil) may accept or decline an open demand on a tradable
    month of his offer."""
    offer = demand.month.offer
    return (
        demand.status == ForwardDemand.Status.OPEN
        and sel.is_seller_of(actor, offer)
        and actor.can("orders.fulfil")
        and sel.month_tradable(demand.month, offer)
    )


def forward_demand_accept(*, actor: Actor, demand_id: object) -> ForwardContract:
    """The seller accepts a demand at its price: a contract for its whole quantity."""
    demand = sel.demand_for_seller_get(actor, demand_id)
    require_seller(actor)
    with transaction.atomic():
        # Only one acceptance of a demand: the row flips OPEN → MATCHED conditionally.
        flipped = ForwardDemand.objects.filter(
            pk=demand.pk, status=ForwardDemand.Status.OPEN
        ).update(status=ForwardDemand.Status.MATCHED)
        demand.refresh_from_db()
        if not flipped:
            raise not_allowed(demand.get_status_display(), _("接受"), demand.status)
        offer = demand.month.offer
        if not sel.month_tradable(demand.month, offer):
            raise not_allowed(_("已停止交易"), _("接受"), demand.month.status)
        return _contract_make(
            actor=actor,
            offer=offer,
            month=demand.month,
            buyer=demand.buyer,
            buyer_member=demand.placed_by,
            seller_member=_seller_member(actor, offer),
            quantity=demand.quantity,
            price=demand.price,
            province=demand.delivery_province,
            demand=demand,
        )


def forward_demands_accept_at(
    *, actor: Actor, offer_id: object, month: object, price: object
) -> tuple[list[ForwardContract], list[dict[str, str]]]:
    """Accept every open demand of the month bid at or above ``price``, best price first
    (then earliest), each in its own transaction; a demand that cannot be contracted
    (quantity left, the buyer's wallet short) is skipped and reported. A short seller
    wallet stops the run."""
    offer = sel.own_offer_get(actor, offer_id)
    require_seller(actor)
    floor = price_of(price)
    row = _tradable_month(offer, month)
    wanted = [
        d.public_id
        for d in sel.demands_for_seller(actor, offer)
        if d.month.pk == row.pk and d.price >= floor
    ]
    made: list[ForwardContract] = []
    skipped: list[dict[str, str]] = []
    for demand_id in wanted:
        try:
            made.append(forward_demand_accept(actor=actor, demand_id=demand_id))
        except Conflict as exc:
            skipped.append({"demand": str(demand_id), "code": exc.code})
            if exc.code == "insufficient_funds" and _seller_short(offer, exc):
                break
    return made, skipped


def _seller_short(offer: ForwardOffer, exc: Conflict) -> bool:
    """After an ``insufficient_funds``: was it the seller's wallet (stop) or a buyer's?"""
    wallet = (
        LedgerAccount.objects.filter(
            company=offer.seller, kind=AccountKind.WALLET, currency=offer.currency
        )
        .values_list("public_id", flat=True)
        .first()
    )
    return wallet is None or exc.details.get("account") == str(wallet)


def forward_demand_decline(*, actor: Actor, demand_id: object) -> ForwardDemand:
    demand = sel.demand_for_seller_get(actor, demand_id)
    require_seller(actor)
    with transaction.atomic():
        done = ForwardDemand.objects.filter(pk=demand.pk, status=ForwardDemand.Status.OPEN).update(
            status=ForwardDemand.Status.DECLINED
        )
        demand.refresh_from_db()
        if not done:
            raise not_allowed(demand.get_status_display(), _("拒绝"), demand.status)
        audit_record(
            actor=actor,
            action="forward.demand_decline",
            target=f"forwarddemand:{demand.public_id}",
        )
    return demand
