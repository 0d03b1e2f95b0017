"""Customers and contacts owned by members: who sees what, who may change what, and bad
input that answers 4xx and changes nothing (DOMAIN.md §1)."""

import uuid

import pytest
from django.test import Client
from django.utils import timezone

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Contact, Customer, Membership, Notification, OwnershipChange
from mercator.companies.roles import Role
from mercator.companies.services.customers import (
    contact_create,
    customer_create,
    customer_transfer,
    customer_update,
)
from mercator.core.errors import NotFound, PermissionDenied, ValidationFailed
from mercator.core.models import AuditEntry
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, add_member

JSON = "application/json"


def as_actor(seat: Membership):
    return actor_for_membership(seat, via="api")


def make_customer(seat: Membership, name: str, contacts: tuple[str, ...] = ()) -> Customer:
    customer = customer_create(actor=as_actor(seat), name=name, city="广州")
    for person in contacts:
        contact_create(actor=as_actor(seat), customer_id=customer.public_id, name=person)
    return customer


def web_client(seat: Membership) -> Client:
    client = Client()
    assert client.login(username=seat.person.email, password=PASSWORD)
    return client


def leave(seat: Membership) -> None:
    # The members area owns deactivation; what matters here is only the closed seat.
    Membership.objects.filter(pk=seat.pk).update(is_active=False, left_at=timezone.now())
    seat.refresh_from_db()


def snapshot() -> list[tuple]:
    """Every customer and contact with its owner and fields: 'nothing changed' checks."""
    return [
        *Customer.objects.order_by("pk").values_list(
            "pk", "owner_id", "name", "counterpart_id", "city", "phone", "notes"
        ),
        *Contact.objects.order_by("pk").values_list(
            "pk", "owner_id", "name", "title", "phone", "email", "is_key_person"
        ),
    ]


@pytest.fixture
def colleague(company) -> Membership:
    return add_member(company, Role.SALES)


@pytest.fixture
def manager(company) -> Membership:
    return add_member(company, Role.MANAGER)


@pytest.fixture
def book(clerk, colleague, master):
    """Two clerks' customers and one of the boss."""
    return {
        "mine": make_customer(clerk, "广州华南食品有限公司", ("林志强", "王采购")),
        "mine2": make_customer(clerk, "佛山好味食品厂", ("何老板",)),
        "theirs": make_customer(colleague, "华南糖果批发行", ("黄经理",)),
        "boss": make_customer(master, "柳州香满园糕点厂"),
    }


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


# ------------------------------------------------------------------- create, read


