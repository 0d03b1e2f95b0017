"""``{% load receipts %}{% lot_receipt_panel lot %}``: the receipt panel of the lot page
(another area's page): the lot's live receipt as a link, or for the warehouse's staff
the button that issues one (``logistics-receipt-issue``, after a confirmation)."""

from typing import Any

from django import template

from mercator.logistics.models import Lot
from mercator.logistics.selectors.receipts import lot_receipt_facts

register = template.Library()


@register.inclusion_tag("logistics/receipts/_lot_panel.html", takes_context=True)
def lot_receipt_panel(context: Any, lot: Lot) -> dict[str, Any]:
    """``lot`` comes from ``lot_get`` (the page already checked the reader may see it)."""
    request = context["request"]
    return {
        "lot": lot,
        "facts": lot_receipt_facts(request.actor, lot),
        "csrf_token": context.get("csrf_token"),
    }
