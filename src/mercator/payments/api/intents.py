"""Payment intents: read one (payer or payee), cancel a pending one (payer). Intents are
created by the services that need paying (orders, credit repayments)."""

from django.http import HttpRequest
from ninja import Router

from mercator.core.schemas import ERRORS
from mercator.payments.models import PaymentIntent
from mercator.payments.schemas import IntentOut
from mercator.payments.selectors.intents import intent_get
from mercator.payments.services.intents import intent_cancel

router = Router(tags=["payments"])


@router.get("/payments/intents/{intent_id}", response={200: IntentOut, **ERRORS})
def intent_detail(request: HttpRequest, intent_id: str) -> PaymentIntent:
    return intent_get(request.actor, intent_id)


@router.post("/payments/intents/{intent_id}/cancel", response={200: IntentOut, **ERRORS})
def intent_cancel_view(request: HttpRequest, intent_id: str) -> PaymentIntent:
    """The payer cancels a pending intent (money arriving later is still captured)."""
    intent_cancel(actor=request.actor, intent_id=intent_id)
    return intent_get(request.actor, intent_id)
