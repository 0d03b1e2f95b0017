"""The delivery quote by mode (DOMAIN.md §8: eucalyptus boards from Guangxi to Shandong
by ship, 2–3 weeks, far cheaper than by truck).

``delivery_quote(...) -> DeliveryQuote`` is the contract other code (the quote page,
the API, the shipment form, the sales helper's listing panel through
``delivery_options_for``) relies on. It reads, never writes, and never caches.

Which lanes: the active lanes from the origin province to the destination province
whose city, on each side, is blank (province-wide) or the asked city (a blank asked
city accepts any lane of the province). One option per mode: the lane with the most
city matches (a city-specific lane beats a province-wide one), then the cheapest cost,
then the shortest longest transit, then the oldest lane. Options are sorted by cost,
then by the longest transit, then by mode.

Weight: ``tonnes`` is the quantity for ``t``, ``kg / 1000`` for ``kg``, else
``quantity × tonnes_per_unit`` (e.g. the SKU's ``attributes["tonnes_per_unit"]``, 0.65
t per m3 of boards); without it the quote is refused (422 ``weight_unknown``). Tonnes
are never rounded.

Rounding (the documented points): ``cost = quantize_amount(max(min_charge, tonnes ×
price_per_tonne))`` to the lane's currency, ROUND_HALF_UP; ``cost_per_unit =
quantize_unit_price(cost / quantity)`` (4 places, ROUND_HALF_UP), the figure shown
beside a unit price; ``saving`` (vs truck) is the difference of two rounded costs, so
it needs no rounding of its own.

Cost: at most one statement (the candidate lanes of one province pair), pinned by
tests/logistics/test_transport_engine.py.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Unit
from mercator.catalog.provinces import PROVINCE_NAMES
from mercator.core.errors import ValidationFailed
from mercator.core.money import quantize_amount, quantize_unit_price, to_decimal
from mercator.logistics.models import Lane, Mode
from mercator.trading.services._common import invalid, quantity_of, unit_of

KG_PER_TONNE = Decimal(1000)
MAX_TONNES_PER_UNIT = Decimal(1000)
MAX_CITY = 30


@dataclass(frozen=True)
class ModeOption:
    mode: str
    lane: Lane
    carrier: str
    cost: Decimal  # the currency's minor unit
    cost_per_unit: Decimal  # 4 places, per unit of the goods
    currency: str
    transit_days_min: int
    transit_days_max: int
    city_specific: bool  # the lane names at least one of the asked cities

    @property
    def mode_label(self) -> str:
        return str(Mode(self.mode).label)


@dataclass(frozen=True)
class DeliveryQuote:
    origin_province: str
    origin_city: str
    destination_province: str
    destination_city: str
    quantity: Decimal
    unit: str
    tonnes: Decimal
    options: list[ModeOption] = field(default_factory=list)

    @property
    def cheapest(self) -> ModeOption | None:
        return self.options[0] if self.options else None

    @property
    def truck(self) -> ModeOption | None:
        return next((o for o in self.options if o.mode == Mode.TRUCK), None)

    @property
    def saving_vs_truck(self) -> Decimal | None:
        """What the cheapest mode saves against the truck (None without a truck lane,
        or when the truck is the cheapest, or in another currency)."""
        best, truck = self.cheapest, self.truck
        if best is None or truck is None or best is truck or best.currency != truck.currency:
            return None
        return truck.cost - best.cost

    @property
    def extra_days_vs_truck(self) -> int | None:
        """How many more days (at the longest) the cheapest mode takes than the truck."""
        best, truck = self.cheapest, self.truck
        if best is None or truck is None or best is truck:
            return None
        return best.transit_days_max - truck.transit_days_max


def _province(value: object, field_name: str) -> str:
    text = str(value or "").strip()
    if text not in PROVINCE_NAMES:
        raise invalid(_("请选择省份。"), "invalid_province", field_name)
    return text


def _city(value: object, field_name: str) -> str:
    text = str(value or "").strip()
    if len(text) > MAX_CITY:
        raise invalid(_("城市名称过长。"), "invalid_city", field_name)
    return text


def tonnes_of(quantity: Decimal, unit: str, tonnes_per_unit: object = None) -> Decimal:
    """The weight in tonnes of ``quantity`` ``unit`` (see the module's contract)."""
    if unit == Unit.TONNE:
        return quantity
    if unit == Unit.KILOGRAM:
        return quantity / KG_PER_TONNE
    if tonnes_per_unit in (None, ""):
        raise ValidationFailed(
            _("不知道这种货物每%(unit)s有多重：请填写每单位吨数。") % {"unit": Unit(unit).label},
            code="weight_unknown",
            details={"field": "tonnes_per_unit", "unit": unit},
        )
    try:
        per_unit = to_decimal(tonnes_per_unit)
    except ValidationFailed:
        raise invalid(
            _("每单位吨数必须是数字。"), "invalid_tonnes_per_unit", "tonnes_per_unit"
        ) from None
    if per_unit <= 0 or per_unit > MAX_TONNES_PER_UNIT or per_unit.as_tuple().exponent < -6:  # type: ignore[operator]
        raise invalid(
            _("每单位吨数必须大于 0、不超过 1000，最多 6 位小数。"),
            "invalid_tonnes_per_unit",
            "tonnes_per_unit",
        )
    return quantity * per_unit


def lane_cost(lane: Lane, tonnes: Decimal) -> Decimal:
    """The freight of ``tonnes`` on ``lane``: at least its minimum, rounded once."""
    return quantize_amount(max(lane.min_charge, tonnes * lane.price_per_tonne), lane.currency)


def _option(lane: Lane, tonnes: Decimal, quantity: Decimal, score: int) -> ModeOption:
    cost = lane_cost(lane, tonnes)
    return ModeOption(
        mode=lane.mode,
        lane=lane,
        carrier=lane.carrier,
        cost=cost,
        cost_per_unit=quantize_unit_price(cost / quantity),
        currency=lane.currency,
        transit_days_min=lane.transit_days_min,
        transit_days_max=lane.transit_days_max,
        city_specific=score > 0,
    )


def _side(prefix: str, city: str) -> Q:
    if not city:
        return Q()
    return Q(**{f"{prefix}_city": ""}) | Q(**{f"{prefix}_city": city})


def delivery_quote(
    *,
    origin_province: object,
    origin_city: object = "",
    destination_province: object,
    destination_city: object = "",
    quantity: object,
    unit: object,
    tonnes_per_unit: object = None,
) -> DeliveryQuote:
    """One option per mode for carrying ``quantity`` ``unit`` between two places (the
    module's docstring is the contract). Bad input is a 422 with its field."""
    frm = _province(origin_province, "origin_province")
    to = _province(destination_province, "destination_province")
    frm_city = _city(origin_city, "origin_city")
    to_city = _city(destination_city, "destination_city")
    qty = quantity_of(quantity)
    unit_code = unit_of(unit)
    tonnes = tonnes_of(qty, unit_code, tonnes_per_unit)
    lanes = Lane.objects.filter(
        Q(active=True, origin_province=frm, destination_province=to)
        & _side("origin", frm_city)
        & _side("destination", to_city)
    )
    best: dict[str, tuple[tuple[Any, ...], ModeOption]] = {}
    for lane in lanes:
        score = int(bool(frm_city) and lane.origin_city == frm_city) + int(
            bool(to_city) and lane.destination_city == to_city
        )
        option = _option(lane, tonnes, qty, score)
        key = (-score, option.cost, lane.transit_days_max, lane.pk)
        if lane.mode not in best or key < best[lane.mode][0]:
            best[lane.mode] = (key, option)
    options = sorted(
        (o for _key, o in best.values()),
        key=lambda o: (o.cost, o.transit_days_max, o.mode),
    )
    return DeliveryQuote(
        origin_province=frm,
        origin_city=frm_city,
        destination_province=to,
        destination_city=to_city,
        quantity=qty,
        unit=unit_code,
        tonnes=tonnes,
        options=options,
    )


def delivery_options_for(
    *,
    origin_province: object,
    origin_city: object = "",
    destination_province: object,
    quantity: object,
    unit: object,
    tonnes_per_unit: object = None,
) -> list[ModeOption]:
    """The modes to a buyer's province for a listing's panel, cheapest first. A panel
    never breaks its page: input the engine refuses (no weight for the unit, no
    province) gives no options rather than an error."""
    try:
        return delivery_quote(
            origin_province=origin_province,
            origin_city=origin_city,
            destination_province=destination_province,
            quantity=quantity,
            unit=unit,
            tonnes_per_unit=tonnes_per_unit,
        ).options
    except ValidationFailed:
        return []


def sku_tonnes_per_unit(sku: Any) -> str | None:
    """The SKU's weight per unit from its attributes (``{"tonnes_per_unit": "0.65"}``)."""
    attributes = getattr(sku, "attributes", None) or {}
    value = attributes.get("tonnes_per_unit") if isinstance(attributes, dict) else None
    return None if value in (None, "") else str(value)