def test_clerk_creates_customer_he_owns(clerk):
    api = bearer_client(clerk)
    response = api.post(
        "/api/v1/customers",
        data={"name": " 广州华南食品有限公司 ", "province": "广东", "city": "广州"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "广州华南食品有限公司"
    assert body["owner"]["id"] == str(clerk.public_id)
    assert body["owner"]["name"] == clerk.person.display_name
    customer = Customer.objects.get(public_id=body["id"])
    assert customer.owner == clerk and customer.company == clerk.company
    assert AuditEntry.objects.filter(
        action="customer.create", target=f"customer:{customer.public_id}"
    ).exists()


def test_counterpart_links_a_platform_company(clerk, other_company):
    api = bearer_client(clerk)
    response = api.post(
        "/api/v1/customers",
        data={"name": "华南食品", "counterpart": str(other_company.public_id)},
        content_type=JSON,
    )
    assert response.status_code == 201
    assert response.json()["counterpart"]["legal_name"] == other_company.legal_name
    customer_id = response.json()["id"]
    cleared = api.patch(
        f"/api/v1/customers/{customer_id}", data={"counterpart": None}, content_type=JSON
    )
    assert cleared.status_code == 200
    assert cleared.json()["counterpart"] is None


def test_clerk_sees_only_his_own(book, clerk, master, manager):
    clerk_api = bearer_client(clerk)
    assert names(clerk_api.get("/api/v1/customers")) == {"广州华南食品有限公司", "佛山好味食品厂"}
    everything = {"广州华南食品有限公司", "佛山好味食品厂", "华南糖果批发行", "柳州香满园糕点厂"}
    assert names(bearer_client(master).get("/api/v1/customers")) == everything
    assert names(bearer_client(manager).get("/api/v1/customers")) == everything


def test_search_never_reaches_a_colleague(book, clerk, master):
    clerk_api = bearer_client(clerk)
    assert names(clerk_api.get("/api/v1/customers", {"q": "华南"})) == {"广州华南食品有限公司"}
    assert names(clerk_api.get("/api/v1/customers", {"q": "糖果"})) == set()
    boss = bearer_client(master)
    assert names(boss.get("/api/v1/customers", {"q": "华南"})) == {
        "广州华南食品有限公司",
        "华南糖果批发行",
    }


def test_owner_filter(book, clerk, colleague, master):
    boss = bearer_client(master)
    assert names(boss.get("/api/v1/customers", {"owner": str(colleague.public_id)})) == {
        "华南糖果批发行"
    }
    # A clerk filtering by a colleague finds nothing; a malformed id is a 422.
    clerk_api = bearer_client(clerk)
    assert names(clerk_api.get("/api/v1/customers", {"owner": str(colleague.public_id)})) == set()
    assert clerk_api.get("/api/v1/customers", {"owner": "x"}).status_code == 422


def test_roles_without_customer_rights_are_refused(book, company):
    finance = bearer_client(add_member(company, Role.FINANCE))
    response = finance.get("/api/v1/customers")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    customer = book["mine"]
    assert finance.get(f"/api/v1/customers/{customer.public_id}").status_code == 403
    created = finance.post("/api/v1/customers", data={"name": "x"}, content_type=JSON)
    assert created.status_code == 403
    assert not Customer.objects.filter(name="x").exists()


def test_pagination_and_order(clerk):
    for name in ["丙", "甲", "乙", "丁"]:
        make_customer(clerk, name)
    page = bearer_client(clerk).get("/api/v1/customers", {"limit": 2, "offset": 1}).json()
    assert page["count"] == 4 and page["limit"] == 2 and len(page["items"]) == 2
    every = bearer_client(clerk).get("/api/v1/customers").json()["items"]
    assert [c["name"] for c in every] == sorted(c["name"] for c in every)


# ------------------------------------------------------- a colleague's records: 404


def test_colleague_records_answer_404_everywhere(book, clerk):
    api = bearer_client(clerk)
    theirs = book["theirs"]
    their_contact = theirs.contacts.get()
    before = snapshot()
    calls = [
        api.get(f"/api/v1/customers/{theirs.public_id}"),
        api.patch(f"/api/v1/customers/{theirs.public_id}", data={"name": "x"}, content_type=JSON),
        api.get(f"/api/v1/customers/{theirs.public_id}/contacts"),
        api.post(
            f"/api/v1/customers/{theirs.public_id}/contacts", data={"name": "x"}, content_type=JSON
        ),
        api.get(f"/api/v1/customers/{theirs.public_id}/history"),
        api.patch(
            f"/api/v1/contacts/{their_contact.public_id}", data={"name": "x"}, content_type=JSON
        ),
        api.delete(f"/api/v1/contacts/{their_contact.public_id}"),
    ]
    for response in calls:
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "not_found"
        assert theirs.name not in response.content.decode()
    assert snapshot() == before


def test_other_company_answers_404_on_every_id(book, other_company, clerk):
    b_boss = bearer_client(master_of(other_company))
    customer = book["mine"]
    contact = customer.contacts.first()
    before = snapshot()
    calls = [
        b_boss.get(f"/api/v1/customers/{customer.public_id}"),
        b_boss.patch(
            f"/api/v1/customers/{customer.public_id}", data={"name": "x"}, content_type=JSON
        ),
        b_boss.get(f"/api/v1/customers/{customer.public_id}/contacts"),
        b_boss.post(
            f"/api/v1/customers/{customer.public_id}/contacts",
            data={"name": "x"},
            content_type=JSON,
        ),
        b_boss.get(f"/api/v1/customers/{customer.public_id}/history"),
        b_boss.patch(
            f"/api/v1/contacts/{contact.public_id}", data={"name": "x"}, content_type=JSON
        ),
        b_boss.delete(f"/api/v1/contacts/{contact.public_id}"),
        b_boss.post(
            f"/api/v1/members/{clerk.public_id}/reassign/preview",
            data={"to": [str(master_of(other_company).public_id)]},
            content_type=JSON,
        ),
        b_boss.post(
            f"/api/v1/members/{clerk.public_id}/reassign",
            data={"to": [str(master_of(other_company).public_id)]},
            content_type=JSON,
        ),
    ]
    for response in calls:
        assert response.status_code == 404, response.content
        assert customer.name not in response.content.decode()
    assert names(b_boss.get("/api/v1/customers")) == set()
    assert names(b_boss.get("/api/v1/customers", {"q": "华南"})) == set()
    assert snapshot() == before


@pytest.mark.parametrize("bad_id", ["1", "not-an-id", str(uuid.uuid4())])
def test_malformed_and_unknown_ids_answer_404(master, bad_id):
    api = bearer_client(master)
    assert api.get(f"/api/v1/customers/{bad_id}").status_code == 404
    assert api.get(f"/api/v1/customers/{bad_id}/contacts").status_code == 404
    assert api.get(f"/api/v1/customers/{bad_id}/history").status_code == 404
    assert api.patch(f"/api/v1/contacts/{bad_id}", data={}, content_type=JSON).status_code == 404
    assert api.delete(f"/api/v1/contacts/{bad_id}").status_code == 404


# ------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"name": ""}, "validation_error"),  # the schema wants a non-blank name
        ({"name": "   "}, "validation_error"),
        ({"name": "x" * 201}, "validation_error"),
        ({}, "validation_error"),
        ({"name": "好客户", "owner": "not-a-uuid"}, "validation_error"),
        ({"name": "好客户", "owner": str(uuid.uuid4())}, "unknown_member"),
        ({"name": "好客户", "counterpart": str(uuid.uuid4())}, "unknown_company"),
        ({"name": "好客户", "phone": "1" * 31}, "validation_error"),
    ],
)
def test_bad_customer_input_changes_nothing(master, payload, code):
    api = bearer_client(master)
    response = api.post("/api/v1/customers", data=payload, content_type=JSON)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert not Customer.objects.exists()


