from django.test import Client

from mercator.companies.models import CompanyVerification, Notification
from mercator.core.models import User
from tests.companies.test_credit_code import VALID, verification_payload
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, CompanyFactory, UserFactory


def operator_client():
    ops = UserFactory(is_staff=True)
    platform = CompanyFactory(master=ops, is_platform=True)
    return bearer_client(master_of(platform))


def submit(client, company, **overrides):
    return client.post(
        f"/api/v1/companies/{company.public_id}/verification",
        data=verification_payload(**overrides),
        content_type="application/json",
    )


def test_submit_review_approve(api, company):
    assert submit(api, company).status_code == 201
    company.refresh_from_db()
    assert company.verification_status == "pending" and not company.is_verified
    again = submit(api, company)
    assert again.status_code == 409
    assert again.json()["code"] == "verification_pending"

    ops = operator_client()
    queue = ops.get("/api/v1/ops/verifications").json()
    assert queue["count"] == 1
    vid = queue["items"][0]["id"]
    response = ops.post(
        f"/api/v1/ops/verifications/{vid}/approve", data={}, content_type="application/json"
    )
    assert response.status_code == 200
    company.refresh_from_db()
    assert company.is_verified and company.credit_code == VALID
    assert company.legal_name == "福建测试贸易有限公司"
    assert Notification.objects.filter(person=master_of(company).person, kind="verification")
    second = ops.post(
        f"/api/v1/ops/verifications/{vid}/reject",
        data={"reason": "x"},
        content_type="application/json",
    )
    assert second.status_code == 409


def test_reject_needs_reason_and_company_sees_it(api, company):
    submit(api, company)
    ops = operator_client()
    vid = ops.get("/api/v1/ops/verifications").json()["items"][0]["id"]
    no_reason = ops.post(
        f"/api/v1/ops/verifications/{vid}/reject", data={}, content_type="application/json"
    )
    assert no_reason.status_code == 422
    assert CompanyVerification.objects.get().status == "pending"
    ops.post(
        f"/api/v1/ops/verifications/{vid}/reject",
        data={"reason": "营业执照与开户许可证名称不一致"},
        content_type="application/json",
    )
    company.refresh_from_db()
    assert company.verification_status == "rejected"
    seen = api.get(f"/api/v1/companies/{company.public_id}/verification").json()
    assert seen["reason"] == "营业执照与开户许可证名称不一致"
    # A corrected submission is possible after a rejection.
    assert submit(api, company).status_code == 201


def test_non_operators_cannot_review(api, company, other_company):
    submit(api, company)
    vid = CompanyVerification.objects.get().public_id
    other = bearer_client(master_of(other_company))
    assert other.get("/api/v1/ops/verifications").status_code == 404
    response = other.post(
        f"/api/v1/ops/verifications/{vid}/approve", data={}, content_type="application/json"
    )
    assert response.status_code == 404
    assert (
        api.post(
            f"/api/v1/ops/verifications/{vid}/approve", data={}, content_type="application/json"
        ).status_code
        == 404
    )
    assert CompanyVerification.objects.get().status == "pending"


def test_credit_code_unique_across_companies(api, company, other_company):
    submit(api, company)
    ops = operator_client()
    vid = ops.get("/api/v1/ops/verifications").json()["items"][0]["id"]
    ops.post(f"/api/v1/ops/verifications/{vid}/approve", data={}, content_type="application/json")
    other = bearer_client(master_of(other_company))
    response = submit(other, other_company)
    assert response.status_code == 409
    assert response.json()["code"] == "credit_code_taken"


def test_bad_bank_account_and_tax_number(api, company):
    assert submit(api, company, bank_account="12ab").json()["code"] == "bank_account_invalid"
    assert submit(api, company, invoice_tax_no="91110000600037341L").json()["code"] == (
        "tax_no_mismatch"
    )
    assert not CompanyVerification.objects.exists()


def test_clerk_cannot_submit_and_foreign_company_404(company, clerk, other_company):
    response = submit(bearer_client(clerk), company)
    assert response.status_code == 403
    other = bearer_client(master_of(other_company))
    assert submit(other, company).status_code == 404
    assert other.get(f"/api/v1/companies/{company.public_id}/verification").status_code == 404
    assert not CompanyVerification.objects.exists()


def test_verification_pages(web, company):
    page = web.get("/company/")
    assert page.status_code == 200
    assert "未认证" in page.content.decode()
    bad = web.post(
        "/company/",
        {
            f"verify-{k}": v
            for k, v in verification_payload(credit_code="91350100M000100Y44").items()
        },
    )
    assert bad.status_code == 422
    assert "第 18 位应为" in bad.content.decode()
    good = web.post("/company/", {f"verify-{k}": v for k, v in verification_payload().items()})
    assert good.status_code == 302
    company.refresh_from_db()
    assert company.verification_status == "pending"

    ops = UserFactory(is_staff=True)
    CompanyFactory(master=ops, is_platform=True)
    ops_web = Client()
    ops_web.login(username=ops.email, password=PASSWORD)
    queue = ops_web.get("/ops/verifications/")
    assert company.legal_name in queue.content.decode()
    vid = CompanyVerification.objects.get().public_id
    ops_web.post(f"/ops/verifications/{vid}/approve", {"reason": ""})
    company.refresh_from_db()
    assert company.is_verified
    assert web.get("/ops/verifications/").status_code == 404


def test_profile_update(api, company, clerk):
    response = api.patch(
        f"/api/v1/companies/{company.public_id}",
        data={"province": "广西", "city": "崇左", "industry": "制糖"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["city"] == "崇左"
    denied = bearer_client(clerk).patch(
        f"/api/v1/companies/{company.public_id}",
        data={"city": "南宁"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    company.refresh_from_db()
    assert company.city == "崇左"
    assert User.objects.count() >= 2
