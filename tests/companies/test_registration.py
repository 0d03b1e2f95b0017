from django.test import Client

from mercator.companies.models import Company, Invitation, Membership
from mercator.core.models import User
from tests.conftest import bearer_client
from tests.factories import PASSWORD


def register_data(**overrides):
    data = {
        "person-display_name": "韦老板",
        "person-email": "wei@example.com",
        "person-phone": "13800000000",
        "person-password": "a-strong-passphrase-2026",
        "company-legal_name": "广西钦州测试木业有限公司",
        "company-short_name": "测试木业",
        "company-kind": "seller",
        "company-province": "广西",
        "company-city": "钦州",
        "company-industry": "木材",
        "company-size_band": "small",
    }
    data.update(overrides)
    return data


def test_register_person_and_company(client, db):
    response = client.post("/register/", register_data())
    assert response.status_code == 302
    person = User.objects.get(email="wei@example.com")
    company = Company.objects.get(short_name="测试木业")
    seat = Membership.objects.get(person=person, company=company)
    assert seat.role == "master"
    assert company.province == "广西" and not company.is_verified
    page = client.get("/company/")
    assert "未认证" in page.content.decode()


def test_register_bad_input_saves_nothing(client, db):
    for overrides in [
        {"person-email": "not-an-email"},
        {"person-password": "123"},
        {"company-legal_name": ""},
        {"company-kind": "pirate"},
    ]:
        response = client.post("/register/", register_data(**overrides))
        assert response.status_code == 400, overrides
    weak = client.post("/register/", register_data(**{"person-password": "password123"}))
    assert weak.status_code == 422
    assert not User.objects.exists()
    assert not Company.objects.exists()


def test_register_taken_email(client, master):
    response = client.post("/register/", register_data(**{"person-email": master.person.email}))
    assert response.status_code == 409
    assert "已注册" in response.content.decode()
    assert Company.objects.count() == 1


def test_register_another_company_via_api(api, master):
    response = api.post(
        "/api/v1/companies",
        data={"legal_name": "第二家公司", "short_name": "二号", "kind": "buyer"},
        content_type="application/json",
    )
    assert response.status_code == 201
    company = Company.objects.get(public_id=response.json()["id"])
    assert company.memberships.get().person == master.person
    bad = api.post(
        "/api/v1/companies",
        data={"legal_name": "", "short_name": ""},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert Company.objects.count() == 2


def test_invitation_page_new_person_joins(api, company):
    created = api.post(
        "/api/v1/invitations", data={"role": "sales"}, content_type="application/json"
    ).json()
    path = created["link"].split("127.0.0.1:8000", 1)[-1]
    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200 and company.legal_name in page.content.decode()
    response = visitor.post(
        path,
        {
            "person-display_name": "小王",
            "person-email": "xiaowang@example.com",
            "person-password": "another-strong-pass-9",
        },
    )
    assert response.status_code == 302
    person = User.objects.get(email="xiaowang@example.com")
    assert Membership.objects.get(person=person, company=company).role == "sales"
    assert Invitation.objects.get().accepted_by == person
    home = visitor.get("/")
    assert company.legal_name in home.content.decode()
    assert Client().get(path).status_code == 200  # shows "already used"
    assert "已被使用" in Client().get(path).content.decode()


def test_invitation_page_unknown_token(client, db):
    assert client.get("/invite/not-a-token/").status_code == 404


def test_existing_person_accepts_on_page(api, company, other_company):
    from tests.conftest import master_of

    outsider = master_of(other_company).person
    created = api.post(
        "/api/v1/invitations", data={"role": "viewer"}, content_type="application/json"
    ).json()
    path = created["link"].split("127.0.0.1:8000", 1)[-1]
    browser = Client()
    browser.login(username=outsider.email, password=PASSWORD)
    assert browser.post(path).status_code == 302
    assert Membership.objects.get(person=outsider, company=company).role == "viewer"
    # He now acts for the company he joined, and can switch back.
    assert company.legal_name in browser.get("/").content.decode()
    assert bearer_client(master_of(other_company)).get("/api/v1/me").status_code == 200
