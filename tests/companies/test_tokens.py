import hashlib

from django.test import Client

from mercator.companies.models import ApiToken
from mercator.core.models import AuditEntry
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, add_member


def test_create_token_via_api_shown_once_and_hashed(api, master):
    response = api.post("/api/v1/tokens", data={"name": "ERP"}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    secret = body["secret"]
    assert secret.startswith("mct_")
    token = ApiToken.objects.get(public_id=body["id"])
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().first())
    listing = api.get("/api/v1/tokens").json()
    assert listing["count"] == 2
    assert all("secret" not in item for item in listing["items"])
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me").status_code == 200
    assert AuditEntry.objects.filter(action="token.create", target=f"token:{token.public_id}")


def test_token_acts_for_its_company(master, other_company):
    # The same person in two companies: each token acts for the company it was made in.
    person = master.person
    seat_b = add_member(other_company, "finance", person=person)
    me_a = bearer_client(master).get("/api/v1/me").json()
    me_b = bearer_client(seat_b).get("/api/v1/me").json()
    assert me_a["company"]["id"] == str(master.company.public_id)
    assert me_b["company"]["id"] == str(other_company.public_id)
    assert me_b["role"] == "finance"


def test_viewer_cannot_create_tokens(company):
    viewer = add_member(company, "viewer")
    client = Client()
    client.login(username=viewer.person.email, password=PASSWORD)
    response = client.post("/tokens/", {"name": "x"})
    assert response.status_code == 403
    assert not ApiToken.objects.filter(membership=viewer).exists()


def test_revoke_twice_is_harmless(api, master):
    created = api.post("/api/v1/tokens", data={"name": "t"}, content_type="application/json")
    token_id = created.json()["id"]
    assert api.delete(f"/api/v1/tokens/{token_id}").status_code == 200
    audits = AuditEntry.objects.filter(action="token.revoke").count()
    second = api.delete(f"/api/v1/tokens/{token_id}")
    assert second.status_code == 200
    assert second.json()["revoked_at"] is not None
    assert AuditEntry.objects.filter(action="token.revoke").count() == audits


def test_pagination(api):
    for i in range(5):
        api.post("/api/v1/tokens", data={"name": f"t{i}"}, content_type="application/json")
    page = api.get("/api/v1/tokens?limit=2&offset=1").json()
    assert page["count"] == 6 and page["limit"] == 2 and page["offset"] == 1
    assert len(page["items"]) == 2
    assert api.get("/api/v1/tokens?limit=1000").status_code == 422


def test_web_tokens_page_create_and_revoke(web, master):
    page = web.get("/tokens/")
    assert page.status_code == 200
    response = web.post("/tokens/", {"name": "表格导入"})
    assert response.status_code == 200
    html = response.content.decode()
    token = ApiToken.objects.get(membership=master, name="表格导入")
    assert 'data-testid="token-secret"' in html
    assert token.prefix in html
    # The secret is not on the page the next time.
    assert 'data-testid="token-secret"' not in web.get("/tokens/").content.decode()
    response = web.post(f"/tokens/{token.public_id}/revoke")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_web_token_form_errors(web):
    response = web.post("/tokens/", {"name": ""})
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()


def test_htmx_gets_partial(web):
    response = web.post("/tokens/", {"name": "htmx"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()


def test_switch_company(web, master, other_company):
    add_member(other_company, "viewer", person=master.person)
    assert master.company.legal_name in web.get("/").content.decode()
    web.post("/company/switch", {"company": str(other_company.public_id)})
    assert other_company.legal_name in web.get("/").content.decode()
    # A company he does not belong to is ignored (falls back to his first seat).
    stranger = master_of(other_company).company  # same company, sanity
    assert stranger == other_company
