"""Gateway webhooks: ``POST /payments/webhooks/{provider}`` (no session, no token: the
HMAC signature in ``Mercator-Signature`` is the authentication). Safe to deliver twice or
out of order; answers 200 with what the event did, 400 ``bad_signature`` (nothing
written), 404 for an unknown provider."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from mercator.core.schemas import ErrorOut
from mercator.payments.schemas import WebhookOut
from mercator.payments.services.gateway import webhook_receive

router = Router(tags=["payments"])


@router.post(
    "/payments/webhooks/{provider}",
    response={200: WebhookOut, 400: ErrorOut, 404: ErrorOut},
    auth=None,
)
def webhook(request: HttpRequest, provider: str) -> dict[str, Any]:
    return webhook_receive(provider=provider, body=request.body, headers=request.headers)
