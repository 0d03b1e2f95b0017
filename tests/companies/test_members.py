import pytest
from django.test import Client

from mercator.companies.models import ApiToken, CompanyRole, Invitation, Membership
from mercator.core.models import AuditEntry
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, add_member


def post(client, url, data=None):
    return client.post(url, data=data or {}, content_type="application/json")


def test_member_list_and_roles(api, master, clerk):
    members = api.get("/api/v1/members").json()
    assert members["count"] == 2
    roles = {r["code"]: r for r in api.get("/api/v1/roles").json()["items"]}
    assert {"master", "manager", "sales", "purchasing", "finance", "viewer"} <= set(roles)
    assert "members.manage" in roles["master"]["permissions"]
    assert "customers.view_all" not in roles["sales"]["permissions"]


def test_clerk_cannot_list_members(clerk):
    response = bearer_client(clerk).get("/api/v1/members")
    assert response.status_code == 403
    # but he can see himself
    me = bearer_client(clerk).get(f"/api/v1/members/{clerk.public_id}")
    assert me.status_code == 200


def test_change_role(api, clerk):
    response = api.patch(
        f"/api/v1/members/{clerk.public_id}",
        data={"role": "finance"},
        content_type="application/json",
    )
    assert response.status_code == 200
    clerk.refresh_from_db()
    assert clerk.role == "finance"
    bad = api.patch(
        f"/api/v1/members/{clerk.public_id}",
        data={"role": "pirate"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_role"
    to_master = api.patch(
        f"/api/v1/members/{clerk.public_id}",
        data={"role": "master"},
        content_type="application/json",
    )
    assert to_master.status_code == 422 and to_master.json()["code"] == "one_master"
    clerk.refresh_from_db()
    assert clerk.role == "finance"


def test_last_master_cannot_be_demoted_or_deactivated(company, master):
    manager = add_member(company, "manager")
    client = bearer_client(manager)
    # A manager cannot manage members at all...
    assert (
        client.patch(
            f"/api/v1/members/{master.public_id}",
            data={"role": "viewer"},
            content_type="application/json",
        ).status_code
        == 403
    )
    # ...and the master himself cannot demote or deactivate the master seat.
    api = bearer_client(master)
    demote = api.patch(
        f"/api/v1/members/{master.public_id}",
        data={"role": "viewer"},
        content_type="application/json",
    )
    assert demote.status_code == 409 and demote.json()["code"] == "last_master"
    deactivate = post(api, f"/api/v1/members/{master.public_id}/deactivate")
    assert deactivate.status_code == 409 and deactivate.json()["code"] == "last_master"
    master.refresh_from_db()
    assert master.role == "master" and master.is_active
    assert Membership.objects.filter(company=company, role="master", is_active=True).count() == 1


def test_transfer_mastership(company, master, clerk):
    api = bearer_client(master)
    response = post(api, "/api/v1/mastership/transfer", {"to": str(clerk.public_id)})
    assert response.status_code == 200
    master.refresh_from_db()
    clerk.refresh_from_db()
    assert clerk.role == "master" and master.role == "manager"
    assert Membership.objects.filter(company=company, role="master", is_active=True).count() == 1
    # The old master (now a manager) cannot transfer again.
    again = post(
        bearer_client(master), "/api/v1/mastership/transfer", {"to": str(master.public_id)}
    )
    assert again.status_code == 403


def test_transfer_to_inactive_or_foreign_member(company, master, clerk, other_company):
    api = bearer_client(master)
    post(api, f"/api/v1/members/{clerk.public_id}/deactivate")
    response = post(api, "/api/v1/mastership/transfer", {"to": str(clerk.public_id)})
    assert response.status_code == 409
    foreign = master_of(other_company)
    assert (
        post(api, "/api/v1/mastership/transfer", {"to": str(foreign.public_id)}).status_code == 404
    )
    master.refresh_from_db()
    assert master.role == "master"


def test_deactivate_revokes_tokens_and_sessions(company, master, clerk):
    clerk_api = bearer_client(clerk)
    browser = Client()
    assert browser.login(username=clerk.person.email, password=PASSWORD)
    assert browser.get("/").status_code == 200
    assert clerk_api.get("/api/v1/me").status_code == 200
    response = post(bearer_client(master), f"/api/v1/members/{clerk.public_id}/deactivate")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert clerk_api.get("/api/v1/me").status_code == 401
    assert not ApiToken.objects.filter(membership=clerk, revoked_at__isnull=True).exists()
    # The browser session is gone: the next page asks to sign in again.
    assert browser.get("/tokens/").status_code == 302
    assert AuditEntry.objects.filter(action="membership.deactivate").exists()
    twice = post(bearer_client(master), f"/api/v1/members/{clerk.public_id}/deactivate")
    assert twice.status_code == 409


def test_custom_roles(api, company, clerk):
    created = post(
        api,
        "/api/v1/roles",
        {
            "code": "region-lead",
            "name": "区域经理",
            "permissions": ["customers.view_all", "reports.view"],
        },
    )
    assert created.status_code == 201
    role_id = created.json()["id"]
    api.patch(
        f"/api/v1/members/{clerk.public_id}",
        data={"role": "region-lead"},
        content_type="application/json",
    )
    me = bearer_client(clerk).get("/api/v1/me").json()
    assert set(me["permissions"]) == {"customers.view_all", "reports.view"}
    assert api.delete(f"/api/v1/roles/{role_id}").status_code == 409  # in use
    bad = post(api, "/api/v1/roles", {"code": "master", "name": "x", "permissions": ["audit.view"]})
    assert bad.json()["code"] == "role_code_reserved"
    bad = post(
        api, "/api/v1/roles", {"code": "x1", "name": "x", "permissions": ["launch.missiles"]}
    )
    assert bad.json()["code"] == "validation_error"  # permissions are an enum in the schema
    assert CompanyRole.objects.count() == 1


def test_foreign_ids_are_404(company, clerk, other_company):
    other = bearer_client(master_of(other_company))
    for method, url in [
        ("get", f"/api/v1/members/{clerk.public_id}"),
        ("patch", f"/api/v1/members/{clerk.public_id}"),
        ("post", f"/api/v1/members/{clerk.public_id}/deactivate"),
        ("post", f"/api/v1/members/{clerk.public_id}/reactivate"),
        ("get", f"/api/v1/companies/{company.public_id}"),
        ("patch", f"/api/v1/companies/{company.public_id}"),
    ]:
        response = getattr(other, method)(url, data={}, content_type="application/json")
        assert response.status_code == 404, (method, url)
    clerk.refresh_from_db()
    assert clerk.is_active


def test_member_pages(web, company, clerk):
    page = web.get("/company/members/")
    assert page.status_code == 200
    assert clerk.person.email in page.content.decode()
    web.post(f"/company/members/{clerk.public_id}/update", {"role": "purchasing"})
    clerk.refresh_from_db()
    assert clerk.role == "purchasing"
    web.post(f"/company/members/{clerk.public_id}/deactivate")
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert (
        web.post(f"/company/members/{master_of(company).public_id}/deactivate").status_code == 302
    )
    assert master_of(company).is_active


def test_clerk_member_page_forbidden(company, clerk):
    client = Client()
    client.login(username=clerk.person.email, password=PASSWORD)
    assert client.get("/company/members/").status_code == 403


@pytest.mark.parametrize("email", ["", "new.clerk@example.com"])
def test_invitation_api_flow(
    api, company, email, huey_queue, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        created = post(api, "/api/v1/invitations", {"role": "sales", "email": email})
    assert created.status_code == 201
    link = created.json()["link"]
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert Invitation.objects.get().token_hash != token
    huey_queue.run()
    if email:
        assert len(mailoutbox) == 1 and link in mailoutbox[0].body
    else:
        assert mailoutbox == []
    from tests.factories import UserFactory

    person = UserFactory(email=email or "someone@example.com")
    client = Client()
    client.login(username=person.email, password=PASSWORD)
    accepted = post(client, "/api/v1/invitations/accept", {"token": token})
    # Session writes need CSRF in real browsers; the test client skips the check.
    assert accepted.status_code == 200
    assert Membership.objects.get(company=company, person=person).role == "sales"
    again = post(client, "/api/v1/invitations/accept", {"token": token})
    assert again.status_code == 409


def test_invitation_for_other_email_refused(api, company):
    created = post(api, "/api/v1/invitations", {"role": "sales", "email": "a@example.com"})
    token = created.json()["link"].rstrip("/").rsplit("/", 1)[1]
    from tests.factories import UserFactory

    stranger = UserFactory(email="b@example.com")
    response = post(
        bearer_client_for_person(stranger), "/api/v1/invitations/accept", {"token": token}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "invitation_other_email"
    assert not Membership.objects.filter(person=stranger).exists()


def bearer_client_for_person(person):
    client = Client()
    client.login(username=person.email, password=PASSWORD)
    return client


def test_invitation_expired_revoked_and_bad_input(api, company):
    from datetime import timedelta

    from django.utils import timezone

    created = post(api, "/api/v1/invitations", {"role": "sales"})
    token = created.json()["link"].rstrip("/").rsplit("/", 1)[1]
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    from tests.factories import UserFactory

    client = bearer_client_for_person(UserFactory())
    expired = post(client, "/api/v1/invitations/accept", {"token": token})
    assert expired.status_code == 409 and expired.json()["code"] == "invitation_expired"
    second = post(api, "/api/v1/invitations", {"role": "sales"}).json()
    assert api.delete(f"/api/v1/invitations/{second['id']}").status_code == 200
    token2 = second["link"].rstrip("/").rsplit("/", 1)[1]
    revoked = post(client, "/api/v1/invitations/accept", {"token": token2})
    assert revoked.json()["code"] == "invitation_revoked"
    assert post(client, "/api/v1/invitations/accept", {"token": "x" * 20}).status_code == 404
    assert post(api, "/api/v1/invitations", {"role": "master"}).status_code == 422
    assert post(api, "/api/v1/invitations", {"role": "sales", "days": 90}).status_code == 422
    assert (
        post(api, "/api/v1/invitations", {"role": "sales", "email": "not-an-email"}).status_code
        == 422
    )
    assert Invitation.objects.count() == 2


def test_foreign_invitation_revoke_404(api, other_company):
    created = post(api, "/api/v1/invitations", {"role": "sales"}).json()
    other = bearer_client(master_of(other_company))
    assert other.delete(f"/api/v1/invitations/{created['id']}").status_code == 404
    assert Invitation.objects.get().revoked_at is None
    assert other.get("/api/v1/invitations").json()["count"] == 0
