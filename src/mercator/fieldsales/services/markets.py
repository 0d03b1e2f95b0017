"""Target markets (目标市场): the platform's operators create them and edit them."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Category
from mercator.core.actor import Actor
from mercator.core.services import audit_record, validate
from mercator.fieldsales.models import TargetMarket
from mercator.fieldsales.selectors.targets import market_get
from mercator.fieldsales.services.common import (
    invalid,
    province_of,
    ref,
    require_operator,
    text_of,
)


def _category(value: object) -> Category | None:
    if value in (None, ""):
        return None
    found = Category.objects.filter(code=str(value).strip()[:40]).first()
    if found is None:
        raise invalid(_("未知的类目代码。"), "unknown_category", "category")
    return found


def market_create(
    *,
    actor: Actor,
    name: object,
    province: object = "",
    industry: object = "",
    description: object = "",
    category: object = "",
) -> TargetMarket:
    """An operator opens a market: a region × an industry (广西 × 食品厂), optionally the
    catalog category whose goods its targets' monthly need is counted in."""
    require_operator(actor)
    market = TargetMarket(
        name=text_of(name, field="name", required=True, limit=100),
        province=province_of(province),
        industry=text_of(industry, field="industry", required=False, limit=60),
        description=text_of(description, field="description", required=False, limit=2000),
        category=_category(category),
        created_by=actor.membership,
    )
    validate(market)
    with transaction.atomic():
        market.save()
        audit_record(
            actor=actor,
            action="target_market.create",
            target=ref("target_market", market),
            changes={"name": market.name, "province": market.province},
        )
    return market


def market_update(
    *,
    actor: Actor,
    market_id: object,
    name: object = None,
    industry: object = None,
    description: object = None,
    is_active: bool | None = None,
) -> TargetMarket:
    """An operator renames, describes or closes (``is_active=False``) a market."""
    market = market_get(actor, market_id)
    require_operator(actor)
    changes: dict[str, object] = {}
    if name is not None:
        market.name = changes["name"] = text_of(name, field="name", required=True, limit=100)
    if industry is not None:
        market.industry = changes["industry"] = text_of(
            industry, field="industry", required=False, limit=60
        )
    if description is not None:
        market.description = text_of(description, field="description", required=False, limit=2000)
        changes["description"] = True
    if is_active is not None:
        market.is_active = changes["is_active"] = bool(is_active)
    validate(market)
    with transaction.atomic():
        market.save()
        audit_record(
            actor=actor,
            action="target_market.update",
            target=ref("target_market", market),
            changes=changes,
        )
    return market
