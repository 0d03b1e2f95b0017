"""The operator's rules: each market's grades (what they require and grant, how they
decay) and its points weights and rolling window."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Market
from mercator.core.actor import Actor
from mercator.core.errors import NotFound, ValidationFailed
from mercator.core.services import audit_record, validate
from mercator.membership.models import Grade, MarketScoring
from mercator.membership.points import REASONS

TEXT_FIELDS = ("name", "name_en", "description", "description_en")
INT_FIELDS = ("rank", "ranking_boost", "rfq_early_hours")
# Empty means "no limit" / "never decays".
OPTIONAL_INT_FIELDS = (
    "monthly_quote_quota",
    "monthly_inquiry_quota",
    "idle_warn_days",
    "idle_grace_days",
)
MAX_INT = 32767
MAX_POINTS = Decimal("999999999999")


def require_operator(actor: Actor) -> None:
    """The operators' area is not confirmed to exist to anyone else (404)."""
    if not actor.is_operator:
        raise NotFound()


def _invalid(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(message, code=f"invalid_{field}", details={"field": field})


def int_of(value: object, field: str, *, optional: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if optional:
            return None
        raise _invalid(field, _("请填写此项。"))
    if isinstance(value, bool):
        raise _invalid(field, _("必须是整数。"))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise _invalid(field, _("必须是整数。")) from None
    if number < 0 or number > MAX_INT:
        raise _invalid(field, _("超出允许范围。"))
    return number


def decimal_of(value: object, field: str, *, signed: bool = False) -> Decimal:
    if isinstance(value, bool) or value is None or str(value).strip() == "":
        raise _invalid(field, _("请填写数字。"))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _invalid(field, _("必须是数字。")) from None
    if not number.is_finite() or abs(number) > MAX_POINTS:
        raise _invalid(field, _("超出允许范围。"))
    if not signed and number < 0:
        raise _invalid(field, _("不能为负数。"))
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _invalid(field, _("最多 2 位小数。"))
    return number


def grade_save(
    *, actor: Actor, market: Market, data: dict[str, Any], grade: Grade | None = None
) -> Grade:
    """Create a grade in ``market`` (``grade`` None; ``data["code"]`` required) or update
    one. Every field is checked before anything is written; a rank or code already used
    in the market is a 422."""
    require_operator(actor)
    creating = grade is None
    if grade is not None and grade.market_id != market.pk:
        raise NotFound()
    target = grade or Grade(market=market)
    before = {} if creating else _snapshot(target)
    if creating:
        target.code = str(data.get("code") or "").strip()
    for field in TEXT_FIELDS:
        if field in data:
            setattr(target, field, str(data[field] or "").strip())
    for field in INT_FIELDS:
        if field in data:
            setattr(target, field, int_of(data[field], field))
    for field in OPTIONAL_INT_FIELDS:
        if field in data:
            setattr(target, field, int_of(data[field], field, optional=True))
    if "min_points" in data:
        target.min_points = decimal_of(data["min_points"], "min_points")
    if "colour" in data:
        target.colour = str(data["colour"] or "")
    if "is_active" in data:
        target.is_active = bool(data["is_active"])
    if (target.idle_warn_days is None) != (target.idle_grace_days is None):
        raise _invalid("idle_grace_days", _("闲置预警天数与宽限天数需同时填写或同时留空。"))
    validate(target)
    with transaction.atomic():
        target.save()
        after = _snapshot(target)
        audit_record(
            actor=actor,
            action="membership.grade_create" if creating else "membership.grade_update",
            target=f"grade:{target.public_id}",
            changes={k: v for k, v in after.items() if before.get(k) != v},
        )
    return target


def _snapshot(grade: Grade) -> dict[str, Any]:
    keys = ("code", "rank", "colour", "min_points", "is_active")
    keys += TEXT_FIELDS + INT_FIELDS + OPTIONAL_INT_FIELDS
    return {k: (str(getattr(grade, k)) if getattr(grade, k) is not None else None) for k in keys}


def scoring_set(
    *,
    actor: Actor,
    market: Market,
    window_days: object = None,
    weights: dict[str, object] | None = None,
    appeal_protect_days: object = None,
    membership_fee: object = None,
    membership_days: object = None,
) -> MarketScoring:
    """Set a market's rolling window and weights (reason → points per unit; a reason
    left out keeps its current weight). New weights apply to points awarded from now on;
    the history keeps what each fact earned when it happened."""
    require_operator(actor)
    parsed: dict[str, str] = {}
    for reason, value in (weights or {}).items():
        if reason not in REASONS:
            raise _invalid("weights", _("未知的积分项目：%(reason)s") % {"reason": reason})
        parsed[reason] = str(decimal_of(value, f"weights.{reason}", signed=True))
    window = int_of(window_days, "window_days") if window_days not in (None, "") else None
    if window is not None and not 1 <= window <= 3660:
        raise _invalid("window_days", _("统计窗口须在 1 到 3660 天之间。"))
    protect = (
        int_of(appeal_protect_days, "appeal_protect_days")
        if appeal_protect_days not in (None, "")
        else None
    )
    fee: Decimal | str | None = "keep"
    if membership_fee is not None:
        fee = (
            None
            if str(membership_fee).strip() == ""
            else decimal_of(membership_fee, "membership_fee")
        )
        if fee is not None and fee <= 0:
            raise _invalid("membership_fee", _("金额必须大于 0。"))
    fee_days = (
        int_of(membership_days, "membership_days") if membership_days not in (None, "") else None
    )
    if fee_days is not None and not 1 <= fee_days <= 3660:
        raise _invalid("membership_days", _("有效天数须在 1 到 3660 天之间。"))
    with transaction.atomic():
        scoring, _created = MarketScoring.objects.select_for_update().get_or_create(market=market)
        before = {"window_days": scoring.window_days, "weights": dict(scoring.weights or {})}
        if window is not None:
            scoring.window_days = window
        if protect is not None:
            scoring.appeal_protect_days = protect
        if fee != "keep":
            scoring.membership_fee = fee  # type: ignore[assignment]
        if fee_days is not None:
            scoring.membership_days = fee_days
        scoring.weights = {**(scoring.weights or {}), **parsed}
        scoring.updated_at = timezone.now()
        validate(scoring, exclude=["market"])
        scoring.save()
        audit_record(
            actor=actor,
            action="membership.scoring_set",
            target=f"market:{market.public_id}",
            changes={
                "before": before,
                "window_days": scoring.window_days,
                "weights": scoring.weights,
                "appeal_protect_days": scoring.appeal_protect_days,
                "membership_fee": str(scoring.membership_fee) if scoring.membership_fee else None,
                "membership_days": scoring.membership_days,
            },
        )
    return scoring
