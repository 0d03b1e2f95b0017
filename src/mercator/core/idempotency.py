"""``Idempotency-Key`` for mutating API requests.

A client that may retry (a timeout, a lost connection) sends ``Idempotency-Key: <uuid>``
with a POST/PUT/PATCH/DELETE under /api/. The first request runs inside one transaction
together with the record of its response; a replay with the same key and the same body
gets that first response back (header ``Idempotent-Replayed: true``) without running
again; the same key with another body, or while the first is still running, is a 409.
Responses of 500 and above are not kept (nothing was written; the client may retry).
Keys live ``MERCATOR["IDEMPOTENCY_TTL_HOURS"]`` (24 by default); a periodic task purges
them (``core.tasks.purge_expired_idempotency_keys``).
"""

import base64
import hashlib
import hmac
from collections.abc import Callable

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from mercator.core.errors import Conflict, DomainError, ValidationFailed
from mercator.core.models import IdempotencyRecord
from mercator.core.services import idempotency_expiry

HEADER = "Idempotency-Key"
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY_LENGTH = 255


def _credential_scope(request: HttpRequest) -> str | None:
    """Who sent it: the bearer credential, or the signed-in person and company. Keys of
    different callers never collide; an anonymous request is not tracked."""
    auth = request.headers.get("Authorization", "")
    if auth:
        return "auth:" + hashlib.sha256(auth.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        actor = getattr(request, "actor", None)
        company = getattr(getattr(actor, "company", None), "public_id", "")
        return f"session:{user.pk}:{company}"
    return None


def _fernet(key: str, scope: str) -> Fernet:
    secret = hmac.new(settings.SECRET_KEY.encode(), f"{scope}|{key}".encode(), "sha256").digest()
    return Fernet(base64.urlsafe_b64encode(secret))


def _error(exc: DomainError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})


def _replay(record: IdempotencyRecord, fernet: Fernet) -> HttpResponse:
    body = fernet.decrypt(bytes(record.body)) if record.body else b""
    response = HttpResponse(body, status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in MUTATING or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isascii():
            return _error(
                ValidationFailed(
                    _("Idempotency-Key 必须是 1 到 255 个 ASCII 字符。"),
                    code="invalid_idempotency_key",
                )
            )
        scope = _credential_scope(request)
        if scope is None:
            return self.get_response(request)
        key_hash = hashlib.sha256(f"{scope}|{key}".encode()).hexdigest()
        request_hash = hashlib.sha256(
            b"|".join([request.method.encode(), request.path.encode(), request.body])
        ).hexdigest()
        fernet = _fernet(key, scope)
        now = timezone.now()

        existing = IdempotencyRecord.objects.filter(key_hash=key_hash, expires_at__gte=now).first()
        if existing is not None:
            return self._answer_existing(existing, request_hash, fernet)

        try:
            with transaction.atomic():
                IdempotencyRecord.objects.filter(key_hash=key_hash, expires_at__lt=now).delete()
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            key_hash=key_hash,
                            request_hash=request_hash,
                            method=request.method,
                            path=request.path[:512],
                            created_at=now,
                            expires_at=idempotency_expiry(now),
                        )
                except IntegrityError:
                    # Another request with this key committed first (PostgreSQL blocks on
                    # the unique index until it does): answer as a replay would.
                    raise _Raced() from None
                response = self.get_response(request)
                if response.status_code >= 500 or response.status_code == 401:
                    raise _Discard(response)
                content = response.content if not response.streaming else b""
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "")
                record.body = fernet.encrypt(content) if content else b""
                record.save(update_fields=["status_code", "content_type", "body"])
                return response
        except _Discard as discard:
            return discard.response
        except _Raced:
            existing = IdempotencyRecord.objects.filter(key_hash=key_hash).first()
            if existing is None:
                return _error(Conflict(_("相同 Idempotency-Key 的请求仍在处理中。")))
            return self._answer_existing(existing, request_hash, fernet)

    @staticmethod
    def _answer_existing(
        record: IdempotencyRecord, request_hash: str, fernet: Fernet
    ) -> HttpResponse:
        if record.request_hash != request_hash:
            return _error(
                Conflict(
                    _("此 Idempotency-Key 已用于另一个不同的请求。"),
                    code="idempotency_key_reused",
                )
            )
        if record.status_code is None:
            return _error(
                Conflict(
                    _("相同 Idempotency-Key 的请求仍在处理中。"),
                    code="idempotency_in_progress",
                )
            )
        return _replay(record, fernet)


class _Discard(Exception):
    """Roll back the key (and anything written) and pass the response through."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


class _Raced(Exception):
    pass
