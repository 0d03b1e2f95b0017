"""The buyer's cart (购物车) and the quick order form (快速下单).

A cart belongs to one member: listings and quantities, priced only when it is checked
out (``orders.order_place_from_cart``). The quick order form takes pasted lines
"SKU编码 数量" (or "卖家简称:SKU编码 数量" when a code is used by several sellers) and
adds them all, or nothing: every bad line is reported with its line number."""

import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mercator.catalog.models import Listing
from mercator.core.actor import Actor
from mercator.core.errors import DomainError, NotFound, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.money import plain
from mercator.core.services import audit_record
from mercator.trading.models import CartItem
from mercator.trading.services._common import (
    MAX_LINES,
    invalid,
    quantity_of,
    require_verified,
)

MAX_ITEMS = 50
MAX_TEXT = 10_000
SPLIT = re.compile(r"[\s,，\t;；]+")


def _buyer(actor: Actor) -> Any:
    actor.require("orders.place")
    return require_verified(actor)


def _listings(actor: Actor) -> Any:
    """Listings the actor's company may buy: active, of a verified other company."""
    return (
        Listing.objects.filter(status=Listing.Status.ACTIVE, seller__verification_status="verified")
        .exclude(seller=actor.company)
        .select_related("sku__product", "seller")
    )


def _listing(actor: Actor, listing_id: object) -> Listing:
    wanted = parse_public_id(listing_id)
    found = _listings(actor).filter(public_id=wanted).first() if wanted else None
    if found is None:
        raise NotFound(_("找不到该挂牌（已下架或不可购买）。"), code="unknown_listing")
    return found


def _check_moq(listing: Listing, quantity: Decimal) -> None:
    moq = listing.sku.min_order_qty
    if quantity < moq:
        raise invalid(
            _("数量低于起订量 %(moq)s。") % {"moq": plain(moq)},
            "below_moq",
            "quantity",
            min_qty=plain(moq),
        )


def _put(
    actor: Actor, listing: Listing, quantity: Decimal, *, add: bool, channel: str = "self"
) -> CartItem:
    """Add or set a line. ``channel`` says who put it here: a line the member adds or
    changes himself is "self" again, so only untouched reorder lines place a reorder."""
    item = CartItem.objects.filter(membership=actor.membership, listing=listing).first()
    if item is None:
        if CartItem.objects.filter(membership=actor.membership).count() >= MAX_ITEMS:
            raise invalid(_("购物车最多 50 种商品。"), "cart_full", "listing")
        _check_moq(listing, quantity)
        item = CartItem.objects.create(
            membership=actor.membership, listing=listing, quantity=quantity, channel=channel
        )
        return item
    if add and item.channel != channel:
        channel = "self"  # a line the member had put here himself stays his
    new = item.quantity + quantity if add else quantity
    _check_moq(listing, new)
    if new >= Decimal("1e12"):
        raise invalid(_("数量过大。"), "invalid_quantity", "quantity")
    CartItem.objects.filter(pk=item.pk).update(quantity=new, channel=channel)
    item.quantity, item.channel = new, channel
    return item


def cart_add(*, actor: Actor, listing_id: object, quantity: object) -> CartItem:
    """Put a listing in the member's cart (adds to the quantity already there)."""
    _buyer(actor)
    listing = _listing(actor, listing_id)
    amount = quantity_of(quantity)
    with transaction.atomic():
        item = _put(actor, listing, amount, add=True)
        audit_record(
            actor=actor,
            action="cart.add",
            target=f"listing:{listing.public_id}",
            changes={"quantity": str(amount)},
        )
    return item


def cart_update(*, actor: Actor, listing_id: object, quantity: object) -> CartItem:
    _buyer(actor)
    amount = quantity_of(quantity)
    wanted = parse_public_id(listing_id)
    item = (
        CartItem.objects.filter(membership=actor.membership, listing__public_id=wanted)
        .select_related("listing__sku")
        .first()
        if wanted
        else None
    )
    if item is None:
        raise NotFound()
    with transaction.atomic():
        item = _put(actor, item.listing, amount, add=False)
        audit_record(
            actor=actor,
            action="cart.update",
            target=f"listing:{item.listing.public_id}",
            changes={"quantity": str(amount)},
        )
    return item


def cart_remove(*, actor: Actor, listing_id: object) -> None:
    _buyer(actor)
    wanted = parse_public_id(listing_id)
    with transaction.atomic():
        deleted = (
            CartItem.objects.filter(
                membership=actor.membership, listing__public_id=wanted
            ).delete()[0]
            if wanted
            else 0
        )
        if not deleted:
            raise NotFound()
        audit_record(actor=actor, action="cart.remove", target=f"listing:{wanted}")


