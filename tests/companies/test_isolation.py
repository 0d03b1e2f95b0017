"""A person of company B gets 404 for every company-A object id, on every endpoint."""

import pytest

from mercator.companies.models import ApiToken
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD


@pytest.fixture
def a_token(master):
    client = bearer_client(master)
    response = client.post("/api/v1/tokens", data={"name": "A"}, content_type="application/json")
    return ApiToken.objects.get(public_id=response.json()["id"])


@pytest.fixture
def b_client(other_company):
    return bearer_client(master_of(other_company))


def test_foreign_company_is_404(b_client, company, other_company):
    assert b_client.get(f"/api/v1/companies/{other_company.public_id}").status_code == 200
    response = b_client.get(f"/api/v1/companies/{company.public_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert company.legal_name not in response.content.decode()


def test_nonexistent_and_malformed_ids_answer_the_same(b_client):
    import uuid

    for value in [uuid.uuid4(), "1", "not-an-id"]:
        assert b_client.get(f"/api/v1/companies/{value}").status_code == 404


def test_foreign_token_revoke_is_404(b_client, a_token):
    response = b_client.delete(f"/api/v1/tokens/{a_token.public_id}")
    assert response.status_code == 404
    a_token.refresh_from_db()
    assert a_token.revoked_at is None


def test_foreign_token_not_listed(b_client, a_token):
    ids = [item["id"] for item in b_client.get("/api/v1/tokens").json()["items"]]
    assert str(a_token.public_id) not in ids


def test_colleague_token_is_404(clerk, a_token):
    # Tokens are personal: even a colleague in the same company cannot touch them.
    response = bearer_client(clerk).delete(f"/api/v1/tokens/{a_token.public_id}")
    assert response.status_code == 404


def test_foreign_token_revoke_on_web_is_404(client, other_company, a_token):
    client.login(username=master_of(other_company).person.email, password=PASSWORD)
    response = client.post(f"/tokens/{a_token.public_id}/revoke")
    assert response.status_code == 404
    a_token.refresh_from_db()
    assert a_token.revoked_at is None


def test_foreign_audit_not_visible(b_client, a_token):
    targets = [item["target"] for item in b_client.get("/api/v1/audit").json()["items"]]
    assert f"token:{a_token.public_id}" not in targets


def test_cannot_switch_into_foreign_company(client, master, other_company):
    client.login(username=master.person.email, password=PASSWORD)
    client.post("/company/switch", {"company": str(other_company.public_id)})
    page = client.get("/").content.decode()
    assert other_company.legal_name not in page
    assert master.company.legal_name in page
