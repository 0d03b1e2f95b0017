"""The market price index and GMV, computed from real deals only (``Deal`` rows: money and
invoice through the platform, DOMAIN.md §4).

Confidentiality (issue 9). A deal is one buyer's price with one seller, so the index never
publishes a figure that one deal, one buyer or one seller could be read from:

- Cells aggregate **across sellers** by product, grade and region: a product is the
  catalog's shared category (白砂糖), its grade the product's quality grade (国标一级),
  never one seller's SKU. Unit and currency are part of the cell (tonnes and kilograms
  never mix).
- A cell is published only when it aggregates at least ``PRICE_INDEX_MIN_DEALS`` deals
  from at least ``PRICE_INDEX_MIN_SELLERS`` sellers and ``PRICE_INDEX_MIN_BUYERS`` buyers
  (settings; 3, 2 and 3 by default).
- Widening, deterministic: per product group and per ISO week (Monday to Sunday), deals
  are tried at four levels in this order, each deal counted in at most one cell:
  1. day × province, 2. week × province, 3. day × nation (全国), 4. week × nation.
  At each level, the cells meeting the thresholds are published and their deals leave
  the pool; the next level sees only the rest. Deals left after level 4 are withheld
  (counted in no cell). Cells never overlap, so no two cells can be subtracted to isolate
  a deal, and a cell's content depends only on the deals of its own week (never on the
  period, product or region a reader asks for: those filter published cells).
- A cell shows the number of deals, total quantity and the volume-weighted average goods
  price (freight excluded, 4 places, ROUND_HALF_UP); no low or high (each is one deal's
  exact price), no SKU, seller, buyer or company of any kind.
- Readers: members of verified companies, and platform operators (who alone also see
  GMV). Anyone else signed in gets 403 ``company_not_verified`` (it is about the reader's
  own company, which the house rules answer with 403; 404 is for other companies'
  objects).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Category, Sku
from mercator.core.actor import Actor
from mercator.core.errors import NotAuthenticated, PermissionDenied
from mercator.core.exact import exact_sum
from mercator.core.ids import parse_public_id
from mercator.core.money import quantize_unit_price
from mercator.trading.models import Deal

MAX_DAYS = 730
NATION = "全国"  # the region label of a nationwide cell
DAY, WEEK = "day", "week"
PROVINCE, NATIONWIDE = "region", "nation"
# The widening ladder, in order (see the module docstring).
LEVELS: tuple[tuple[str, str], ...] = (
    (DAY, PROVINCE),
    (WEEK, PROVINCE),
    (DAY, NATIONWIDE),
    (WEEK, NATIONWIDE),
)


@dataclass(frozen=True)
class Thresholds:
    min_deals: int
    min_sellers: int
    min_buyers: int


def thresholds() -> Thresholds:
    """The publication thresholds from settings (never below one deal, seller, buyer)."""
    conf = settings.MERCATOR
    return Thresholds(
        min_deals=max(1, int(conf.get("PRICE_INDEX_MIN_DEALS", 3))),
        min_sellers=max(1, int(conf.get("PRICE_INDEX_MIN_SELLERS", 2))),
        min_buyers=max(1, int(conf.get("PRICE_INDEX_MIN_BUYERS", 3))),
    )


def method(t: Thresholds | None = None) -> dict[str, Any]:
    """How the index is computed, for the page and the API (``/market/price-index/method``)."""
    t = t or thresholds()
    return {
        "min_deals": t.min_deals,
        "min_sellers": t.min_sellers,
        "min_buyers": t.min_buyers,
        "cell": ["product", "grade", "region", "period", "unit", "currency"],
        "widening": [f"{period}:{scope}" for period, scope in LEVELS],
        "price": "vwap_goods_excluding_freight",
        "text": str(
            _(
                "只统计经平台付款并开票的真实成交。按品类、等级、地区汇总所有卖家的成交，"
                "不按单个卖家的 SKU。每个单元格至少包含 %(deals)d 笔成交、%(sellers)d 个卖家"
                "和 %(buyers)d 个买家才公布；不足时依次放宽为：按日按省 → 按周按省 → 按日全国 → "
                "按周全国（每周一至周日），每笔成交只计入一个单元格，仍不足的不公布。"
                "价格为成交量加权平均价（不含运费），不显示最低价、最高价和任何企业。"
            )
            % {"deals": t.min_deals, "sellers": t.min_sellers, "buyers": t.min_buyers}
        ),
    }


def require_reader(actor: Actor) -> None:
    """Members of verified companies and platform operators read the index."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    if actor.is_operator:
        return
    company = actor.require_company()
    if not company.is_verified:
        raise PermissionDenied(
            _("市场价格指数仅向已认证企业开放：贵公司通过企业认证后即可查看。"),
            code="company_not_verified",
        )