def test_owner_must_be_an_active_colleague_who_can_own(master, company, other_company):
    api = bearer_client(master)
    foreign = master_of(other_company)
    viewer = add_member(company, Role.VIEWER)
    left = add_member(company, Role.SALES)
    leave(left)
    cases = [
        (foreign, "unknown_member"),
        (viewer, "member_cannot_own"),
        (left, "member_inactive"),
    ]
    for seat, code in cases:
        response = api.post(
            "/api/v1/customers",
            data={"name": "好客户", "owner": str(seat.public_id)},
            content_type=JSON,
        )
        assert response.status_code == 422, response.content
        assert response.json()["code"] == code
    assert not Customer.objects.exists()


def test_counterpart_cannot_be_ones_own_company(master, company):
    response = bearer_client(master).post(
        "/api/v1/customers",
        data={"name": "自己", "counterpart": str(company.public_id)},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "counterpart_is_self"


def test_boss_may_create_for_a_clerk_who_is_told(master, clerk):
    response = bearer_client(master).post(
        "/api/v1/customers",
        data={"name": "南宁甜心饮料", "owner": str(clerk.public_id)},
        content_type=JSON,
    )
    assert response.status_code == 201
    customer = Customer.objects.get(public_id=response.json()["id"])
    assert customer.owner == clerk
    assert Notification.objects.filter(person=clerk.person, kind="customers.assigned").exists()
    assert "南宁甜心饮料" in names(bearer_client(clerk).get("/api/v1/customers"))


def test_clerk_may_not_give_a_customer_to_a_colleague(clerk, colleague, book):
    api = bearer_client(clerk)
    response = api.post(
        "/api/v1/customers",
        data={"name": "新客户", "owner": str(colleague.public_id)},
        content_type=JSON,
    )
    assert response.status_code == 403
    assert not Customer.objects.filter(name="新客户").exists()
    # Naming himself is fine.
    mine = api.post(
        "/api/v1/customers",
        data={"name": "新客户", "owner": str(clerk.public_id)},
        content_type=JSON,
    )
    assert mine.status_code == 201
    before = snapshot()
    moved = api.patch(
        f"/api/v1/customers/{book['mine'].public_id}",
        data={"owner": str(colleague.public_id)},
        content_type=JSON,
    )
    assert moved.status_code == 403
    assert snapshot() == before


def test_patch_changes_only_what_is_sent(clerk, book):
    customer = book["mine"]
    Customer.objects.filter(pk=customer.pk).update(phone="020-1", notes="老客户")
    api = bearer_client(clerk)
    response = api.patch(
        f"/api/v1/customers/{customer.public_id}", data={"phone": "020-2"}, content_type=JSON
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.phone, customer.notes, customer.name) == (
        "020-2",
        "老客户",
        "广州华南食品有限公司",
    )
    entry = AuditEntry.objects.get(action="customer.update")
    assert entry.changes == {"phone": ["020-1", "020-2"]}
    for payload in ({"name": ""}, {"name": None}, {"owner": None}, {"city": "x" * 31}):
        bad = api.patch(f"/api/v1/customers/{customer.public_id}", data=payload, content_type=JSON)
        assert bad.status_code == 422, (payload, bad.content)
    customer.refresh_from_db()
    assert customer.name == "广州华南食品有限公司" and customer.city == "广州"


def test_malformed_json_is_a_400(master):
    response = bearer_client(master).post("/api/v1/customers", data="{not json", content_type=JSON)
    assert response.status_code in (400, 422)
    assert not Customer.objects.exists()


# ----------------------------------------------------------------------- contacts


def test_contacts_follow_the_customers_owner(master, clerk, book):
    customer = book["mine"]
    # The boss adds a contact to the clerk's customer: the clerk owns it.
    response = bearer_client(master).post(
        f"/api/v1/customers/{customer.public_id}/contacts",
        data={"name": "赵出纳", "title": "出纳", "email": "zhao@example.com"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"]["id"] == str(clerk.public_id)
    assert body["customer_id"] == str(customer.public_id)
    listing = bearer_client(clerk).get(f"/api/v1/customers/{customer.public_id}/contacts").json()
    assert {c["name"] for c in listing["items"]} == {"林志强", "王采购", "赵出纳"}


def test_contact_update_and_delete(clerk, book):
    api = bearer_client(clerk)
    contact = book["mine"].contacts.get(name="林志强")
    response = api.patch(
        f"/api/v1/contacts/{contact.public_id}",
        data={"is_key_person": True, "title": "总经理"},
        content_type=JSON,
    )
    assert response.status_code == 200
    assert response.json()["is_key_person"] is True and response.json()["title"] == "总经理"
    bad = api.patch(
        f"/api/v1/contacts/{contact.public_id}", data={"email": "not-an-email"}, content_type=JSON
    )
    assert bad.status_code == 422
    contact.refresh_from_db()
    assert contact.email == ""
    assert (
        api.patch(
            f"/api/v1/contacts/{contact.public_id}", data={"name": " "}, content_type=JSON
        ).status_code
        == 422
    )
    assert api.delete(f"/api/v1/contacts/{contact.public_id}").status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert AuditEntry.objects.filter(action="contact.delete", target=f"contact:{contact.public_id}")
    assert api.delete(f"/api/v1/contacts/{contact.public_id}").status_code == 404


@pytest.mark.parametrize(
    "payload",
    [{"name": ""}, {"name": "  "}, {}, {"name": "张三", "email": "bad"}, {"name": "x" * 101}],
)
def test_bad_contact_input_changes_nothing(clerk, book, payload):
    before = snapshot()
    response = bearer_client(clerk).post(
        f"/api/v1/customers/{book['mine'].public_id}/contacts", data=payload, content_type=JSON
    )
    assert response.status_code == 422, response.content
    assert snapshot() == before


# ------------------------------------------------------------- transfer, history


def test_boss_transfers_a_customer_with_its_contacts(master, clerk, colleague, book):
    customer = book["mine"]
    response = bearer_client(master).patch(
        f"/api/v1/customers/{customer.public_id}",
        data={"owner": str(colleague.public_id), "phone": "020-9"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner"]["id"] == str(colleague.public_id)
    assert set(customer.contacts.values_list("owner_id", flat=True)) == {colleague.pk}
    rows = OwnershipChange.objects.filter(from_owner=clerk, to_owner=colleague)
    assert rows.count() == 3  # the customer and its two contacts
    assert len({row.batch for row in rows}) == 1
    assert AuditEntry.objects.filter(action="customer.transfer").count() == 1
    # The clerk no longer sees it, the colleague does, with its history.
    clerk_api = bearer_client(clerk)
    assert clerk_api.get(f"/api/v1/customers/{customer.public_id}").status_code == 404
    assert clerk_api.get(f"/api/v1/customers/{customer.public_id}/history").status_code == 404
    history = bearer_client(colleague).get(f"/api/v1/customers/{customer.public_id}/history")
    assert history.status_code == 200
    [change] = history.json()["items"]
    assert change["from_owner"]["id"] == str(clerk.public_id)
    assert change["to_owner"]["id"] == str(colleague.public_id)
    assert change["by"] == master.person.display_name


def test_transfer_refuses_bad_targets(master, clerk, company, other_company, book):
    boss = as_actor(master)
    customer = book["mine"]
    left = add_member(company, Role.SALES)
    leave(left)
    before = snapshot()
    for target, error in [
        (clerk.public_id, ValidationFailed),  # already his
        (left.public_id, ValidationFailed),
        (master_of(other_company).public_id, ValidationFailed),
        ("garbage", ValidationFailed),
    ]:
        with pytest.raises(error):
            customer_transfer(actor=boss, customer_id=customer.public_id, to_membership_id=target)
    with pytest.raises(PermissionDenied):
        customer_transfer(
            actor=as_actor(clerk), customer_id=customer.public_id, to_membership_id=master.public_id
        )
    with pytest.raises(NotFound):
        customer_update(
            actor=as_actor(master_of(other_company)), customer_id=customer.public_id, name="x"
        )
    assert snapshot() == before
    assert not OwnershipChange.objects.exists()


def test_history_is_empty_for_a_customer_never_moved(clerk, book):
    response = bearer_client(clerk).get(f"/api/v1/customers/{book['mine'].public_id}/history")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_idempotent_create_is_replayed(clerk):
    api = bearer_client(clerk)
    key = str(uuid.uuid4())
    first = api.post(
        "/api/v1/customers", data={"name": "重放客户"}, content_type=JSON, HTTP_IDEMPOTENCY_KEY=key
    )
    second = api.post(
        "/api/v1/customers", data={"name": "重放客户"}, content_type=JSON, HTTP_IDEMPOTENCY_KEY=key
    )
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert Customer.objects.filter(name="重放客户").count() == 1
    other_body = api.post(
        "/api/v1/customers", data={"name": "别的"}, content_type=JSON, HTTP_IDEMPOTENCY_KEY=key
    )
    assert other_body.status_code == 409
    assert not Customer.objects.filter(name="别的").exists()


# --------------------------------------------------------------------------- pages


def test_list_page_shows_a_clerk_only_his_own(book, clerk, master):
    page = web_client(clerk).get("/customers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "广州华南食品有限公司" in html and "佛山好味食品厂" in html
    assert "华南糖果批发行" not in html and "柳州香满园糕点厂" not in html
    assert 'data-testid="owner-filter"' not in html
    searched = web_client(clerk).get("/customers/", {"q": "糖果"}).content.decode()
    assert "华南糖果批发行" not in searched
    boss_html = web_client(master).get("/customers/").content.decode()
    assert "华南糖果批发行" in boss_html and 'data-testid="owner-filter"' in boss_html


def test_list_page_htmx_search_returns_the_fragment(book, master, colleague):
    response = web_client(master).get(
        "/customers/",
        {"q": "华南", "owner": str(colleague.public_id)},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="customer-results",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "华南糖果批发行" in html and "广州华南食品有限公司" not in html


def test_list_page_flags_leavers_records(book, master, colleague):
    leave(colleague)
    html = web_client(master).get("/customers/").content.decode()
    assert 'data-testid="awaiting-reassignment"' in html
    assert f"/company/members/{colleague.public_id}/reassign" in html


def test_new_customer_page(clerk, colleague, master):
    client = web_client(clerk)
    page = client.get("/customers/new")
    assert page.status_code == 200
    assert 'name="owner"' not in page.content.decode()  # a clerk cannot choose
    empty = client.post("/customers/new", {"name": "  "})
    assert empty.status_code == 422
    assert 'data-testid="form-errors"' in empty.content.decode()
    unknown = client.post("/customers/new", {"name": "好客户", "counterpart_name": "不存在的公司"})
    assert unknown.status_code == 422
    assert "不存在的公司" in unknown.content.decode()
    assert not Customer.objects.exists()
    created = client.post("/customers/new", {"name": "好客户", "city": "南宁"})
    assert created.status_code == 302
    customer = Customer.objects.get(name="好客户")
    assert customer.owner == clerk
    assert created["Location"] == f"/customers/{customer.public_id}/"
    # The boss chooses the owner.
    boss = web_client(master)
    assert 'name="owner"' in boss.get("/customers/new").content.decode()
    given = boss.post("/customers/new", {"name": "分给同事", "owner": str(colleague.public_id)})
    assert given.status_code == 302
    assert Customer.objects.get(name="分给同事").owner == colleague


def test_new_customer_page_links_counterpart_by_legal_name(clerk, other_company):
    client = web_client(clerk)
    response = client.post(
        "/customers/new", {"name": "对方企业", "counterpart_name": other_company.legal_name}
    )
    assert response.status_code == 302
    assert Customer.objects.get(name="对方企业").counterpart == other_company


def test_detail_page_isolation(book, clerk, other_company):
    client = web_client(clerk)
    mine = client.get(f"/customers/{book['mine'].public_id}/")
    assert mine.status_code == 200
    html = mine.content.decode()
    assert "林志强" in html and 'data-testid="history"' in html
    assert client.get(f"/customers/{book['theirs'].public_id}/").status_code == 404
    assert client.get("/customers/not-an-id/").status_code == 404
    outsider = web_client(master_of(other_company))
    for url in [
        f"/customers/{book['mine'].public_id}/",
        f"/customers/{book['theirs'].public_id}/",
    ]:
        response = outsider.get(url)
        assert response.status_code == 404
        assert book["mine"].name not in response.content.decode()


def test_detail_page_edit(book, clerk):
    client = web_client(clerk)
    url = f"/customers/{book['mine'].public_id}/"
    bad = client.post(url, {"name": ""})
    assert bad.status_code == 422
    ok = client.post(
        url, {"name": "广州华南食品（集团）有限公司", "city": "广州", "phone": "020-1"}
    )
    assert ok.status_code == 302
    book["mine"].refresh_from_db()
    assert book["mine"].name == "广州华南食品（集团）有限公司"
    # A colleague's customer cannot be edited by posting to it.
    before = snapshot()
    assert client.post(f"/customers/{book['theirs'].public_id}/", {"name": "x"}).status_code == 404
    assert snapshot() == before


def test_contact_pages(book, clerk):
    client = web_client(clerk)
    customer = book["mine"]
    added = client.post(
        f"/customers/{customer.public_id}/contacts",
        {"name": "赵出纳", "title": "出纳", "is_key_person": "on"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="contacts",
    )
    assert added.status_code == 200
    assert "<html" not in added.content.decode() and "赵出纳" in added.content.decode()
    contact = Contact.objects.get(name="赵出纳")
    assert contact.is_key_person and contact.owner == clerk
    bad = client.post(
        f"/customers/{customer.public_id}/contacts", {"name": ""}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 422
    prefix = f"c-{contact.public_id}"
    edited = client.post(
        f"/contacts/{contact.public_id}/edit",
        {f"{prefix}-name": "赵会计", f"{prefix}-title": "会计"},
    )
    assert edited.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.title, contact.is_key_person) == ("赵会计", "会计", False)
    removed = client.post(f"/contacts/{contact.public_id}/delete")
    assert removed.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_contact_pages_refuse_a_colleagues_contacts(book, clerk, other_company):
    their_contact = book["theirs"].contacts.get()
    before = snapshot()
    for client in (web_client(clerk), web_client(master_of(other_company))):
        assert client.post(f"/contacts/{their_contact.public_id}/delete").status_code == 404
        edit = client.post(
            f"/contacts/{their_contact.public_id}/edit",
            {f"c-{their_contact.public_id}-name": "x"},
        )
        assert edit.status_code == 404
        added = client.post(f"/customers/{book['theirs'].public_id}/contacts", {"name": "x"})
        assert added.status_code == 404
    assert snapshot() == before


def test_transfer_page_and_history(book, master, clerk, colleague):
    client = web_client(master)
    customer = book["mine"]
    response = client.post(
        f"/customers/{customer.public_id}/transfer", {"to": str(colleague.public_id)}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.owner == colleague
    html = client.get(f"/customers/{customer.public_id}/").content.decode()
    assert html.count('data-testid="history-row"') == 1
    assert clerk.person.display_name in html
    # A clerk has no transfer form and cannot post one.
    clerk_client = web_client(colleague)
    page = clerk_client.get(f"/customers/{customer.public_id}/").content.decode()
    assert 'data-testid="customer-transfer"' not in page
    refused = clerk_client.post(
        f"/customers/{customer.public_id}/transfer", {"to": str(master.public_id)}
    )
    assert refused.status_code == 403
    customer.refresh_from_db()
    assert customer.owner == colleague


def test_pages_need_sign_in(book):
    response = Client().get("/customers/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# ---------------------------------------------------------------------------- demo


def test_demo_customers_are_built_once(db):
    from mercator.demo.build import demo_build
    from mercator.demo.customers import build_customers

    demo_build()
    build_customers()
    counts = (Customer.objects.count(), Contact.objects.count())
    build_customers()
    assert (Customer.objects.count(), Contact.objects.count()) == counts
    sugar_clerk = Membership.objects.get(
        company__legal_name="广西崇左甘蔗糖业有限公司", person__email="sales@sugarmill.demo"
    )
    owned = {c.name: c for c in Customer.objects.filter(owner=sugar_clerk)}
    assert {"广州华南食品有限公司", "佛山好味食品厂"} <= set(owned)
    assert owned["广州华南食品有限公司"].counterpart.legal_name == "广州华南食品有限公司"
    assert owned["佛山好味食品厂"].counterpart.legal_name == "佛山好味食品厂"
    assert owned["广州华南食品有限公司"].contacts.filter(is_key_person=True).count() >= 2
    apple_clerk = Membership.objects.get(person__email="clerk@yantai-apple.demo")
    assert Customer.objects.filter(owner=apple_clerk).count() >= 3
    assert all(
        c.owner_id == c.customer.owner_id for c in Contact.objects.select_related("customer")
    )
