"""Every htmx POST of the member, role, invitation and customer pages, sent by a member
whose role does not allow it: a 403/404 page or fragment, never a 500, and nothing
changed."""

import pytest
from django.test import Client

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import CompanyRole, Contact, Invitation, Membership
from mercator.companies.roles import Role
from mercator.companies.services import customers as customer_services
from mercator.companies.services import members as member_services
from tests.factories import PASSWORD, add_member

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/company/members/"}


def login(seat: Membership) -> Client:
    client = Client()
    assert client.login(username=seat.person.email, password=PASSWORD)
    return client


@pytest.fixture
def targets(company, master):
    boss = actor_for_membership(master, via="web")
    clerk = add_member(company, Role.SALES)
    gone = add_member(company, Role.PURCHASING)
    member_services.member_deactivate(actor=boss, membership_id=gone.public_id)
    role = member_services.role_create(
        actor=boss, code="packer", name="打包员", permissions=["company.view"]
    )
    invitation, _token = member_services.invitation_create(actor=boss, role=Role.SALES)
    customer = customer_services.customer_create(actor=boss, name="崇左糖厂")
    contact = customer_services.contact_create(
        actor=boss, customer_id=customer.public_id, name="李会计"
    )
    return {
        "clerk": clerk,
        "gone": gone,
        "role": role,
        "invitation": invitation,
        "customer": customer,
        "contact": contact,
    }


def snapshot(company):
    return (
        sorted(
            Membership.objects.filter(company=company).values_list("public_id", "role", "is_active")
        ),
        CompanyRole.objects.filter(company=company).count(),
        sorted(Invitation.objects.filter(company=company).values_list("pk", "revoked_at")),
        sorted(Contact.objects.values_list("pk", "name")),
    )


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SALES, Role.MANAGER])
def test_every_member_action_refused_without_permission(company, targets, role):
    weak = add_member(company, role)
    client = login(weak)
    t = targets
    posts = [
        (f"/company/members/{t['clerk'].public_id}/update", {"role": Role.MANAGER}),
        (f"/company/members/{t['clerk'].public_id}/update", {"title": "老大"}),
        (f"/company/members/{t['clerk'].public_id}/deactivate", {}),
        (f"/company/members/{t['gone'].public_id}/reactivate", {}),
        (f"/company/members/{t['clerk'].public_id}/transfer", {}),
        (f"/company/members/{weak.public_id}/update", {"role": Role.MANAGER}),
        (f"/company/invitations/{t['invitation'].public_id}/revoke", {}),
        ("/company/invitations/", {"email": "new@example.com", "role": Role.SALES, "days": 7}),
        (f"/company/roles/{t['role'].public_id}/delete", {}),
        ("/company/roles/", {"code": "boss2", "name": "二老板", "permissions": ["members.manage"]}),
    ]
    before = snapshot(company)
    for url, data in posts:
        response = client.post(url, data, **HX)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert snapshot(company) == before, url
        if response.status_code == 403:
            # A fragment for htmx to swap in, not a whole page inside the table.
            assert b"<html" not in response.content.lower(), url
            assert "无权".encode() in response.content or b"permission" in response.content


def test_member_actions_without_htmx_also_refused(company, targets):
    client = login(add_member(company, Role.VIEWER))
    before = snapshot(company)
    for action in ("update", "deactivate", "transfer"):
        response = client.post(f"/company/members/{targets['clerk'].public_id}/{action}", {})
        assert response.status_code in (302, 403, 404), action
    assert snapshot(company) == before


def test_customer_htmx_posts_refused_for_a_viewer(company, targets):
    client = login(add_member(company, Role.VIEWER))
    t = targets
    posts = [
        (f"/customers/{t['customer'].public_id}/contacts", {"name": "王"}),
        (f"/contacts/{t['contact'].public_id}/edit", {"name": "改名"}),
        (f"/contacts/{t['contact'].public_id}/delete", {}),
        (f"/customers/{t['customer'].public_id}/transfer", {"owner": str(t["clerk"].public_id)}),
        (f"/company/members/{t['clerk'].public_id}/reassign/preview", {}),
    ]
    before = snapshot(company)
    for url, data in posts:
        response = client.post(url, data, **HX)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert snapshot(company) == before, url


def test_token_and_notification_htmx_posts_for_a_viewer(company, master, targets):
    """A viewer holds no ``tokens.manage_own``; another member's token or notification
    is not his to see."""
    from mercator.companies.models import ApiToken, Notification
    from mercator.companies.services.notifications import notify
    from mercator.companies.services.tokens import token_create

    viewer = add_member(company, Role.VIEWER)
    client = login(viewer)
    boss_token, _secret = token_create(actor=actor_for_membership(master, via="web"), name="t")
    notify(person=master.person, company=company, kind="invitation", title="x", link="/")
    theirs = Notification.objects.get(person=master.person)
    tokens_before = sorted(ApiToken.objects.values_list("pk", "revoked_at"))
    r = client.post("/tokens/", {"name": "mine"}, **HX)
    assert r.status_code == 403, r.status_code
    r = client.post(f"/tokens/{boss_token.public_id}/revoke", {}, **HX)
    assert r.status_code == 404, r.status_code
    assert sorted(ApiToken.objects.values_list("pk", "revoked_at")) == tokens_before
    r = client.post(f"/notifications/{theirs.public_id}/read", {}, **HX)
    assert r.status_code == 404, r.status_code
    r = client.post("/notifications/read-all", {}, **HX)
    assert r.status_code in (200, 403), r.status_code
    theirs.refresh_from_db()
    assert theirs.read_at is None
