"""Webhooks in from the payment providers (``payments.providers``), and the sandbox
gateway's checkout that speaks the same protocol for ``make run``, the demo and the tests.

Protocol (what a provider sends to ``POST /api/v1/payments/webhooks/<provider>``; the
provider must be registered and enabled, else 404 ``unknown_provider``):
- body: JSON ``{"id": "evt_…", "type": "charge.succeeded" | "charge.failed",
  "created": <unix>, "data": {"intent": "<intent public id>", "charge": "ch_…",
  "amount": "123.45", "currency": "CNY"}}``;
- header ``Mercator-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, f"{t}." + body)>``
  (several ``v1=`` may be sent while a secret is rotated).

A delivery is verified by its provider before anything is written (bad signature or a
timestamp outside ``WEBHOOK_TOLERANCE_SECONDS``: 400 ``bad_signature``). An intent is
captured only by the provider it was created for (``provider_mismatch`` otherwise); a
sandbox capture comes from the SANDBOX_CLEARING account and flags the intent as sandbox
money. Each event id is stored once
(``WebhookEvent``, unique per provider): a redelivery only counts ``deliveries`` and
answers ``{"result": "duplicate"}``. Events may come in any order: a failure after a
success changes nothing; a success after a failure or a cancellation still captures (the
money was taken). A success whose amount or currency differs from the intent is recorded
(``amount_mismatch``) and not captured.
"""

import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from mercator.core.actor import Actor
from mercator.core.errors import (
    BadRequest,
    Conflict,
    NotFound,
    ValidationFailed,
    not_allowed,
)
from mercator.core.ids import parse_public_id
from mercator.core.money import to_decimal
from mercator.core.services import audit_record
from mercator.payments.models import AccountKind, PaymentIntent, WebhookEvent
from mercator.payments.providers import (
    SANDBOX,
    SIGNATURE_HEADER,
    HmacProvider,
    Provider,
    provider_get,
)
from mercator.payments.services.intents import intent_capture, intent_fail

EVENT_TYPES = {"charge.succeeded", "charge.failed"}
MAX_BODY = 64 * 1024


def sandbox_sign(body: bytes, at: int | None = None) -> str:
    """The ``Mercator-Signature`` header value the sandbox gateway sends with ``body``
    (404 ``unknown_provider`` when the sandbox is off)."""
    provider = provider_get(SANDBOX)
    assert isinstance(provider, HmacProvider)
    return provider.sign(body, at)


def _parse(body: bytes) -> dict[str, Any]:
    """The event, checked for shape; a signed but malformed event is a 400 too."""
    try:
        event = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(_("Webhook 内容不是有效的 JSON。"), code="bad_payload") from None
    data = event.get("data") if isinstance(event, dict) else None
    if (
        not isinstance(data, dict)
        or not isinstance(event.get("id"), str)
        or not event["id"]
        or len(event["id"]) > 80
        or not isinstance(event.get("type"), str)
        or len(event["type"]) > 40
    ):
        raise BadRequest(_("Webhook 事件缺少必要字段。"), code="bad_payload")
    return event


def webhook_receive(*, provider: str, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """Verify, record once and apply one webhook delivery. Safe to receive twice or out
    of order. Returns ``{"result": …, "event": <id>}``."""
    gateway = provider_get(provider)
    if len(body) > MAX_BODY:
        raise BadRequest(_("Webhook 内容过大。"), code="bad_payload")
    gateway.verify(body, headers)
    event = _parse(body)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    provider=provider,
                    event_id=event["id"],
                    event_type=event["type"],
                    payload=event,
                )
        except IntegrityError:
            WebhookEvent.objects.filter(provider=provider, event_id=event["id"]).update(
                deliveries=F("deliveries") + 1
            )
            return {"result": "duplicate", "event": event["id"]}
        result = _apply(gateway, event)
        record.result = result
        record.save(update_fields=["result"])
    return {"result": result, "event": event["id"]}


def _apply(gateway: Provider, event: dict[str, Any]) -> str:
    """What the event does to its intent; the answer is stored on the event row."""
    if event["type"] not in EVENT_TYPES:
        return "ignored_type"
    data = event["data"]
    wanted = parse_public_id(data.get("intent"))
    intent = PaymentIntent.objects.filter(public_id=wanted).first() if wanted else None
    if intent is None:
        return "unknown_intent"
    if intent.method != PaymentIntent.Method.GATEWAY:
        return "method_mismatch"
    if intent.provider != gateway.name:
        # Only the provider the payer was sent to may capture the intent: a sandbox
        # event never pays an intent meant for a real gateway.
        return "provider_mismatch"
    charge = str(data.get("charge") or "")[:64]
    if event["type"] == "charge.failed":
        reason = str(data.get("failure_message") or _("支付通道报告扣款失败。"))
        return "failed" if intent_fail(intent=intent, reason=reason) else "ignored"
    try:
        amount = to_decimal(data.get("amount"))
    except ValidationFailed:
        return "amount_mismatch"
    if amount != intent.amount or data.get("currency") != intent.currency:
        return "amount_mismatch"
    source = AccountKind.SANDBOX_CLEARING if gateway.sandbox else AccountKind.GATEWAY_CLEARING
    _txn, created = intent_capture(
        intent=intent,
        source_kind=source,
        external_id=charge or f"event:{event['id']}",
        amount=amount,
    )
    return "captured" if created else "already_captured"


def sandbox_complete(
    *, actor: Actor, intent_id: object, outcome: str = "succeeded"
) -> dict[str, Any]:
    """The sandbox gateway's checkout: the payer approves (or fails) the charge, and the
    gateway delivers the signed event to our webhook with exactly the bytes and header a
    real HTTP delivery would carry."""
    provider_get(SANDBOX)  # 404 when the sandbox is off
    actor.require("payments.pay")
    company = actor.require_company()
    if outcome not in ("succeeded", "failed"):
        raise ValidationFailed(
            _("无效的支付结果。"), code="invalid_outcome", details={"field": "outcome"}
        )
    wanted = parse_public_id(intent_id)
    intent = (
        PaymentIntent.objects.filter(payer=company, public_id=wanted).first() if wanted else None
    )
    if intent is None:
        raise NotFound()
    if intent.method != PaymentIntent.Method.GATEWAY or intent.provider != SANDBOX:
        raise Conflict(_("该付款单不是沙箱通道的在线支付。"), code="not_gateway")
    if intent.status not in (PaymentIntent.Status.PENDING, PaymentIntent.Status.FAILED):
        raise not_allowed(intent.get_status_display(), _("支付"), intent.status)
    now = int(time.time())
    data: dict[str, Any] = {
        "intent": str(intent.public_id),
        "charge": f"ch_{secrets.token_hex(12)}",
        "amount": str(intent.amount),
        "currency": intent.currency,
    }
    if outcome == "failed":
        data["failure_message"] = "sandbox: card declined"
    event = {"id": f"evt_{secrets.token_hex(12)}", "type": f"charge.{outcome}", "created": now}
    event["data"] = data
    body = json.dumps(event, separators=(",", ":"), sort_keys=True).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sandbox_sign(body, now)}
    with transaction.atomic():
        answer = webhook_receive(provider=SANDBOX, body=body, headers=headers)
        audit_record(
            actor=actor,
            action="payment.sandbox_complete",
            target=intent.ref,
            changes={"outcome": outcome, "event": event["id"], "result": answer["result"]},
        )
    return answer
