"""The clerk leaves, the customer stays: the boss moves everything a member owns to one or
several colleagues in one step, exactly as previewed, losing nothing (DOMAIN.md §1)."""

import uuid
from collections import Counter

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from mercator.companies import ownership
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Contact, Customer, Membership, OwnershipChange
from mercator.companies.roles import Role
from mercator.companies.selectors.customers import reassign_preview
from mercator.companies.services.customers import (
    contact_create,
    customer_create,
    member_reassign,
)
from mercator.core.errors import Conflict, PermissionDenied, ValidationFailed
from mercator.core.models import AuditEntry
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, add_member

JSON = "application/json"


def as_actor(seat: Membership):
    return actor_for_membership(seat, via="api")


def leave(seat: Membership) -> None:
    # The members area owns deactivation; what matters here is only the closed seat.
    Membership.objects.filter(pk=seat.pk).update(is_active=False, left_at=timezone.now())
    seat.refresh_from_db()


def owners() -> dict[str, int]:
    """Every record's owner, by typed reference."""
    result = {
        f"customer:{pid}": o for pid, o in Customer.objects.values_list("public_id", "owner_id")
    }
    result.update(
        {f"contact:{pid}": o for pid, o in Contact.objects.values_list("public_id", "owner_id")}
    )
    return result


@pytest.fixture
def leaver(company) -> Membership:
    return add_member(company, Role.SALES)


@pytest.fixture
def alice(company) -> Membership:
    return add_member(company, Role.SALES)


@pytest.fixture
def bob(company) -> Membership:
    return add_member(company, Role.MANAGER)


@pytest.fixture
def leavers_book(leaver, alice):
    """Five customers of the leaver with 0..4 contacts each, and one of Alice's."""
    actor = as_actor(leaver)
    customers = []
    for i, name in enumerate(["甲食品厂", "乙糖果店", "丙饮料", "丁糕点", "戊超市"]):
        customer = customer_create(actor=actor, name=name)
        for j in range(i):
            contact_create(actor=actor, customer_id=customer.public_id, name=f"{name}联系人{j}")
        customers.append(customer)
    alice_customer = customer_create(actor=as_actor(alice), name="Alice 的客户")
    contact_create(actor=as_actor(alice), customer_id=alice_customer.public_id, name="Alice 联系人")
    return customers


def preview_api(client: Client, source: Membership, to: list, **extra):
    return client.post(
        f"/api/v1/members/{source.public_id}/reassign/preview",
        data={"to": [str(t) for t in to], **extra},
        content_type=JSON,
    )


def apply_api(client: Client, source: Membership, to: list, **extra):
    headers = extra.pop("headers", {})
    return client.post(
        f"/api/v1/members/{source.public_id}/reassign",
        data={"to": [str(t) for t in to], **extra},
        content_type=JSON,
        **headers,
    )


# ------------------------------------------------------------ preview == apply


def test_preview_is_exactly_what_apply_does(api, leaver, alice, bob, leavers_book):
    leave(leaver)
    before = owners()
    preview = preview_api(api, leaver, [alice.public_id, bob.public_id])
    assert preview.status_code == 200, preview.content
    shown = preview.json()
    # The preview writes nothing.
    assert owners() == before and not OwnershipChange.objects.exists()
    # Round-robin in a stable order: 1st, 3rd, 5th customer to Alice; 2nd, 4th to Bob.
    by_target = {t["member"]["id"]: t for t in shown["targets"]}
    assert by_target[str(alice.public_id)]["customers"] == ["甲食品厂", "丙饮料", "戊超市"]
    assert by_target[str(bob.public_id)]["customers"] == ["乙糖果店", "丁糕点"]
    # Later apps register their own kinds (inquiries, quotes...): none owned here.
    counts = {k["code"]: k["count"] for k in shown["kinds"] if k["count"]}
    assert counts == {"customer": 5, "contact": 10}
    assert shown["total"] == 15
    counts = {
        t["member"]["id"]: {k["code"]: k["count"] for k in t["counts"]} for t in shown["targets"]
    }
    # Contacts follow their customer: Alice gets 0+2+4, Bob 1+3.
    assert counts == {
        str(alice.public_id): {"customer": 3, "contact": 6},
        str(bob.public_id): {"customer": 2, "contact": 4},
    }

    applied = apply_api(
        api, leaver, [alice.public_id, bob.public_id], fingerprint=shown["fingerprint"]
    )
    assert applied.status_code == 200, applied.content
    result = applied.json()
    assert result["batch"]
    for field in ("kinds", "targets", "total", "fingerprint"):
        assert result[field] == shown[field]
    # What is stored is what was shown.
    after = owners()
    for share in shown["targets"]:
        seat = alice if share["member"]["id"] == str(alice.public_id) else bob
        names = set(Customer.objects.filter(owner=seat).values_list("name", flat=True))
        expected = set(share["customers"]) | ({"Alice 的客户"} if seat == alice else set())
        assert names == expected
    moved = {ref for ref in before if before[ref] == leaver.pk}
    assert {ref for ref in moved if after[ref] == leaver.pk} == set()
    for contact in Contact.objects.select_related("customer"):
        assert contact.owner_id == contact.customer.owner_id