def cart_clear(*, actor: Actor) -> int:
    _buyer(actor)
    with transaction.atomic():
        deleted = CartItem.objects.filter(membership=actor.membership).delete()[0]
        audit_record(
            actor=actor, action="cart.clear", target=actor.company_ref, changes={"items": deleted}
        )
    return deleted


# ------------------------------------------------------------------------ quick order


def _parse(text: str) -> tuple[list[tuple[int, str, str, str]], list[dict[str, Any]]]:
    """(line number, seller short name or "", code, quantity text) per non-blank line."""
    rows, errors = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [p for p in SPLIT.split(line) if p]
        if len(parts) != 2:
            errors.append(
                {"line": number, "message": _("格式应为“SKU编码 数量”，例如：WS1-01 100。")}
            )
            continue
        code, qty = parts
        seller = ""
        if ":" in code or "：" in code:
            seller, _sep, code = code.replace("：", ":").partition(":")
            seller, code = seller.strip(), code.strip()
        if not code:
            errors.append({"line": number, "message": _("缺少 SKU 编码。")})
            continue
        rows.append((number, seller, code, qty))
    return rows, errors


def quick_order_to_cart(*, actor: Actor, text: str) -> list[CartItem]:
    """Add every pasted line to the cart, or nothing: a 422 lists each bad line
    (``details["lines"] = [{"line": n, "message": ...}]``)."""
    _buyer(actor)
    text = str(text or "")
    if len(text) > MAX_TEXT:
        raise invalid(_("内容过长。"), "text_too_long", "text")
    rows, errors = _parse(text)
    if not rows and not errors:
        raise invalid(_("请至少填写一行：SKU编码 数量。"), "lines_required", "text")
    if len(rows) + len(errors) > MAX_LINES:
        raise invalid(_("最多 50 行。"), "too_many_lines", "text")
    codes = {code.upper() for _n, _s, code, _q in rows}
    candidates: dict[str, list[Listing]] = {}
    if codes:
        found = _listings(actor).filter(sku__code__in=_code_variants(rows)).order_by("-stock", "pk")
        for listing in found:
            candidates.setdefault(listing.sku.code.upper(), []).append(listing)
    wanted: list[tuple[int, Listing, Decimal]] = []
    for number, seller, code, qty in rows:
        try:
            quantity = quantity_of(qty)
            options = candidates.get(code.upper(), [])
            if seller:
                options = [o for o in options if o.seller.short_name == seller]
            if not options:
                raise invalid(
                    _("找不到可购买的 SKU“%(code)s”。") % {"code": code}, "unknown_sku", "text"
                )
            sellers = {o.seller_id for o in options}
            if len(sellers) > 1:
                names = "、".join(sorted({o.seller.short_name for o in options}))
                raise invalid(
                    _("多个卖家（%(names)s）都有 SKU“%(code)s”，请写成“卖家简称:SKU编码”。")
                    % {"names": names, "code": code},
                    "ambiguous_sku",
                    "text",
                )
            listing = options[0]
            _check_moq(listing, quantity)
        except DomainError as exc:
            errors.append({"line": number, "message": str(exc.message)})
            continue
        wanted.append((number, listing, quantity))
    if errors:
        errors.sort(key=lambda e: e["line"])
        raise ValidationFailed(
            _("有 %(count)d 行无法识别，未加入购物车。") % {"count": len(errors)},
            code="quick_order_invalid",
            details={"lines": errors},
        )
    items: dict[int, CartItem] = {}
    with transaction.atomic():
        for number, listing, quantity in wanted:
            try:
                items[listing.pk] = _put(actor, listing, quantity, add=True)
            except ValidationFailed as exc:
                raise ValidationFailed(
                    exc.message,
                    code="quick_order_invalid",
                    details={"lines": [{"line": number, "message": str(exc.message)}]},
                ) from None
        audit_record(
            actor=actor,
            action="cart.quick_order",
            target=actor.company_ref,
            changes={"lines": len(wanted)},
        )
    return list(items.values())


def _code_variants(rows: list[tuple[int, str, str, str]]) -> list[str]:
    """The codes as typed, and upper/lower case, so the lookup uses the index."""
    codes: set[str] = set()
    for _n, _s, code, _q in rows:
        codes.update({code, code.upper(), code.lower()})
    return sorted(codes)
