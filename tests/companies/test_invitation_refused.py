"""A refused invitation link (used, expired, revoked, or meant for another address)
creates no account and no membership, on the page and on POST, and says why."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Invitation, Membership
from mercator.companies.roles import Role
from mercator.companies.services import members as services
from mercator.core.models import User

pytestmark = pytest.mark.django_db


def newcomer(email: str) -> dict[str, str]:
    return {
        "person-display_name": "新来的",
        "person-email": email,
        "person-phone": "",
        "person-password": "a-long-enough-password-9",
    }


def counts() -> tuple[int, int]:
    return User.objects.count(), Membership.objects.count()


@pytest.fixture
def boss(master):
    return actor_for_membership(master, via="web")


def used(boss):
    _invitation, token = services.invitation_create(actor=boss, role=Role.SALES)
    first = Client()
    r = first.post(f"/invite/{token}/", newcomer("first@example.com"))
    assert r.status_code == 302, r.content
    return token


def expired(boss):
    invitation, token = services.invitation_create(actor=boss, role=Role.SALES)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(1))
    return token


def revoked(boss):
    invitation, token = services.invitation_create(actor=boss, role=Role.SALES)
    services.invitation_revoke(actor=boss, invitation_id=invitation.public_id)
    return token


@pytest.mark.parametrize(
    ("make", "code", "text"),
    [
        (used, "invitation_accepted", "此邀请已被使用。"),
        (expired, "invitation_expired", "此邀请已过期"),
        (revoked, "invitation_revoked", "此邀请已被撤销。"),
    ],
)
def test_refused_link_creates_no_account(boss, make, code, text):
    token = make(boss)
    before = counts()
    client = Client()
    page = client.get(f"/invite/{token}/")
    assert page.status_code == 200
    assert text in page.content.decode()
    assert 'data-testid="accept"' not in page.content.decode()
    r = client.post(f"/invite/{token}/", newcomer("brand-new@example.com"))
    assert r.status_code == 409
    assert text in r.content.decode()
    assert counts() == before
    assert not User.objects.filter(email="brand-new@example.com").exists()
    assert "_auth_user_id" not in client.session


def test_link_for_another_address_creates_no_account(boss):
    _invitation, token = services.invitation_create(
        actor=boss, role=Role.SALES, email="invited@example.com"
    )
    before = counts()
    r = Client().post(f"/invite/{token}/", newcomer("someone-else@example.com"))
    assert r.status_code == 403
    assert "invited@example.com" in r.content.decode()
    assert counts() == before
    assert Invitation.objects.get(email="invited@example.com").accepted_at is None


def test_open_link_still_makes_account_and_seat_together(boss, company):
    _invitation, token = services.invitation_create(actor=boss, role=Role.FINANCE)
    before = counts()
    client = Client()
    r = client.post(f"/invite/{token}/", newcomer("joiner@example.com"))
    assert r.status_code == 302
    assert counts() == (before[0] + 1, before[1] + 1)
    seat = Membership.objects.get(person__email="joiner@example.com")
    assert seat.company == company and seat.role == Role.FINANCE
    # The same link a second time: refused, and no second account.
    again = Client().post(f"/invite/{token}/", newcomer("second@example.com"))
    assert again.status_code == 409
    assert counts() == (before[0] + 1, before[1] + 1)


def test_taken_email_on_an_open_link_leaves_the_link_open(boss, clerk):
    _invitation, token = services.invitation_create(actor=boss, role=Role.SALES)
    before = counts()
    r = Client().post(f"/invite/{token}/", newcomer(clerk.person.email))
    assert r.status_code == 409
    assert counts() == before
    assert Invitation.objects.filter(accepted_at__isnull=True).count() == 1


def test_a_role_named_by_an_open_invitation_cannot_be_deleted(boss, company):
    from mercator.companies.models import CompanyRole
    from mercator.core.errors import Conflict

    role = services.role_create(
        actor=boss, code="packer", name="打包员", permissions=["company.view"]
    )
    invitation, _token = services.invitation_create(actor=boss, role="packer")
    with pytest.raises(Conflict) as refused:
        services.role_delete(actor=boss, role_id=role.public_id)
    assert refused.value.code == "role_in_use"
    assert CompanyRole.objects.filter(company=company, code="packer").exists()
    services.invitation_revoke(actor=boss, invitation_id=invitation.public_id)
    services.role_delete(actor=boss, role_id=role.public_id)
    assert not CompanyRole.objects.filter(company=company, code="packer").exists()