def test_counts_are_conserved_and_history_written(api, master, leaver, alice, bob, leavers_book):
    leave(leaver)
    totals = (Customer.objects.count(), Contact.objects.count())
    before = owners()
    response = apply_api(api, leaver, [alice.public_id, bob.public_id])
    assert response.status_code == 200
    batch = response.json()["batch"]
    assert (Customer.objects.count(), Contact.objects.count()) == totals
    after = owners()
    assert set(after) == set(before)
    assert Counter(after.values()) == Counter(
        {alice.pk: 1 + 3 + 1 + 6, bob.pk: 2 + 4}  # Alice's own customer and contact stay
    )
    # Records that were not the leaver's did not move.
    assert {r: o for r, o in after.items() if before[r] != leaver.pk} == {
        r: o for r, o in before.items() if o != leaver.pk
    }
    # One history row per moved record, all in one batch, by the boss, from the leaver.
    rows = list(OwnershipChange.objects.all())
    assert len(rows) == 15
    assert {str(r.batch) for r in rows} == {batch}
    assert {r.from_owner_id for r in rows} == {leaver.pk}
    assert {r.by_id for r in rows} == {master.person.pk}
    assert {r.record: r.to_owner_id for r in rows} == {
        ref: after[ref] for ref, owner in before.items() if owner == leaver.pk
    }
    [audit] = AuditEntry.objects.filter(action="ownership.reassign")
    assert audit.target == f"membership:{leaver.public_id}"
    moved = {kind: n for kind, n in audit.changes["counts"].items() if n}
    assert moved == {"customer": 5, "contact": 10}
    assert audit.changes["total"] == 15 and audit.changes["batch"] == batch
    assert audit.changes["per_target"][str(bob.public_id)] == {"customer": 2, "contact": 4}


def test_each_customers_history_shows_who_had_it(api, leaver, alice, leavers_book):
    leave(leaver)
    apply_api(api, leaver, [alice.public_id])
    customer = leavers_book[2]
    history = bearer_client(alice).get(f"/api/v1/customers/{customer.public_id}/history").json()
    [change] = history["items"]
    assert change["from_owner"]["id"] == str(leaver.public_id)
    assert change["from_owner"]["is_active"] is False
    assert change["to_owner"]["id"] == str(alice.public_id)


def test_an_active_member_can_be_reassigned_too(leaver, alice, master, leavers_book):
    summary = member_reassign(
        actor=as_actor(master), from_membership=leaver, to_memberships=[alice]
    )
    assert summary.total == 15 and summary.batch is not None
    assert not Customer.objects.filter(owner=leaver).exists()
    assert not Contact.objects.filter(owner=leaver).exists()


def test_the_service_matches_its_selector(leaver, alice, bob, master, leavers_book):
    boss = as_actor(master)
    preview = reassign_preview(boss, leaver, [bob, alice])
    summary = member_reassign(
        actor=boss,
        from_membership=leaver,
        to_memberships=[bob, alice],
        fingerprint=preview.fingerprint,
    )
    assert summary.kinds == preview.kinds and summary.targets == preview.targets
    # Bob is first this time: he gets the 1st, 3rd and 5th customer.
    assert set(Customer.objects.filter(owner=bob).values_list("name", flat=True)) == {
        "甲食品厂",
        "丙饮料",
        "戊超市",
    }


def test_nothing_left_to_move_is_a_harmless_no_op(api, leaver, alice, leavers_book):
    assert apply_api(api, leaver, [alice.public_id]).status_code == 200
    audits = AuditEntry.objects.filter(action="ownership.reassign").count()
    rows = OwnershipChange.objects.count()
    again = apply_api(api, leaver, [alice.public_id])
    assert again.status_code == 200
    assert again.json()["total"] == 0 and again.json()["batch"] is None
    assert AuditEntry.objects.filter(action="ownership.reassign").count() == audits
    assert OwnershipChange.objects.count() == rows


