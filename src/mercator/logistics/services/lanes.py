"""Transport lanes (运价线路): the platform's operators create, edit and deactivate the
priced routes that ``logistics.engine`` quotes delivery by mode from."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mercator.catalog.provinces import PROVINCE_NAMES
from mercator.core.actor import Actor
from mercator.core.errors import PermissionDenied, ValidationFailed
from mercator.core.money import amount_of, check_currency, to_decimal
from mercator.core.services import audit_record, validate
from mercator.logistics.models import Lane, Mode
from mercator.logistics.selectors.transport import lane_get
from mercator.logistics.services.common import invalid, text_of

MAX_DAYS = 365
MAX_PRICE = Decimal("1e9")
UNSET: Any = object()


def require_lane_operator(actor: Actor) -> None:
    if not actor.is_operator:
        raise PermissionDenied(_("只有平台运营人员可以维护运价线路。"), code="operator_only")


def _province(value: object, field: str) -> str:
    text = str(value or "").strip()
    if text not in PROVINCE_NAMES:
        raise invalid(_("请选择省份。"), "invalid_province", field)
    return text


def _days(value: object, field: str) -> int:
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        raise invalid(_("天数必须是整数。"), "invalid_days", field) from None
    if not 0 <= days <= MAX_DAYS:
        raise invalid(_("天数必须在 0 到 365 之间。"), "invalid_days", field)
    return days


def _price(value: object, field: str) -> Decimal:
    try:
        price = to_decimal(value)
    except ValidationFailed:
        raise invalid(_("请填写数字。"), "invalid_number", field) from None
    if price < 0 or price >= MAX_PRICE or price.as_tuple().exponent < -4:  # type: ignore[operator]
        raise invalid(_("运价必须是不小于 0 的数，最多 4 位小数。"), "invalid_price", field)
    return price


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Each given field parsed; the ones not given are left out."""
    out: dict[str, Any] = {}
    for name in ("origin_province", "destination_province"):
        if name in values:
            out[name] = _province(values[name], name)
    for name in ("origin_city", "destination_city"):
        if name in values:
            out[name] = text_of(values[name], field=name, required=False, limit=30)
    if "mode" in values:
        if values["mode"] not in Mode.values:
            raise invalid(_("请选择运输方式。"), "invalid_mode", "mode")
        out["mode"] = values["mode"]
    if "carrier" in values:
        out["carrier"] = text_of(values["carrier"], field="carrier", required=False, limit=100)
    if "note" in values:
        out["note"] = text_of(values["note"], field="note", required=False, limit=300)
    for name in ("transit_days_min", "transit_days_max"):
        if name in values:
            out[name] = _days(values[name], name)
    if "price_per_tonne" in values:
        out["price_per_tonne"] = _price(values["price_per_tonne"], "price_per_tonne")
    if "min_charge" in values:
        charge = values["min_charge"]
        out["min_charge"] = (
            Decimal("0")
            if charge in (None, "", 0, "0")
            else amount_of(charge, field="min_charge", allow_zero=True)
        )
    if "currency" in values:
        out["currency"] = check_currency(str(values["currency"] or ""))
    if "active" in values:
        if not isinstance(values["active"], bool):
            raise invalid(_("启用状态无效。"), "invalid_active", "active")
        out["active"] = values["active"]
    return out


def _check_days(lane: Lane) -> None:
    if lane.transit_days_max < lane.transit_days_min:
        raise invalid(_("最长在途天数不能少于最短在途天数。"), "invalid_days", "transit_days_max")


def lane_create(
    *,
    actor: Actor,
    origin_province: object,
    destination_province: object,
    mode: object,
    transit_days_min: object,
    transit_days_max: object,
    price_per_tonne: object,
    origin_city: object = "",
    destination_city: object = "",
    carrier: object = "",
    min_charge: object = 0,
    currency: object = "CNY",
    note: object = "",
) -> Lane:
    """An operator opens a lane (a priced route by one mode)."""
    require_lane_operator(actor)
    values = _clean(
        {
            "origin_province": origin_province,
            "origin_city": origin_city,
            "destination_province": destination_province,
            "destination_city": destination_city,
            "mode": mode,
            "carrier": carrier,
            "transit_days_min": transit_days_min,
            "transit_days_max": transit_days_max,
            "price_per_tonne": price_per_tonne,
            "min_charge": min_charge,
            "currency": currency,
            "note": note,
        }
    )
    lane = Lane(created_by=actor.membership, **values)
    _check_days(lane)
    validate(lane, exclude=["created_by"])
    with transaction.atomic():
        lane.save()
        audit_record(
            actor=actor,
            action="lane.create",
            target=f"lane:{lane.public_id}",
            changes={
                "route": str(lane),
                "price_per_tonne": str(lane.price_per_tonne),
                "min_charge": str(lane.min_charge),
            },
        )
    return lane


def lane_update(*, actor: Actor, lane_id: object, **changes: Any) -> Lane:
    """An operator edits a lane's fields, or deactivates (``active=False``) or
    reactivates it. Only the fields given change."""
    lane = lane_get(actor, lane_id)
    require_lane_operator(actor)
    values = _clean(changes)
    unknown = set(changes) - set(values)
    if unknown:
        raise invalid(_("未知的字段。"), "unknown_field", sorted(unknown)[0])
    if not values:
        return lane
    before = {name: str(getattr(lane, name)) for name in values}
    for name, value in values.items():
        setattr(lane, name, value)
    _check_days(lane)
    validate(lane, exclude=["created_by"])
    diff = {k: str(v) for k, v in values.items() if before[k] != str(v)}
    if not diff:
        return lane
    if set(diff) == {"active"}:
        action = "lane.activate" if lane.active else "lane.deactivate"
    else:
        action = "lane.update"
    with transaction.atomic():
        lane.save(update_fields=list(values))
        audit_record(actor=actor, action=action, target=f"lane:{lane.public_id}", changes=diff)
    return lane
