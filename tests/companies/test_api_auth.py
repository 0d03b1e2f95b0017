"""The API's promises about who is calling: a bad token is a 401 and never falls back to
the session; no credentials is a 401 before any CSRF check; and an integrator with no
browser can get a token, sign up, join by invitation and choose the acting company."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import ApiToken, Company, Invitation, Membership
from mercator.companies.services.members import invitation_create, member_deactivate
from mercator.companies.services.tokens import token_create, token_revoke
from mercator.core.models import AuditEntry, User
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, UserFactory, add_member

JSON = "application/json"


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    cache.clear()
    yield
    cache.clear()


def _signed_in(membership: Membership, **extra: object) -> Client:
    client = Client(**extra)
    assert client.login(username=membership.person.email, password=PASSWORD)
    return client


def _call(client: Client, method: str, path: str) -> object:
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, data="{}", content_type=JSON)


# A bad token never falls back to the session ------------------------------------------

CALLS = [
    ("get", "/api/v1/me"),
    ("post", "/api/v1/tokens"),
    ("patch", "/api/v1/companies/00000000-0000-0000-0000-000000000000"),
    ("delete", "/api/v1/tokens/00000000-0000-0000-0000-000000000000"),
]


@pytest.mark.parametrize(("method", "path"), CALLS)
@pytest.mark.parametrize("header", ["Bearer mct_not-a-real-token", "Bearer", "Basic dXNlcjpw"])
def test_bad_token_is_401_even_with_a_valid_session(master, method, path, header):
    client = _signed_in(master, HTTP_AUTHORIZATION=header)
    before = AuditEntry.objects.count(), ApiToken.objects.count()
    response = _call(client, method, path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert (AuditEntry.objects.count(), ApiToken.objects.count()) == before


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_revoked_token_is_401_even_with_a_valid_session(master, method, path):
    actor = actor_for_membership(master, via="api")
    token, secret = token_create(actor=actor, name="old")
    token_revoke(actor=actor, public_id=token.public_id)
    client = _signed_in(master, HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = _call(client, method, path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_no_token_no_session_is_401_not_csrf(db, method, path):
    response = _call(Client(enforce_csrf_checks=True), method, path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_session_write_without_csrf_is_still_403(master):
    client = _signed_in(master, enforce_csrf_checks=True)
    response = client.post("/api/v1/tokens", data={"name": "x"}, content_type=JSON)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert client.get("/api/v1/me").status_code == 200


def test_token_of_a_company_he_left_is_401(master, other_company):
    seat = add_member(other_company, "sales", person=master.person)
    client = bearer_client(seat)
    assert client.get("/api/v1/me").status_code == 200
    member_deactivate(
        actor=actor_for_membership(master_of(other_company), via="web"),
        membership_id=seat.public_id,
    )
    assert client.get("/api/v1/me").status_code == 401


# Token exchange -------------------------------------------------------------------------


def _exchange(client: Client, **body: object) -> object:
    return client.post("/api/v1/auth/token", data=body, content_type=JSON)


def test_exchange_email_and_password_for_a_token(master):
    client = Client()
    response = _exchange(client, email=master.person.email.upper(), password=PASSWORD, name="ERP")
    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("mct_")
    assert body["name"] == "ERP"
    assert body["company"]["id"] == str(master.company.public_id)
    assert body["role"] == "master"
    me = Client(HTTP_AUTHORIZATION=f"Bearer {body['secret']}").get("/api/v1/me").json()
    assert me["email"] == master.person.email
    assert me["company"]["id"] == str(master.company.public_id)
    assert AuditEntry.objects.filter(action="token.create").exists()


def test_exchange_picks_the_company_asked_for(master, other_company):
    add_member(other_company, "finance", person=master.person)
    body = _exchange(
        Client(), email=master.person.email, password=PASSWORD, company=str(other_company.public_id)
    ).json()
    assert body["company"]["id"] == str(other_company.public_id)
    assert body["role"] == "finance"
    me = Client(HTTP_AUTHORIZATION=f"Bearer {body['secret']}").get("/api/v1/me").json()
    assert me["company"]["id"] == str(other_company.public_id)


def test_exchange_for_a_company_not_his_is_404_and_issues_nothing(master, other_company):
    before = ApiToken.objects.count()
    response = _exchange(
        Client(), email=master.person.email, password=PASSWORD, company=str(other_company.public_id)
    )
    assert response.status_code == 404
    assert ApiToken.objects.count() == before


def test_exchange_wrong_password_and_unknown_email_answer_alike(master):
    before = ApiToken.objects.count()
    wrong = _exchange(Client(), email=master.person.email, password="wrong password")
    unknown = _exchange(Client(), email="nobody@example.com", password="wrong password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"
    assert ApiToken.objects.count() == before


def test_exchange_is_throttled_like_the_web_sign_in(master, settings):
    limit = settings.MERCATOR["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert _exchange(Client(), email=master.person.email, password="nope").status_code == 401
    blocked = _exchange(Client(), email=master.person.email, password=PASSWORD)
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "rate_limited"
    # The same counter as the web sign-in page: it is blocked there too.
    page = Client().post("/login/", {"username": master.person.email, "password": PASSWORD})
    assert "_auth_user_id" not in page.client.session


def test_exchange_by_a_person_without_company_is_403(db):
    person = UserFactory()
    response = _exchange(Client(), email=person.email, password=PASSWORD)
    assert response.status_code == 403
    assert response.json()["code"] == "no_company"


def test_exchange_by_a_viewer_is_403(company):
    viewer = add_member(company, "viewer")
    response = _exchange(Client(), email=viewer.person.email, password=PASSWORD)
    assert response.status_code == 403
    assert not ApiToken.objects.filter(membership=viewer).exists()


# Sign-up and invitations ----------------------------------------------------------------

NEWCOMER = {
    "email": "boss@sugar.example",
    "password": "a long sweet password",
    "display_name": "王",
}


def test_register_person_and_company_then_exchange(db):
    company = {"legal_name": "南宁甜蜜糖业有限公司", "short_name": "甜蜜糖业", "kind": "seller"}
    response = Client().post(
        "/api/v1/auth/register", data={"person": NEWCOMER, "company": company}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "master"
    assert body["person"]["email"] == NEWCOMER["email"]
    token = _exchange(Client(), email=NEWCOMER["email"], password=NEWCOMER["password"]).json()
    me = Client(HTTP_AUTHORIZATION=f"Bearer {token['secret']}").get("/api/v1/me").json()
    assert me["company"]["id"] == body["company"]["id"]
    assert me["role"] == "master"


def test_register_taken_email_creates_nothing(master):
    counts = User.objects.count(), Company.objects.count()
    company = {"legal_name": "另一家有限公司", "short_name": "另一家"}
    person = {**NEWCOMER, "email": master.person.email}
    response = Client().post(
        "/api/v1/auth/register", data={"person": person, "company": company}, content_type=JSON
    )
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert (User.objects.count(), Company.objects.count()) == counts


def _invite(company: Company, email: str = "") -> str:
    actor = actor_for_membership(master_of(company), via="web")
    _invitation, token = invitation_create(actor=actor, role="sales", email=email)
    return token


def _join(**body: object) -> object:
    return Client().post("/api/v1/auth/invitations/accept", data=body, content_type=JSON)


def test_newcomer_joins_by_invitation_then_exchanges(company):
    token = _invite(company)
    response = _join(token=token, **NEWCOMER)
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "sales"
    secret = _exchange(Client(), email=NEWCOMER["email"], password=NEWCOMER["password"]).json()
    me = Client(HTTP_AUTHORIZATION=f"Bearer {secret['secret']}").get("/api/v1/me").json()
    assert me["company"]["id"] == str(company.public_id)
    assert me["role"] == "sales"


def test_known_person_joins_by_invitation_with_his_password(company, other_company):
    person = master_of(other_company).person
    response = _join(token=_invite(company), email=person.email, password=PASSWORD)
    assert response.status_code == 201
    assert Membership.objects.filter(company=company, person=person, is_active=True).exists()


def test_known_person_with_a_wrong_password_is_401_and_joins_nothing(company, other_company):
    person = master_of(other_company).person
    response = _join(token=_invite(company), email=person.email, password="wrong", display_name="x")
    assert response.status_code == 401
    assert not Membership.objects.filter(company=company, person=person).exists()


@pytest.mark.parametrize("state", ["accepted", "revoked", "expired"])
def test_refused_invitation_creates_nobody(company, state):
    token = _invite(company)
    invitation = Invitation.objects.get(company=company)
    if state == "accepted":
        assert _join(token=token, **NEWCOMER).status_code == 201
    elif state == "revoked":
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    else:
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    counts = User.objects.count(), Membership.objects.count()
    other = {**NEWCOMER, "email": "second@sugar.example"}
    response = _join(token=token, **other)
    assert response.status_code == 409
    assert response.json()["code"] == f"invitation_{state}"
    assert (User.objects.count(), Membership.objects.count()) == counts
    assert not User.objects.filter(email="second@sugar.example").exists()


def test_unknown_invitation_is_404_and_creates_nobody(db):
    counts = User.objects.count()
    response = _join(token="x" * 32, **NEWCOMER)
    assert response.status_code == 404
    assert User.objects.count() == counts


# The acting company ---------------------------------------------------------------------


def test_choose_the_acting_company_of_a_token(master, other_company):
    seat_b = add_member(other_company, "finance", person=master.person)
    client = bearer_client(master)
    seats = client.get("/api/v1/me/companies").json()
    assert seats["count"] == 2
    assert {s["company"]["id"] for s in seats["items"]} == {
        str(master.company.public_id),
        str(other_company.public_id),
    }
    switched = client.post(
        "/api/v1/me/company", data={"company": str(other_company.public_id)}, content_type=JSON
    )
    assert switched.status_code == 200
    assert switched.json()["company"]["id"] == str(other_company.public_id)
    me = client.get("/api/v1/me").json()
    assert me["company"]["id"] == str(other_company.public_id)
    assert me["role"] == "finance"
    assert AuditEntry.objects.filter(action="token.act_for").exists()
    # Bound to that seat: once he leaves the company, the token answers 401.
    member_deactivate(
        actor=actor_for_membership(master_of(other_company), via="web"),
        membership_id=seat_b.public_id,
    )
    assert client.get("/api/v1/me").status_code == 401


def test_acting_company_not_his_is_404(master, other_company):
    client = bearer_client(master)
    response = client.post(
        "/api/v1/me/company", data={"company": str(other_company.public_id)}, content_type=JSON
    )
    assert response.status_code == 404
    assert client.get("/api/v1/me").json()["company"]["id"] == str(master.company.public_id)


def test_acting_company_of_a_session(master, other_company):
    add_member(other_company, "sales", person=master.person)
    client = _signed_in(master)
    response = client.post(
        "/api/v1/me/company", data={"company": str(other_company.public_id)}, content_type=JSON
    )
    assert response.status_code == 200
    assert client.get("/api/v1/me").json()["company"]["id"] == str(other_company.public_id)


# Bookkeeping off the request path -------------------------------------------------------


def test_reads_record_token_use_at_most_once_a_minute(master):
    client = bearer_client(master)
    token = ApiToken.objects.get(membership=master)
    assert client.get("/api/v1/me").status_code == 200
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get("/api/v1/me").status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert writes == []
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    # A minute later the next call records it again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    assert client.get("/api/v1/me").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first
