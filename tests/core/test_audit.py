import pytest
from django.db import DatabaseError, connection, transaction

from mercator.companies.actors import actor_for_membership
from mercator.core.models import AuditEntry
from mercator.core.services import audit_record


def test_services_write_audit_rows(company, master):
    entry = AuditEntry.objects.get(action="company.create")
    assert entry.target == f"company:{company.public_id}"
    assert entry.company_ref == ""  # created by the system actor


def test_audit_is_append_only(master):
    entry = audit_record(
        actor=actor_for_membership(master, via="web"), action="test.thing", target="x:1"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    entry.refresh_from_db()
    assert entry.action == "test.thing"
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()
        assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_audit_api_scoped_to_company(api, master, other_company):
    audit_record(actor=actor_for_membership(master, via="api"), action="a.one", target="x:1")
    other_master = other_company.memberships.get(role="master")
    audit_record(
        actor=actor_for_membership(other_master, via="api"), action="b.secret", target="y:2"
    )
    response = api.get("/api/v1/audit")
    assert response.status_code == 200
    actions = [item["action"] for item in response.json()["items"]]
    assert "a.one" in actions
    assert "b.secret" not in actions


def test_audit_api_needs_permission(company, clerk):
    from tests.conftest import bearer_client

    response = bearer_client(clerk).get("/api/v1/audit")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