def test_idempotent_replay_moves_once(api, leaver, alice, bob, leavers_book):
    leave(leaver)
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    first = apply_api(api, leaver, [alice.public_id, bob.public_id], headers=key)
    rows = OwnershipChange.objects.count()
    second = apply_api(api, leaver, [alice.public_id, bob.public_id], headers=key)
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert OwnershipChange.objects.count() == rows == 15
    assert AuditEntry.objects.filter(action="ownership.reassign").count() == 1
    other = apply_api(api, leaver, [alice.public_id], headers=key)
    assert other.status_code == 409


# ------------------------------------------------------------------ a stale preview


def test_a_changed_plan_is_refused_and_nothing_moves(api, leaver, alice, bob, leavers_book):
    shown = preview_api(api, leaver, [alice.public_id, bob.public_id]).json()
    # Meanwhile the (still active) leaver adds a customer.
    customer_create(actor=as_actor(leaver), name="新来的客户")
    before = owners()
    response = apply_api(
        api, leaver, [alice.public_id, bob.public_id], fingerprint=shown["fingerprint"]
    )
    assert response.status_code == 409
    assert response.json()["code"] == "plan_changed"
    assert owners() == before and not OwnershipChange.objects.exists()
    fresh = response.json()["details"]["fingerprint"]
    again = preview_api(api, leaver, [alice.public_id, bob.public_id]).json()
    assert again["fingerprint"] == fresh and again["total"] == 16
    ok = apply_api(api, leaver, [alice.public_id, bob.public_id], fingerprint=fresh)
    assert ok.status_code == 200 and ok.json()["total"] == 16


def test_target_order_is_part_of_the_plan(api, leaver, alice, bob, leavers_book):
    shown = preview_api(api, leaver, [alice.public_id, bob.public_id]).json()
    swapped = apply_api(
        api, leaver, [bob.public_id, alice.public_id], fingerprint=shown["fingerprint"]
    )
    assert swapped.status_code == 409
    assert not OwnershipChange.objects.exists()


def test_apply_is_conditional_on_the_owner(leaver, alice, master, leavers_book):
    """A record that changed hands after it was planned is not taken from its new owner:
    the whole move is refused and rolled back."""
    plan = ownership.plan_member(leaver, [alice])
    moved_away = leavers_book[3]
    Customer.objects.filter(pk=moved_away.pk).update(owner=master)
    before = owners()
    with pytest.raises(Conflict), transaction.atomic():
        ownership.apply_plan(plan, actor=as_actor(master))
    assert owners() == before
    assert not OwnershipChange.objects.exists()


# ------------------------------------------------------------------- bad requests


def test_bad_targets_answer_4xx_and_change_nothing(
    api, company, other_company, leaver, alice, leavers_book
):
    viewer = add_member(company, Role.VIEWER)
    gone = add_member(company, Role.SALES)
    leave(gone)
    foreign = master_of(other_company)
    before = owners()
    cases = [
        ([], 422, "validation_error"),  # the schema wants at least one colleague
        ([leaver.public_id], 422, "target_is_source"),
        ([alice.public_id, leaver.public_id], 422, "target_is_source"),
        ([gone.public_id], 422, "member_inactive"),
        ([viewer.public_id], 422, "member_cannot_own"),
        ([foreign.public_id], 422, "unknown_member"),
        ([uuid.uuid4()], 422, "unknown_member"),
        (["not-a-uuid"], 422, "validation_error"),
    ]
    for to, status, code in cases:
        for call in (preview_api, apply_api):
            response = call(api, leaver, to)
            assert response.status_code == status, (to, response.content)
            assert response.json()["code"] == code
    assert owners() == before
    assert not OwnershipChange.objects.exists()
    assert not AuditEntry.objects.filter(action="ownership.reassign").exists()


def test_missing_body_and_malformed_source(api, leaver, alice):
    assert (
        api.post(
            f"/api/v1/members/{leaver.public_id}/reassign", data={}, content_type=JSON
        ).status_code
        == 422
    )
    for bad in ["1", "not-an-id", str(uuid.uuid4())]:
        response = api.post(
            f"/api/v1/members/{bad}/reassign",
            data={"to": [str(alice.public_id)]},
            content_type=JSON,
        )
        assert response.status_code == 404


