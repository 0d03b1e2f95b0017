"""Bad input answers a clear 4xx in the caller's language and writes nothing."""

import pytest

from mercator.companies.models import ApiToken
from mercator.core.models import AuditEntry
from tests.conftest import bearer_client


@pytest.fixture
def counts(db):
    def snapshot() -> tuple[int, int]:
        return AuditEntry.objects.count(), ApiToken.objects.count()

    return snapshot


def test_unknown_api_route_is_json_404(api, counts):
    before = counts()
    response = api.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["message"] == "找不到该对象。"
    assert counts() == before


def test_unknown_api_route_in_english(api):
    response = api.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["message"] == "Not found."


def test_unknown_page_is_html_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "找不到该页面" in response.content.decode()


def test_wrong_method(api, counts):
    before = counts()
    response = api.put("/api/v1/me", data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert counts() == before


def test_malformed_json(api, counts):
    before = counts()
    response = api.post("/api/v1/tokens", data="{not json", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "malformed_json"
    assert "JSON" in body["message"]
    assert counts() == before


def test_schema_violation_is_422(api, counts):
    before = counts()
    response = api.post("/api/v1/tokens", data={"name": ""}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["details"]["errors"][0]["location"].endswith("name")
    assert counts() == before


def test_schema_violation_in_english(api):
    response = api.post(
        "/api/v1/tokens", data={}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    assert response.json()["message"].startswith("Invalid input")


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer mct_not-a-real-token", "Basic dXNlcjpwYXNz", "Token abc"],
)
def test_missing_or_bad_token_is_401(client, counts, header):
    before = counts()
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(
        "/api/v1/tokens", data={"name": "x"}, content_type="application/json", **extra
    )
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["message"] == "需要登录或有效的 API 令牌。"
    assert counts() == before


def test_401_in_english(client, db):
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["message"] == "Sign in or provide a valid API token."
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401(master, counts):
    client = bearer_client(master)
    token = ApiToken.objects.get(membership=master)
    assert client.get("/api/v1/me").status_code == 200
    assert client.delete(f"/api/v1/tokens/{token.public_id}").status_code == 200
    before = counts()
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert counts() == before


def test_expired_token_is_401(master):
    from datetime import timedelta

    from django.utils import timezone

    client = bearer_client(master)
    ApiToken.objects.filter(membership=master).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get("/api/v1/me").status_code == 401


def test_deactivated_member_token_is_401(clerk):
    client = bearer_client(clerk)
    assert client.get("/api/v1/me").status_code == 200
    type(clerk).objects.filter(pk=clerk.pk).update(is_active=False)
    assert client.get("/api/v1/me").status_code == 401


def test_session_api_post_needs_csrf(master, counts):
    from django.test import Client

    from tests.factories import PASSWORD

    client = Client(enforce_csrf_checks=True)
    client.login(username=master.person.email, password=PASSWORD)
    assert client.get("/api/v1/me").status_code == 200
    before = counts()
    response = client.post("/api/v1/tokens", data={"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert counts() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/tokens", '{"name": "a\\u0000b"}'),
        ("post", "/api/v1/customers", '{"name": "x", "notes": "\\u0000"}'),
        ("get", "/api/v1/customers?q=%00", None),
    ],
)
def test_nul_characters_are_422_not_500(api, counts, method, path, body):
    """PostgreSQL text cannot hold NUL: the API refuses it before any write."""
    before = counts()
    if method == "get":
        response = api.get(path)
    else:
        response = api.post(path, data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "nul_character"
    assert counts() == before
