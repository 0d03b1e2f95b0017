import uuid
from datetime import timedelta

from django.utils import timezone

from mercator.companies.models import ApiToken
from mercator.core.models import AuditEntry, IdempotencyRecord
from mercator.core.services import idempotency_purge_expired
from tests.conftest import bearer_client


def post_token(client, key, name="ERP"):
    return client.post(
        "/api/v1/tokens",
        data={"name": name},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_replay_returns_first_response_and_writes_once(api, master):
    key = str(uuid.uuid4())
    before = ApiToken.objects.count()
    audits = AuditEntry.objects.filter(action="token.create").count()
    first = post_token(api, key)
    assert first.status_code == 201
    for _ in range(5):
        again = post_token(api, key)
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
    assert ApiToken.objects.count() == before + 1
    assert AuditEntry.objects.filter(action="token.create").count() == audits + 1


def test_same_key_other_body_is_409(api):
    key = str(uuid.uuid4())
    assert post_token(api, key, "one").status_code == 201
    before = ApiToken.objects.count()
    response = post_token(api, key, "two")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert ApiToken.objects.count() == before


def test_keys_are_scoped_per_credential(master, clerk):
    key = str(uuid.uuid4())
    assert post_token(bearer_client(master), key).status_code == 201
    # Another person may use the same key value: it is a different request.
    response = post_token(bearer_client(clerk), key)
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_replayed_4xx_is_not_reexecuted(api):
    key = str(uuid.uuid4())
    first = api.post(
        "/api/v1/tokens",
        data={"name": "x", "expires_at": "2000-01-01T00:00:00Z"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert first.status_code == 422
    assert first.json()["code"] == "expiry_in_past"
    again = api.post(
        "/api/v1/tokens",
        data={"name": "x", "expires_at": "2000-01-01T00:00:00Z"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert again.status_code == 422
    assert again["Idempotent-Replayed"] == "true"


def test_invalid_key(api):
    response = post_token(api, "x" * 300)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_idempotency_key"


def test_stored_body_is_encrypted(api):
    key = str(uuid.uuid4())
    secret = post_token(api, key).json()["secret"]
    record = IdempotencyRecord.objects.get()
    assert secret.encode() not in bytes(record.body)
    assert key not in record.key_hash


def test_expired_keys_are_purged_and_reusable(api):
    key = str(uuid.uuid4())
    first = post_token(api, key)
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - timedelta(hours=25),
        expires_at=timezone.now() - timedelta(hours=1),
    )
    # An expired key is a new request again.
    second = post_token(api, key)
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert idempotency_purge_expired() == 1
    assert not IdempotencyRecord.objects.exists()


def test_keys_kept_at_least_24_hours(api, settings):
    post_token(api, str(uuid.uuid4()))
    record = IdempotencyRecord.objects.get()
    assert record.expires_at - record.created_at >= timedelta(hours=24)
    assert idempotency_purge_expired(now=timezone.now() + timedelta(hours=23)) == 0