def gmv(*, since: date | None = None, until: date | None = None, currency: str = "CNY") -> Decimal:
    """Gross merchandise value of real deals (goods value, freight excluded) dealt within
    [since, until]. Orders whose money did not go through the platform have no deals, so
    they never count. The operators' figure: never shown to members."""
    deals = Deal.objects.filter(currency=currency)
    if since is not None:
        deals = deals.filter(dealt_on__gte=since)
    if until is not None:
        deals = deals.filter(dealt_on__lte=until)
    return exact_sum(deals, "amount")  # never SQLite's float SUM


# ------------------------------------------------------------------------ the cells


@dataclass(frozen=True)
class _Deal:
    pk: int
    day: date
    region: str
    seller: int
    buyer: int
    quantity: Decimal
    price: Decimal


# (category pk, grade, unit, currency)
Group = tuple[int, str, str, str]


def week_of(day: date) -> date:
    """The Monday of the ISO week holding ``day``."""
    return day - timedelta(days=day.weekday())


def _publishable(deals: list[_Deal], t: Thresholds) -> bool:
    return (
        len(deals) >= t.min_deals
        and len({d.seller for d in deals}) >= t.min_sellers
        and len({d.buyer for d in deals}) >= t.min_buyers
    )


def cells_of(deals: Iterable[_Deal], t: Thresholds) -> list[tuple[str, str, date, str, list]]:
    """The published cells of one product group's deals: (period, scope, start, region,
    deals). Deterministic: levels in ``LEVELS`` order, buckets in (start, region) order,
    deals by pk; each deal in at most one cell; what is left is withheld."""
    pool = sorted(deals, key=lambda d: d.pk)
    cells: list[tuple[str, str, date, str, list]] = []
    for period, scope in LEVELS:
        buckets: dict[tuple[date, str], list[_Deal]] = defaultdict(list)
        for d in pool:
            start = d.day if period == DAY else week_of(d.day)
            buckets[(start, d.region if scope == PROVINCE else NATION)].append(d)
        taken: set[int] = set()
        for (start, region), members in sorted(buckets.items()):
            if _publishable(members, t):
                cells.append((period, scope, start, region, members))
                taken.update(d.pk for d in members)
        pool = [d for d in pool if d.pk not in taken]
    return cells


def _label(category: Category, grade: str) -> str:
    name = category.name
    if (get_language() or "").startswith("en") and category.name_en:
        name = category.name_en
    return f"{name} · {grade}" if grade else name


def product_key(category: Category, grade: str) -> str:
    """The page's and API's name of a product group: "<category code>/<grade>"."""
    return f"{category.code}/{grade}"


def _group_of_key(key: str) -> tuple[str, str] | None:
    code, sep, grade = (key or "").partition("/")
    return (code, grade) if sep and code else None


def _group_of_sku(sku_id: object) -> tuple[int, str] | None:
    wanted = parse_public_id(sku_id)
    sku = Sku.objects.filter(public_id=wanted).select_related("product").first() if wanted else None
    return (sku.product.category_id, sku.product.grade) if sku else None