def test_only_bosses_reassign(company, leaver, alice, leavers_book):
    before = owners()
    for role in (Role.SALES, Role.FINANCE):
        client = bearer_client(add_member(company, role))
        for call in (preview_api, apply_api):
            response = call(client, leaver, [alice.public_id])
            assert response.status_code == 403
            assert response.json()["code"] == "permission_denied"
    assert owners() == before
    viewer = as_actor(add_member(company, Role.VIEWER))  # viewers hold no API token
    with pytest.raises(PermissionDenied):
        reassign_preview(viewer, leaver, [alice])
    with pytest.raises(PermissionDenied):
        member_reassign(actor=viewer, from_membership=leaver, to_memberships=[alice])
    with pytest.raises(PermissionDenied):
        member_reassign(actor=as_actor(alice), from_membership=leaver, to_memberships=[alice])
    assert owners() == before


def test_manager_may_reassign(bob, leaver, alice, leavers_book):
    response = apply_api(bearer_client(bob), leaver, [alice.public_id])
    assert response.status_code == 200
    assert response.json()["total"] == 15


def test_service_refuses_a_target_of_another_company(master, other_company, leaver, leavers_book):
    foreign = add_member(other_company, Role.SALES)
    with pytest.raises(ValidationFailed):
        member_reassign(actor=as_actor(master), from_membership=leaver, to_memberships=[foreign])
    assert Customer.objects.filter(owner=leaver).count() == 5


def test_duplicate_targets_count_once(api, leaver, alice, leavers_book):
    shown = preview_api(api, leaver, [alice.public_id, alice.public_id]).json()
    assert len(shown["targets"]) == 1 and shown["targets"][0]["total"] == 15


# --------------------------------------------------------------- later kinds


def test_records_that_do_not_follow_a_customer_go_round_robin(
    monkeypatch, master, leaver, alice, bob, leavers_book
):
    """A later app's kind without a customer is dealt on, after the customers."""
    monkeypatch.setitem(
        ownership._REGISTRY,
        "contact",
        ownership.OwnedKind(
            code="contact",
            label="联系人",
            owned_by=lambda m: Contact.objects.filter(owner=m),
            reference=lambda c: f"contact:{c.public_id}",
        ),
    )
    contacts = list(Contact.objects.filter(owner=leaver).order_by("pk"))
    plan = ownership.plan_member(leaver, [alice, bob])
    dealt = [m.target for m in plan.moves if m.kind == "contact"]
    # Five customers used turns 0..4, so the first contact goes on turn 5 (Bob).
    assert dealt == [[alice, bob][(5 + i) % 2] for i in range(len(contacts))]


# --------------------------------------------------------------------------- pages


def web(seat: Membership) -> Client:
    client = Client()
    assert client.login(username=seat.person.email, password=PASSWORD)
    return client


def test_reassign_page_preview_and_confirm(master, leaver, alice, bob, leavers_book):
    leave(leaver)
    client = web(master)
    url = f"/company/members/{leaver.public_id}/reassign"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="owned-counts"' in html
    assert str(alice.public_id) in html and str(bob.public_id) in html
    assert f'value="{leaver.public_id}"' not in html  # the leaver is not offered to himself
    preview = client.post(
        f"{url}/preview",
        {"to": [str(alice.public_id), str(bob.public_id)]},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="reassign-preview",
    )
    assert preview.status_code == 200
    fragment = preview.content.decode()
    assert "<html" not in fragment
    assert "甲食品厂、丙饮料、戊超市" in fragment and "乙糖果店、丁糕点" in fragment
    assert Customer.objects.filter(owner=leaver).count() == 5  # nothing moved yet
    fingerprint = reassign_preview(as_actor(master), leaver, [alice, bob]).fingerprint
    assert fingerprint in fragment
    done = client.post(
        url, {"to": [str(alice.public_id), str(bob.public_id)], "fingerprint": fingerprint}
    )
    assert done.status_code == 302
    assert not Customer.objects.filter(owner=leaver).exists()
    assert OwnershipChange.objects.count() == 15


def test_reassign_page_stale_preview_shows_the_fresh_one(master, leaver, alice, leavers_book):
    client = web(master)
    url = f"/company/members/{leaver.public_id}/reassign"
    stale = reassign_preview(as_actor(master), leaver, [alice]).fingerprint
    customer_create(actor=as_actor(leaver), name="新来的客户")
    response = client.post(url, {"to": [str(alice.public_id)], "fingerprint": stale})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="reassign-preview"' in html and "新来的客户" in html
    assert Customer.objects.filter(owner=leaver).count() == 6


