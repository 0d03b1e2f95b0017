"""Payment providers (支付通道) behind one interface, so that nothing above payments names
a particular gateway.

A provider knows three things: where the payer goes to pay (``checkout_url(intent)``),
how to verify a webhook delivery (``verify(body, headers)``: 400 ``bad_signature`` and
nothing written when it does not hold), and whether its money is real (``sandbox``).
The registry (``providers``) holds the built-in sandbox and any class named in
``MERCATOR["PAYMENT_PROVIDERS"]`` (dotted paths). A provider that is not enabled is
unknown to the outside: its webhook and its pages answer 404.

The sandbox gateway fakes the outside world (a buyer "pays" with a button). It is on
only when ``MERCATOR["SANDBOX_PAYMENTS"]`` is (``make run`` and the tests turn it on),
and the money it captures is flagged (``PaymentIntent.sandbox``, the ledger's
SANDBOX_CLEARING account): it never makes a deal real.

The built-in signature scheme (``HmacProvider``): header ``Mercator-Signature:
t=<unix>,v1=<hex HMAC-SHA256(secret, f"{t}." + body)>`` (several ``v1=`` while a secret is
rotated); a timestamp further than ``WEBHOOK_TOLERANCE_SECONDS`` from now is refused.
"""

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from mercator.core.errors import BadRequest, NotFound

if TYPE_CHECKING:
    from mercator.payments.models import PaymentIntent

SIGNATURE_HEADER = "Mercator-Signature"
# Secrets nobody may run production with: empty, or a value published somewhere.
KNOWN_DEFAULT_SECRETS = frozenset(
    {"", "change-me", "changeme", "secret", "sandbox", "sandbox-secret-change-me", "test"}
)


def bad_signature(reason: str) -> BadRequest:
    return BadRequest(_("Webhook 签名无效。"), code="bad_signature", details={"reason": reason})


def header_value(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value)
    return ""


def weak_secret(value: str) -> bool:
    """Empty, or a known default (a value published somewhere)."""
    return (value or "").strip().lower() in KNOWN_DEFAULT_SECRETS


class Provider:
    """The interface every payment provider implements."""

    name: str = ""
    label: object = ""
    # Money through a sandbox is play money: flagged, and never a real deal.
    sandbox: bool = False
    # The key in settings.MERCATOR that holds the webhook secret.
    secret_setting: str = ""

    def enabled(self) -> bool:
        return True

    def secret(self) -> str:
        return str(settings.MERCATOR.get(self.secret_setting) or "")

    def checkout_url(self, intent: "PaymentIntent") -> str:
        raise NotImplementedError

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        raise NotImplementedError


class HmacProvider(Provider):
    """Webhooks signed with the ``Mercator-Signature`` HMAC scheme (module docstring)."""

    def digest(self, timestamp: int | str, body: bytes) -> str:
        key = self.secret().encode()
        return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()

    def sign(self, body: bytes, at: int | None = None) -> str:
        timestamp = int(time.time()) if at is None else int(at)
        return f"t={timestamp},v1={self.digest(timestamp, body)}"

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        if weak_secret(self.secret()):
            # A secret anyone may know authenticates nobody.
            raise bad_signature("weak_secret")
        header = header_value(headers, SIGNATURE_HEADER)
        if not header:
            raise bad_signature("missing_header")
        timestamp: int | None = None
        signatures: list[str] = []
        for part in header.split(","):
            key, _sep, value = part.strip().partition("=")
            if key == "t" and value.isdigit() and len(value) <= 12:
                timestamp = int(value)
            elif key == "v1" and value:
                signatures.append(value)
        if timestamp is None or not signatures:
            raise bad_signature("malformed_header")
        tolerance = int(settings.MERCATOR["WEBHOOK_TOLERANCE_SECONDS"])
        if abs(time.time() - timestamp) > tolerance:
            raise bad_signature("timestamp_outside_tolerance")
        expected = self.digest(timestamp, body)
        if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            raise bad_signature("mismatch")


class SandboxProvider(HmacProvider):
    """The sandbox gateway: a hosted checkout page on this site with "支付成功" and
    "模拟失败" buttons. Only with ``MERCATOR["SANDBOX_PAYMENTS"]`` on."""

    name = "sandbox"
    label = _("沙箱支付通道")
    sandbox = True
    secret_setting = "SANDBOX_GATEWAY_SECRET"

    def enabled(self) -> bool:
        return bool(settings.MERCATOR.get("SANDBOX_PAYMENTS"))

    def checkout_url(self, intent: "PaymentIntent") -> str:
        return reverse("sandbox-checkout", args=[intent.public_id])


SANDBOX = SandboxProvider.name


def providers() -> dict[str, Provider]:
    """Every registered provider by name (enabled or not): the built-in sandbox and the
    classes named in ``MERCATOR["PAYMENT_PROVIDERS"]``."""
    found: dict[str, Provider] = {SANDBOX: SandboxProvider()}
    for path in settings.MERCATOR.get("PAYMENT_PROVIDERS") or []:
        provider = import_string(path)()
        found[provider.name] = provider
    return found


def enabled_providers() -> list[Provider]:
    """Enabled providers, real ones first (the first is where checkouts go)."""
    enabled = [p for p in providers().values() if p.enabled()]
    return sorted(enabled, key=lambda p: p.sandbox)


def provider_get(name: str) -> Provider:
    """The enabled provider ``name``; 404 ``unknown_provider`` otherwise (a disabled
    provider is not admitted to exist)."""
    provider = providers().get(str(name))
    if provider is None or not provider.enabled():
        raise NotFound(_("未知的支付通道。"), code="unknown_provider")
    return provider


def checkout_provider() -> Provider | None:
    """The provider a new online payment goes through; None when none is enabled."""
    enabled = enabled_providers()
    return enabled[0] if enabled else None


def checkout_url(intent: "PaymentIntent") -> str | None:
    """Where the payer of an online (gateway) intent goes to pay; None for other methods
    or when its provider is not enabled."""
    if intent.method != "gateway" or not intent.provider:
        return None
    provider = providers().get(intent.provider)
    if provider is None or not provider.enabled():
        return None
    return provider.checkout_url(intent)