def price_index(
    *,
    product: str = "",
    sku_id: object = None,
    region: str | None = None,
    days: int = 90,
) -> list[dict[str, Any]]:
    """The published cells dealt in the last ``days`` days, oldest first: {period ("day"
    or "week"), day (its first day), until (its last day), product (label), category
    (code), grade, region (a province, or 全国), scope ("region" or "nation"), currency,
    unit, deals, quantity, vwap}. ``product`` ("<category code>/<grade>") or ``sku_id``
    (any SKU's public id: its product group) narrow to one group; ``region`` to one
    region label. Unknown product, SKU or region: no cells. The caller checks the reader
    (``require_reader``)."""
    days = max(1, min(int(days), MAX_DAYS))
    today = timezone.localdate()
    since = today - timedelta(days=days)  # cells after this day (as before: last N days)
    t = thresholds()
    # Whole ISO weeks are loaded, so a cell never depends on where the period starts.
    deals = Deal.objects.filter(dealt_on__gte=week_of(since + timedelta(days=1)))
    if sku_id not in (None, ""):
        group = _group_of_sku(sku_id)
        if group is None:
            return []
        deals = deals.filter(sku__product__category_id=group[0], sku__product__grade=group[1])
    elif product:
        parsed = _group_of_key(product)
        if parsed is None:
            return []
        deals = deals.filter(sku__product__category__code=parsed[0], sku__product__grade=parsed[1])
    rows = deals.values_list(
        "pk",
        "dealt_on",
        "region",
        "seller_id",
        "buyer_id",
        "quantity",
        "unit_price",
        "sku__product__category_id",
        "sku__product__grade",
        "unit",
        "currency",
    )
    groups: dict[Group, list[_Deal]] = defaultdict(list)
    for pk, day, reg, seller, buyer, qty, price, category, grade, unit, currency in rows:
        groups[(category, grade, unit, currency)].append(
            _Deal(pk, day, reg, seller, buyer, qty, price)
        )
    categories = Category.objects.in_bulk({key[0] for key in groups})
    wanted_region = (region or "").strip()
    points: list[dict[str, Any]] = []
    for (category_pk, grade, unit, currency), members in groups.items():
        category = categories[category_pk]
        for period, scope, start, where, cell in cells_of(members, t):
            end = start if period == DAY else start + timedelta(days=6)
            if end <= since or start > today:
                continue
            if wanted_region and where != wanted_region:
                continue
            quantity = sum((d.quantity for d in cell), Decimal(0))
            value = sum((d.quantity * d.price for d in cell), Decimal(0))
            points.append(
                {
                    "period": period,
                    "day": start,
                    "until": end,
                    "product": _label(category, grade),
                    "category": category.code,
                    "grade": grade,
                    "key": product_key(category, grade),
                    "region": where,
                    "scope": scope,
                    "currency": currency,
                    "unit": unit,
                    "deals": len(cell),
                    "quantity": quantity,
                    "vwap": quantize_unit_price(value / quantity) if quantity else Decimal(0),
                }
            )
    points.sort(key=lambda p: (p["day"], p["product"], p["scope"], p["region"], p["period"]))
    return points


def index_products(points: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(key, label) of the product groups with published cells, the most traded first:
    the page's choice. Labels name the category and grade, never a seller."""
    deals: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    for p in points:
        deals[p["key"]] += p["deals"]
        labels[p["key"]] = p["product"]
    return [(key, labels[key]) for key in sorted(deals, key=lambda k: (-deals[k], labels[k]))]


def index_regions(points: list[dict[str, Any]]) -> list[str]:
    """The regions of the published cells (全国 last)."""
    found = {p["region"] for p in points}
    return sorted(found - {NATION}) + ([NATION] if NATION in found else [])


def chart_of(
    points: list[dict[str, Any]], *, width: int = 640, height: int = 220
) -> dict[str, Any]:
    """An SVG polyline (server-rendered) of the VWAP over time, one series: pass the cells
    of one product group. Cells starting on the same day are merged, weighted by quantity.
    Returns {"polyline", "dots", "width", "height", "low", "high"}."""
    if not points:
        return {}
    pad = 30
    days = sorted({p["day"] for p in points})
    by_day: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for p in points:
        by_day[p["day"]].append(p)
    series = []
    for day in days:
        qty = sum((p["quantity"] for p in by_day[day]), Decimal(0))
        value = sum((p["vwap"] * p["quantity"] for p in by_day[day]), Decimal(0))
        series.append((day, value / qty if qty else Decimal(0)))
    low = min(v for _, v in series)
    high = max(v for _, v in series)
    span_v = (high - low) or Decimal(1)
    first, last = days[0], days[-1]
    span_d = (last - first).days or 1
    dots = []
    for day, value in series:
        x = pad + Decimal((day - first).days) / span_d * (width - 2 * pad)
        y = height - pad - (value - low) / span_v * (height - 2 * pad)
        if len(series) == 1:
            x = Decimal(width) / 2
        dots.append(
            {"x": f"{x:.1f}", "y": f"{y:.1f}", "day": day, "vwap": quantize_unit_price(value)}
        )
    return {
        "polyline": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "width": width,
        "height": height,
        "pad": pad,
        "low": quantize_unit_price(low),
        "high": quantize_unit_price(high),
    }