def test_reassign_page_bad_input(master, leaver, alice, leavers_book, company):
    client = web(master)
    url = f"/company/members/{leaver.public_id}/reassign"
    assert client.post(f"{url}/preview", {}).status_code == 422
    assert client.post(url, {}).status_code == 422
    # The source is not among the choices, so it cannot be posted either.
    assert client.post(url, {"to": [str(leaver.public_id)]}).status_code == 422
    assert client.post(url, {"to": ["garbage"]}).status_code == 422
    assert Customer.objects.filter(owner=leaver).count() == 5


def test_reassign_page_isolation(master, leaver, alice, other_company, leavers_book, company):
    url = f"/company/members/{leaver.public_id}/reassign"
    clerk = web(alice)
    assert clerk.get(url).status_code == 403
    assert clerk.post(url, {"to": [str(alice.public_id)]}).status_code == 403
    outsider = web(master_of(other_company))
    assert outsider.get(url).status_code == 404
    assert outsider.post(f"{url}/preview", {"to": [str(alice.public_id)]}).status_code == 404
    assert web(master).get("/company/members/not-an-id/reassign").status_code == 404
    assert Customer.objects.filter(owner=leaver).count() == 5


@pytest.mark.django_db(transaction=True)
def test_deactivated_source_with_many_records(company):
    """More records than one UPDATE chunk: every one moves, in one batch."""
    master = master_of(company)
    leaver = add_member(company, Role.SALES)
    alice = add_member(company, Role.SALES)
    actor = as_actor(leaver)
    Customer.objects.bulk_create(
        Customer(company=company, owner=leaver, name=f"客户{i:04d}")
        for i in range(ownership.CHUNK + 7)
    )
    customer = Customer.objects.filter(owner=leaver).first()
    contact_create(actor=actor, customer_id=customer.public_id, name="联系人")
    leave(leaver)
    summary = member_reassign(
        actor=as_actor(master), from_membership=leaver, to_memberships=[alice]
    )
    assert summary.total == ownership.CHUNK + 8
    assert Customer.objects.filter(owner=alice).count() == ownership.CHUNK + 7
    assert OwnershipChange.objects.filter(batch=summary.batch).count() == ownership.CHUNK + 8


# ---------------------------------------------------------------- PostgreSQL races


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_reassign_races_transfers_and_new_contacts(company):
    """A reassignment, single transfers and new contacts at once, each in its own
    connection: afterwards nothing is lost, the leaver owns nothing, every contact has
    its customer's owner and every history chain ends at the current owner."""
    import threading

    from django.db import connection

    from mercator.companies.services.customers import customer_transfer

    if connection.vendor != "postgresql":
        pytest.skip("races are proven on PostgreSQL (select_for_update is a no-op on SQLite)")
    master = master_of(company)
    leaver = add_member(company, Role.SALES)
    alice = add_member(company, Role.SALES)
    bob = add_member(company, Role.SALES)
    customers = [customer_create(actor=as_actor(leaver), name=f"客户{i:02d}") for i in range(12)]
    for customer in customers:
        contact_create(actor=as_actor(leaver), customer_id=customer.public_id, name="老联系人")
    leave(leaver)
    boss = as_actor(master)

    jobs = [lambda: member_reassign(actor=boss, from_membership=leaver, to_memberships=[alice])]
    for customer in customers[:4]:
        jobs.append(
            lambda c=customer: customer_transfer(
                actor=boss, customer_id=c.public_id, to_membership_id=bob.public_id
            )
        )
    for customer in customers[4:]:
        jobs.append(
            lambda c=customer: contact_create(actor=boss, customer_id=c.public_id, name="新联系人")
        )
    barrier = threading.Barrier(len(jobs))
    errors: list[Exception] = []

    def run(job) -> None:
        try:
            barrier.wait(timeout=30)
            job()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Customer.objects.count() == 12
    assert Contact.objects.count() == 12 + 8
    assert not Customer.objects.filter(owner=leaver).exists()
    assert not Contact.objects.filter(owner=leaver).exists()
    assert set(
        Customer.objects.filter(pk__in=[c.pk for c in customers[:4]]).values_list(
            "owner_id", flat=True
        )
    ) == {bob.pk}
    for contact in Contact.objects.select_related("customer"):
        assert contact.owner_id == contact.customer.owner_id
    current = owners()
    for ref, owner in current.items():
        last = OwnershipChange.objects.filter(record=ref).order_by("-at", "-id").first()
        if last is not None:
            assert last.to_owner_id == owner, ref
