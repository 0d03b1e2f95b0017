"""The business licence on a verification (issue 10): uploaded with the submission
(JPEG, PNG or PDF by its bytes, at most 5 MB; a refused file writes nothing), shown to
operators on the review page (an image inline, a PDF as a link) through a staff-only
file view that answers 404 to everyone else, the submitting company included."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mercator.companies.models import CompanyVerification
from tests.companies.test_credit_code import verification_payload
from tests.conftest import master_of
from tests.factories import PASSWORD, UserFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%licence\n"


@pytest.fixture(autouse=True)
def _private_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path / "private"


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def operator() -> Client:
    client = Client()
    assert client.login(username=UserFactory(is_staff=True).email, password=PASSWORD)
    return client


def submit(web: Client, name: str, content: bytes):
    data = {f"verify-{k}": v for k, v in verification_payload().items()}
    data["verify-licence"] = SimpleUploadedFile(name, content)
    return web.post(reverse("company-profile"), data)


def test_image_licence_is_shown_inline_to_operators_only(web, company, other_company):
    assert submit(web, "执照.png", PNG).status_code == 302
    verification = CompanyVerification.objects.get(company=company)
    assert verification.licence_content_type == "image/png"
    assert verification.licence_filename == "执照.png"
    url = reverse("ops-verification-licence", args=[verification.public_id])
    ops = operator()
    page = ops.get(reverse("ops-verifications")).content.decode()
    assert f'src="{url}"' in page
    image = ops.get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == PNG
    assert "attachment" not in image.get("Content-Disposition", "")
    # The company that uploaded it, another company: 404; signed out: sign in first.
    assert web.get(url).status_code == 404
    stranger = Client()
    stranger.force_login(master_of(other_company).person)
    assert stranger.get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_pdf_licence_is_a_link_and_downloads(web, company):
    assert submit(web, "licence.pdf", PDF).status_code == 302
    verification = CompanyVerification.objects.get(company=company)
    url = reverse("ops-verification-licence", args=[verification.public_id])
    ops = operator()
    page = ops.get(reverse("ops-verifications")).content.decode()
    assert 'data-testid="licence-file"' in page and f'href="{url}"' in page
    assert f'src="{url}"' not in page
    response = ops.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "content"),
    [("licence.png", b"MZ\x90\x00 not an image"), ("big.pdf", PDF + b"0" * (5 * 1024 * 1024))],
)
def test_bad_licence_is_refused_and_nothing_written(web, company, _private_dir, name, content):
    response = submit(web, name, content)
    assert 400 <= response.status_code < 500
    assert not CompanyVerification.objects.filter(company=company).exists()
    assert files_in(_private_dir) == []
    company.refresh_from_db()
    assert company.verification_status != "pending"


def test_without_licence_still_submits(web, company):
    data = {f"verify-{k}": v for k, v in verification_payload().items()}
    assert web.post(reverse("company-profile"), data).status_code == 302
    verification = CompanyVerification.objects.get(company=company)
    assert verification.licence_stored == ""
    page = operator().get(reverse("ops-verifications")).content.decode()
    assert "未上传" in page
