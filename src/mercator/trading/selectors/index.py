"""The market price index and GMV, computed from real deals only (``Deal`` rows: money and
invoice through the platform, DOMAIN.md §4).

The index is one point per (day, SKU, region): number of deals, quantity, the
volume-weighted average goods price (freight excluded, 4 places), low and high. It shows
aggregates only, never a company: no seller or buyer name or id leaves this module.
``MIN_DEALS`` is the smallest number of deals a point must aggregate to be shown (1 for
now; raise it to hide single deals when a market is thin).
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from mercator.catalog.models import Sku
from mercator.core.exact import exact_sum
from mercator.core.ids import parse_public_id
from mercator.core.money import quantize_unit_price
from mercator.trading.models import Deal

MIN_DEALS = 1
MAX_DAYS = 730


def gmv(*, since: date | None = None, until: date | None = None, currency: str = "CNY") -> Decimal:
    """Gross merchandise value of real deals (goods value, freight excluded) dealt within
    [since, until]. Orders whose money did not go through the platform have no deals, so
    they never count."""
    deals = Deal.objects.filter(currency=currency)
    if since is not None:
        deals = deals.filter(dealt_on__gte=since)
    if until is not None:
        deals = deals.filter(dealt_on__lte=until)
    return exact_sum(deals, "amount")  # never SQLite's float SUM


def _sku_filter(sku_id: object) -> Sku | None:
    if isinstance(sku_id, Sku):
        return sku_id
    if isinstance(sku_id, int):
        return Sku.objects.filter(pk=sku_id).first()
    wanted = parse_public_id(sku_id)
    return Sku.objects.filter(public_id=wanted).first() if wanted else None


def _deals(*, sku: Sku | None, region: str, days: int) -> QuerySet[Deal]:
    since = timezone.localdate() - timedelta(days=days)
    deals = Deal.objects.filter(dealt_on__gt=since)
    if sku is not None:
        deals = deals.filter(sku=sku)
    if region:
        deals = deals.filter(region=region)
    return deals


def price_index(
    *, sku_id: object = None, region: str | None = None, days: int = 90
) -> list[dict[str, Any]]:
    """Points {day, sku, product, region, deals, quantity, unit, currency, vwap, low, high},
    oldest first. ``sku_id``: a Sku, its pk or public id (unknown → no points)."""
    days = max(1, min(int(days), MAX_DAYS))
    sku = None
    if sku_id not in (None, ""):
        sku = _sku_filter(sku_id)
        if sku is None:
            return []
    rows = _deals(sku=sku, region=(region or "").strip(), days=days).values_list(
        "dealt_on", "sku_id", "region", "currency", "unit", "quantity", "unit_price"
    )
    groups: dict[tuple[Any, ...], list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for day, sku_pk, reg, currency, unit, quantity, price in rows:
        groups[(day, sku_pk, reg, currency, unit)].append((quantity, price))
    skus = {
        s.pk: s
        for s in Sku.objects.filter(pk__in={key[1] for key in groups}).select_related("product")
    }
    points: list[dict[str, Any]] = []
    for (day, sku_pk, reg, currency, unit), deals in groups.items():
        if len(deals) < MIN_DEALS:
            continue
        quantity = sum((q for q, _ in deals), Decimal(0))
        value = sum((q * p for q, p in deals), Decimal(0))
        prices = [p for _, p in deals]
        found = skus[sku_pk]
        points.append(
            {
                "day": day,
                "sku": str(found.public_id),
                "product": f"{found.product.name} {found.name}",
                "region": reg,
                "currency": currency,
                "unit": unit,
                "deals": len(deals),
                "quantity": quantity,
                "vwap": quantize_unit_price(value / quantity) if quantity else Decimal(0),
                "low": min(prices),
                "high": max(prices),
            }
        )
    points.sort(key=lambda p: (p["day"], p["product"], p["region"]))
    return points


def index_skus() -> list[tuple[str, str]]:
    """(public id, label) of the SKUs that have deals: the page's choice. Labels name the
    product, never the seller."""
    counts = dict(
        Deal.objects.values_list("sku_id").annotate(n=Count("pk")).values_list("sku_id", "n")
    )
    skus = Sku.objects.filter(pk__in=counts).select_related("product")
    # The most traded first (the page opens on it), then by name.
    ordered = sorted(skus, key=lambda s: (-counts[s.pk], s.product.name, s.name))
    return [(str(s.public_id), f"{s.product.name} {s.name}") for s in ordered]


def index_regions(sku_id: object = None) -> list[str]:
    deals = Deal.objects.all()
    if sku_id not in (None, ""):
        sku = _sku_filter(sku_id)
        deals = deals.filter(sku=sku) if sku is not None else deals.none()
    return sorted(set(deals.values_list("region", flat=True)))


def chart_of(
    points: list[dict[str, Any]], *, width: int = 640, height: int = 220
) -> dict[str, Any]:
    """An SVG polyline (server-rendered) of the VWAP over days, one series: pass points
    of one SKU and region. Returns {"polyline", "dots", "width", "height", "low", "high"}."""
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
