"""The quote engine: one price for one buyer under every condition of the deal (seed §3).

``quote_price(QuoteRequest) -> PriceBreakdown`` is the contract other apps (trading)
code against. It reads, never writes, and never caches: every price is computed for the
one buyer named in the request (a cached price shown to another buyer is the
magento2#10439 leak).

Where the base price comes from, first source that has the SKU wins:
1. ``customer_price``: the buyer's own prices for this SKU (valid at ``at``);
2. ``class_list``: the lists of the buyer's customer class with this seller;
3. ``grade_list`` (会员等级特价): the seller's lists that target a membership grade the
   buyer holds exactly (his ``membership.Standing`` in the grade's market has that very
   grade; a higher or lower grade, or no standing, does not qualify);
4. ``listing_list``: the list the listing names (``Listing.price_list_ref``), when it is
   a default list, a list of the buyer's own class or of his grade (a class's or a
   grade's list is for that class or grade only);
5. ``default_list``: the seller's lists without a class or grade.
Among the applicable lists of one source (active, valid at ``at``) the lowest
``priority`` number that has a rule for the SKU wins (ties: the older list). Within the
winning source, the quantity break with the highest ``min_qty`` <= quantity applies; a
quantity below the smallest break of the winning source is refused (``below_moq``): the
source's first break is its minimum, so a smaller order never falls through to another,
possibly cheaper, source (which would break "more never costs more per unit").

Payment terms (``TermsPolicy``; none means no adjustment and at most 90 days' credit):
credit adds base × annual rate × days / 365, prepaid takes off base × discount %, cash
on delivery adds base × surcharge %. Delivery adds the seller's freight from the
listing's origin to the destination province: per unit × quantity, at least the lane's
minimum (without a listing, the cheapest lane of the seller to that province).

Rounding (the documented points): base, terms adjustment and freight per unit are unit
prices, 4 places ROUND_HALF_UP (``quantize_unit_price``); the freight total and the
amount are quantized once to the currency with ROUND_HALF_UP (``quantize_amount``):
``amount = quantize_amount((base + terms) × quantity + freight)`` where freight is
``max(per_unit × quantity, minimum)`` unrounded. ``unit_price`` is base + terms +
freight per unit, the figure a buyer compares; with a freight minimum, ``amount`` is the
exact total and may differ from ``unit_price × quantity`` by the per-unit rounding.

Cost: at most three small indexed statements (the buyer's prices and the rules of the
candidate lists in one, with his class and his grades as subqueries; the terms
policy; the freight lane), each bounded by the rows of one SKU or one seller.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from mercator.catalog.models import Listing, Sku
from mercator.companies.models import Company
from mercator.core import figures
from mercator.core.errors import NotFound, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.money import MINOR_UNITS, quantize_amount, quantize_unit_price
from mercator.core.names import english
from mercator.core.texts import Text, text
from mercator.membership.models import Grade, Standing
from mercator.pricing.models import (
    CustomerClassAssignment,
    CustomerPrice,
    DeliveryMethod,
    FreightRate,
    PaymentTerms,
    PriceList,
    PriceRule,
    TermsPolicy,
)

DAYS_PER_YEAR = Decimal(365)
HUNDRED = Decimal(100)
DEFAULT_MAX_CREDIT_DAYS = 90  # TermsPolicy.max_credit_days's default, when a seller has none
MAX_QUANTITY = Decimal("1e12")
QUANTITY_PLACES = 4
UNIT_PLACES = Decimal("0.0001")

SOURCE_CUSTOMER = "customer_price"
SOURCE_CLASS = "class_list"
SOURCE_GRADE = "grade_list"
SOURCE_LISTING = "listing_list"
SOURCE_DEFAULT = "default_list"
_LIST_SOURCES = (SOURCE_CLASS, SOURCE_GRADE, SOURCE_LISTING, SOURCE_DEFAULT)


@dataclass(frozen=True)
class QuoteRequest:
    buyer: Company  # the buyer company the price is for
    sku: Sku
    quantity: Decimal  # > 0, in the SKU's unit
    payment_terms: str  # PaymentTerms
    credit_days: int = 0  # required > 0 for credit, <= policy.max_credit_days
    delivery_method: str = DeliveryMethod.PICKUP
    destination_province: str = ""  # required for delivery
    listing: Listing | None = None  # the offer: freight origin, and its price list
    at: datetime | None = None  # pricing time (default now)


@dataclass(frozen=True)
class PriceBreakdown:
    currency: str
    source: str  # customer_price | class_list | grade_list | listing_list | default_list
    source_name: str  # the price list's name (the buyer's own list only)
    quantity_break: Decimal  # min_qty of the break applied
    base_unit_price: Decimal
    terms_adjustment: Decimal  # per unit, + or -
    freight_per_unit: Decimal
    unit_price: Decimal  # base + terms adjustment + freight per unit
    quantity: Decimal
    freight_total: Decimal
    amount: Decimal
    steps: list[Text] = field(default_factory=list)
    payment_terms: str = ""
    credit_days: int = 0
    delivery_method: str = DeliveryMethod.PICKUP
    destination_province: str = ""


@dataclass(frozen=True)
class _Break:
    min_qty: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class _Base:
    source: str
    name: str
    currency: str
    chosen: _Break
    grade_name: str = ""  # the targeted grade's name in the active language (grade lists)


def _invalid(message: object, code: str, **details: object) -> ValidationFailed:
    return ValidationFailed(message, code=code, details=details)


def _check_request(request: QuoteRequest) -> tuple[Decimal, str, int, str, str]:
    """The request's conditions, checked; nothing is read from the database here."""
    quantity = request.quantity
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise _invalid(_("数量必须是数字。"), "invalid_quantity", field="quantity")
    if quantity <= 0:
        raise _invalid(_("数量必须大于 0。"), "invalid_quantity", field="quantity")
    if quantity >= MAX_QUANTITY or quantity.as_tuple().exponent < -QUANTITY_PLACES:
        raise _invalid(
            _("数量过大或小数位过多（最多 4 位小数）。"), "invalid_quantity", field="quantity"
        )
    if quantity < request.sku.min_order_qty:
        raise _invalid(
            _("数量低于起订量 %(moq)s。") % {"moq": _plain(request.sku.min_order_qty)},
            "below_moq",
            field="quantity",
            min_qty=str(_plain(request.sku.min_order_qty)),
        )
    terms = request.payment_terms
    if terms not in PaymentTerms.values:
        raise _invalid(_("未知的付款方式。"), "invalid_payment_terms", field="payment_terms")
    days = request.credit_days if terms == PaymentTerms.CREDIT else 0
    if terms == PaymentTerms.CREDIT and (
        isinstance(days, bool) or not isinstance(days, int) or days <= 0
    ):
        raise _invalid(
            _("账期付款须填写大于 0 的账期天数。"), "invalid_credit_days", field="credit_days"
        )
    method = request.delivery_method
    if method not in DeliveryMethod.values:
        raise _invalid(_("未知的提货方式。"), "invalid_delivery_method", field="delivery_method")
    province = (request.destination_province or "").strip() if method == "delivery" else ""
    if method == DeliveryMethod.DELIVERY and not province:
        raise _invalid(
            _("送货须选择送达省份。"), "destination_required", field="destination_province"
        )
    if request.listing is not None and request.listing.sku_id != request.sku.pk:
        raise _invalid(_("挂牌与 SKU 不一致。"), "listing_sku_mismatch", field="listing")
    return quantity, terms, days, method, province


