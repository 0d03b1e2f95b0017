"""Reading proposals (聚合建议), scoped to who asks.

- Platform operators read every proposal (the operators' page and API).
- A seller's member who may sell (``orders.fulfil``) reads his company's: auction
  proposals for its lots and group-buy proposals for its SKUs.
- Anyone else (a buyer, a viewer) gets 404: a proposal names the seller's buyers and
  prices, so its existence is not confirmed either.

``can_act`` is the one rule both the services (draft, dismiss) and the pages (their
buttons) use."""

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mercator.core.actor import Actor
from mercator.core.errors import NotAuthenticated, NotFound
from mercator.core.ids import parse_public_id
from mercator.core.listing import ListSpec, SortOption
from mercator.core.names import english, localized
from mercator.markets.models import Proposal

__all__ = [
    "can_act",
    "draft_link",
    "proposal_get",
    "proposals_filtered",
    "proposals_for_operator",
    "proposals_of_seller",
    "proposals_visible_to",
    "require_operator",
]

LIST = ListSpec(
    date_field="created_at",
    sorts=(
        SortOption("date", "created_at", gettext_lazy("日期")),
        SortOption("gain", "gain", gettext_lazy("预计收益")),
    ),
    default_sort="-date",
    text_fields=("title",),
    party_fields=("seller",),
    status_field="status",
    statuses=tuple(Proposal.Status.choices),
)


def _base() -> QuerySet[Proposal]:
    return Proposal.objects.select_related("sku__product", "seller", "market", "decided_by__person")


def require_operator(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise NotAuthenticated()
    if not actor.is_operator:
        raise NotFound()


def sells(actor: Actor) -> bool:
    return actor.is_authenticated and actor.company is not None and actor.can("orders.fulfil")


def proposals_for_operator(actor: Actor) -> QuerySet[Proposal]:
    """Every proposal, for platform operators (anyone else: 404)."""
    require_operator(actor)
    return _base()


def proposals_of_seller(actor: Actor) -> QuerySet[Proposal]:
    """The actor's company's proposals, for its members who may sell (else 404)."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    if not sells(actor):
        raise NotFound()
    return _base().filter(seller=actor.company)


def proposals_visible_to(actor: Actor) -> QuerySet[Proposal]:
    """Operators: all; a seller's member: his company's; anyone else 404."""
    if actor.is_authenticated and actor.is_operator:
        return _base()
    return proposals_of_seller(actor)


def proposals_filtered(
    rows: QuerySet[Proposal], *, kind: str = "", status: str = "", market: str = ""
) -> QuerySet[Proposal]:
    """Narrow by kind, status and market code (unknown values are ignored)."""
    if kind in Proposal.Kind.values:
        rows = rows.filter(kind=kind)
    if status in Proposal.Status.values:
        rows = rows.filter(status=status)
    if market:
        rows = rows.filter(market__code=market[:60])
    return rows


def proposal_markets(rows: QuerySet[Proposal]) -> list[tuple[str, str]]:
    """(code, name) of the markets the given proposals are in, for the filter."""
    found = rows.order_by().values_list("market__code", "market__name", "market__name_en")
    return sorted(
        {(code, (name_en if english() and name_en else name)) for code, name, name_en in found}
    )


def proposal_get(actor: Actor, proposal_id: object) -> Proposal:
    wanted = parse_public_id(proposal_id)
    found = proposals_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if found is None:
        raise NotFound()
    return found


def can_act(actor: Actor, proposal: Proposal) -> bool:
    """Whether the actor may draft or dismiss it now: a NEW proposal, and an operator or
    a member of its seller who may sell."""
    if proposal.status != Proposal.Status.NEW:
        return False
    if actor.is_authenticated and actor.is_operator:
        return True
    return sells(actor) and proposal.seller_id == actor.company.pk


def draft_link(proposal: Proposal) -> str:
    """The page of the draft a proposal became (empty when that page does not exist)."""
    kind, _sep, public_id = proposal.draft_ref.partition(":")
    name = {"auction": "auction-detail", "groupbuy": "groupbuy-detail"}.get(kind)
    if not name or not public_id:
        return ""
    for kwargs in ({f"{kind}_id": public_id}, {"public_id": public_id}, {"pk": public_id}):
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return ""


def chart_rows(proposal: Proposal) -> list[tuple[str, Decimal, bool]]:
    """What a proposal's bar chart draws: (label, quantity, highlighted) per price level
    of an auction (the bottom level, the lot, highlighted), or per buyer of a group buy
    (his monthly volume)."""
    f: dict[str, Any] = proposal.figures or {}
    if proposal.kind == Proposal.Kind.AUCTION:
        levels = f.get("levels", [])
        return [
            (plain(lv["price"]), Decimal(lv["quantity"]), i == 0) for i, lv in enumerate(levels)
        ]
    return [(b["name"], Decimal(b["monthly_quantity"]), False) for b in f.get("buyers", [])]


def plain(value: object) -> str:
    """A figure without trailing zeros (5000, not 5000.0000)."""
    number = Decimal(str(value))
    whole = number == number.to_integral_value()
    return f"{number.quantize(Decimal(1)) if whole else number.normalize():f}"


def heading(proposal: Proposal) -> str:
    """The proposal's title in the reader's language."""
    f = proposal.figures or {}
    sku = proposal.sku
    name = f"{sku.product.display_name} {sku.name}"
    if proposal.kind == Proposal.Kind.AUCTION:
        return _("%(seller)s 拍卖 %(quantity)s %(unit)s %(sku)s") % {
            "seller": proposal.seller.short_name,
            "quantity": plain(f.get("lot_quantity", "0")),
            "unit": f.get("unit", ""),
            "sku": name,
        }
    return _("%(region)s %(n)s 家买家拼单采购 %(sku)s") % {
        "region": localized(proposal.region),
        "n": len(f.get("buyers", [])),
        "sku": name,
    }