def _plain(value: Decimal) -> Decimal:
    """A quantity without trailing zeros, for messages (100.0000 -> 100)."""
    text = format(value.normalize(), "f")
    return Decimal(text)


def _applicable(breaks: list[_Break], quantity: Decimal) -> _Break:
    best: _Break | None = None
    for candidate in breaks:
        if candidate.min_qty <= quantity and (best is None or candidate.min_qty > best.min_qty):
            best = candidate
    if best is None:
        smallest = min(b.min_qty for b in breaks)
        raise _invalid(
            _("数量低于起订量 %(moq)s。") % {"moq": _plain(smallest)},
            "below_moq",
            field="quantity",
            min_qty=str(_plain(smallest)),
        )
    return best


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _dec(value: object) -> Decimal:
    """A stored decimal as a Decimal: PostgreSQL hands Decimals; SQLite stores NUMERIC as
    REAL or INTEGER, whose shortest repr is the stored 4-place value (as Django reads it)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(UNIT_PLACES)
    return Decimal(value).quantize(UNIT_PLACES)  # SQLite's INTEGER storage of 120.0000


def _prep_time(at: datetime) -> object:
    return PriceList._meta.get_field("valid_from").get_db_prep_value(at, connection)


def _base_rows(request: QuoteRequest, seller_id: int, at: datetime) -> list[tuple]:
    """One statement: the buyer's customer prices for this SKU (source 0) and every rule
    for it in the lists that could apply to him (1 his class's, 2 his grade's, 3 the
    listing's, 4 the default lists), each valid at ``at``. Raw SQL on purpose: it is the
    hot path, and the ORM's query building costs more than the indexed lookups
    themselves."""
    ref = request.listing.price_list_ref.strip() if request.listing is not None else ""
    ref_id = parse_public_id(ref) if ref else None
    ref_param = PriceList._meta.get_field("public_id").get_db_prep_value(ref_id, connection)
    when = _prep_time(at)
    buyer_id, sku_id = request.buyer.pk, request.sku.pk
    cp, rule, plist, assign, standing, grade = (
        _table(CustomerPrice),
        _table(PriceRule),
        _table(PriceList),
        _table(CustomerClassAssignment),
        _table(Standing),
        _table(Grade),
    )
    sql = f"""
        SELECT 0, cp.min_qty, cp.unit_price, cp.currency, '', 0, cp.valid_from, cp.id,
               NULL, NULL, NULL
          FROM {cp} cp
         WHERE cp.seller_id = %s AND cp.buyer_id = %s AND cp.sku_id = %s
           AND cp.valid_from <= %s AND (cp.valid_until IS NULL OR cp.valid_until > %s)
        UNION ALL
        SELECT CASE WHEN pl.customer_class_id IS NOT NULL THEN 1
                    WHEN pl.grade_id IS NOT NULL THEN 2
                    WHEN pl.public_id = %s THEN 3 ELSE 4 END,
               r.min_qty, r.unit_price, pl.currency, pl.name, pl.priority, pl.valid_from, pl.id,
               pl.grade_id, gl.name, gl.name_en
          FROM {rule} r JOIN {plist} pl ON pl.id = r.price_list_id
          LEFT JOIN {grade} gl ON gl.id = pl.grade_id
         WHERE r.sku_id = %s AND pl.seller_id = %s AND pl.is_active = %s
           AND pl.valid_from <= %s AND (pl.valid_until IS NULL OR pl.valid_until > %s)
           AND (pl.customer_class_id IS NULL OR pl.customer_class_id IN (
                SELECT a.customer_class_id FROM {assign} a
                 WHERE a.seller_id = %s AND a.buyer_id = %s))
           AND (pl.grade_id IS NULL OR pl.grade_id IN (
                SELECT s.grade_id FROM {standing} s
                  JOIN {grade} g ON g.id = s.grade_id AND g.market_id = s.market_id
                 WHERE s.company_id = %s))
    """  # noqa: S608 (table names come from our models, values are parameters)
    params = [
        seller_id, buyer_id, sku_id, when, when,
        ref_param, sku_id, seller_id, True, when, when, seller_id, buyer_id, buyer_id,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _grade_label(row: tuple) -> str:
    """A grade list's grade name, in English on an English request when it has one."""
    if row[8] is None:
        return ""
    return (row[10] or row[9]) if english() else row[9]


def _choose_base(request: QuoteRequest, rows: list[tuple]) -> _Base | None:
    if not rows:
        return None
    own = [r for r in rows if r[0] == 0]
    if own:
        # Several rows for one break (renewed agreements): the most recent start wins.
        own.sort(key=lambda r: (r[6], r[7]), reverse=True)
        by_qty: dict[Decimal, tuple[Decimal, str]] = {}
        for row in own:
            by_qty.setdefault(_dec(row[1]), (_dec(row[2]), row[3]))
        breaks = [_Break(q, p) for q, (p, _c) in by_qty.items()]
        chosen = _applicable(breaks, request.quantity)
        return _Base(SOURCE_CUSTOMER, "", by_qty[chosen.min_qty][1], chosen)
    # The first source, then the lowest priority number, then the oldest list.
    source, _priority, list_id = min((r[0], r[5], r[7]) for r in rows)
    winning = [r for r in rows if r[7] == list_id]
    breaks = [_Break(_dec(r[1]), _dec(r[2])) for r in winning]
    chosen = _applicable(breaks, request.quantity)
    return _Base(
        _LIST_SOURCES[source - 1], winning[0][4], winning[0][3], chosen, _grade_label(winning[0])
    )


def _terms(
    seller_id: int, terms: str, days: int, base: Decimal, currency: str
) -> tuple[Decimal, Text | None]:
    with connection.cursor() as cursor:
        columns = (
            "credit_annual_rate, max_credit_days, prepaid_discount_percent, cod_surcharge_percent"
        )
        sql = f"SELECT {columns} FROM {_table(TermsPolicy)} WHERE seller_id = %s"  # noqa: S608
        cursor.execute(sql, [seller_id])
        policy = cursor.fetchone()
    if policy is not None:
        policy = (_dec(policy[0]), int(policy[1]), _dec(policy[2]), _dec(policy[3]))
    rate, max_days, discount, surcharge = policy or (
        Decimal(0),
        DEFAULT_MAX_CREDIT_DAYS,
        Decimal(0),
        Decimal(0),
    )
    if terms == PaymentTerms.CREDIT:
        if days > max_days:
            raise _invalid(
                _("账期最长 %(days)d 天。") % {"days": max_days},
                "credit_days_out_of_range",
                field="credit_days",
                max_credit_days=max_days,
            )
        adjustment = quantize_unit_price(base * rate * days / DAYS_PER_YEAR)
        step = text(
            gettext_noop("账期 %(days)d 天，年化 %(rate)s%%：每单位 +%(adj)s"),
            **{
                "days": days,
                "rate": _plain(rate * HUNDRED),
                "adj": figures.unit_price(adjustment, currency),
            },
        )
        return adjustment, step if rate else None
    if terms == PaymentTerms.PREPAID:
        adjustment = -quantize_unit_price(base * discount / HUNDRED)
        step = text(
            gettext_noop("预付款优惠 %(pct)s%%：每单位 %(adj)s"),
            **{
                "pct": _plain(discount),
                "adj": figures.unit_price(adjustment, currency),
            },
        )
        return adjustment, step if discount else None
    adjustment = quantize_unit_price(base * surcharge / HUNDRED)
    step = text(
        gettext_noop("货到付款加价 %(pct)s%%：每单位 +%(adj)s"),
        **{
            "pct": _plain(surcharge),
            "adj": figures.unit_price(adjustment, currency),
        },
    )
    return adjustment, step if surcharge else None


def _freight(
    request: QuoteRequest, seller_id: int, province: str, quantity: Decimal, currency: str
) -> tuple[Decimal, Decimal, str]:
    table = _table(FreightRate)
    sql = f"SELECT origin, per_unit, minimum FROM {table} WHERE seller_id = %s"  # noqa: S608
    sql += " AND destination_province = %s"
    params: list[object] = [seller_id, province]
    if request.listing is not None:
        sql += " AND origin = %s"
        params.append(request.listing.origin)
    sql += " ORDER BY per_unit, minimum, id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        lane = cursor.fetchone()
    if lane is None:
        raise _invalid(
            _("卖家没有送达 %(province)s 的运费，请选择自提或询价。") % {"province": province},
            "no_freight_lane",
            field="destination_province",
        )
    origin, per_unit, minimum = lane[0], _dec(lane[1]), _dec(lane[2])
    raw = per_unit * quantity
    if raw < minimum:
        step = text(
            gettext_noop("运费 %(origin)s → %(province)s：最低运费 %(min)s"),
            **{
                "origin": origin,
                "province": province,
                "min": figures.money(minimum, currency),
            },
        )
        raw = minimum
    else:
        step = text(
            gettext_noop("运费 %(origin)s → %(province)s：每单位 %(per)s"),
            **{
                "origin": origin,
                "province": province,
                "per": figures.unit_price(per_unit, currency),
            },
        )
    return raw, quantize_unit_price(raw / quantity), step


def quote_price(request: QuoteRequest) -> PriceBreakdown:
    """The price of ``request`` for ``request.buyer``. Raises ``ValidationFailed`` for bad
    conditions and ``NotFound(code="no_price")`` when the seller has no price for him."""
    quantity, terms, days, method, province = _check_request(request)
    at = request.at or timezone.now()
    seller_id = request.sku.seller_id
    base = _choose_base(request, _base_rows(request, seller_id, at))
    if base is None:
        raise NotFound(_("卖家暂未对贵公司公开此商品的价格，请询价。"), code="no_price")
    if base.currency not in MINOR_UNITS:
        raise NotFound(_("卖家暂未对贵公司公开此商品的价格，请询价。"), code="no_price")
    base_price = quantize_unit_price(base.chosen.unit_price)
    steps: list[Text] = []
    if base.source == SOURCE_CUSTOMER:
        steps.append(text(gettext_noop("贵公司的专属价")))
    elif base.source == SOURCE_CLASS:
        steps.append(
            text(gettext_noop("贵公司所在客户等级的价格表：%(name)s"), **{"name": base.name})
        )
    elif base.source == SOURCE_GRADE:
        steps.append(
            text(
                gettext_noop("会员等级特价：%(grade)s（%(name)s）"),
                **{"grade": base.grade_name, "name": base.name},
            )
        )
    elif base.source == SOURCE_LISTING:
        steps.append(text(gettext_noop("挂牌价格表：%(name)s"), **{"name": base.name}))
    else:
        steps.append(text(gettext_noop("卖家标准价格表：%(name)s"), **{"name": base.name}))
    steps.append(
        text(
            gettext_noop("数量 %(qty)s 适用 %(min)s 起的单价 %(price)s"),
            **{
                "qty": figures.quantity(quantity),
                "min": figures.quantity(base.chosen.min_qty),
                "price": figures.unit_price(base_price, base.currency),
            },
        )
    )
    adjustment, terms_step = _terms(seller_id, terms, days, base_price, base.currency)
    if terms_step:
        steps.append(terms_step)
    goods_unit = base_price + adjustment
    freight_raw = Decimal(0)
    freight_unit = Decimal("0.0000")
    if method == DeliveryMethod.DELIVERY:
        freight_raw, freight_unit, freight_step = _freight(
            request, seller_id, province, quantity, base.currency
        )
        steps.append(freight_step)
    else:
        steps.append(text(gettext_noop("自提，无运费")))
    amount = quantize_amount(goods_unit * quantity + freight_raw, base.currency)
    steps.append(
        text(
            gettext_noop("合计（四舍五入到分）：%(amount)s %(currency)s"),
            **{
                # The msgid names the currency: the amount without a symbol.
                "amount": figures.grouped(amount, MINOR_UNITS.get(base.currency, 2)),
                "currency": base.currency,
            },
        )
    )
    return PriceBreakdown(
        currency=base.currency,
        source=base.source,
        source_name=base.name,
        quantity_break=base.chosen.min_qty,
        base_unit_price=base_price,
        terms_adjustment=adjustment,
        freight_per_unit=freight_unit,
        unit_price=quantize_unit_price(goods_unit + freight_unit),
        quantity=quantity,
        freight_total=quantize_amount(freight_raw, base.currency),
        amount=amount,
        steps=steps,
        payment_terms=terms,
        credit_days=days,
        delivery_method=method,
        destination_province=province,
    )
