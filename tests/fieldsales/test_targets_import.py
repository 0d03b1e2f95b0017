"""The Excel import of a market's targets: row errors write nothing, a garbage file is a
422, duplicates are matched by credit code then by name (against the platform's
companies and the market's own targets), pages and API alike."""

from decimal import Decimal

import pytest

from mercator.companies.models import Company
from mercator.core.errors import NotFound, PermissionDenied, ValidationFailed
from mercator.demo.services import demo_credit_code
from mercator.fieldsales.models import Target
from mercator.fieldsales.services.target_import import targets_import
from tests.factories import CompanyFactory
from tests.fieldsales.world import FieldWorld, field_world, xlsx

pytestmark = pytest.mark.django_db

CODE_A = demo_credit_code("450100", 1)
CODE_B = demo_credit_code("450100", 2)


@pytest.fixture
def w() -> FieldWorld:
    return field_world()


def count(w: FieldWorld) -> int:
    return Target.objects.filter(market=w.market).count()


def test_a_clean_file_imports_every_row_and_matches_platform_companies(w):
    by_code = CompanyFactory(legal_name="广西百色糖果有限公司", short_name="百色糖果")
    Company.objects.filter(pk=by_code.pk).update(credit_code=CODE_A)  # verified: has a code
    by_name = CompanyFactory(legal_name="玉林饼干厂", short_name="玉林饼干")
    content = xlsx(
        [
            ["另一个名字", CODE_A, "广西", "百色", "100–999 人", "500000.50", 12],
            ["玉林饼干厂 ", "", "广西", "玉林", "small", 80000, 4],
            ["贺州腊肉厂", CODE_B, "", "贺州", "", "", ""],
        ]
    )
    before = count(w)
    result = targets_import(actor=w.operator, market_id=w.market.public_id, content=content)
    assert (result.created, result.matched_credit_code, result.matched_name) == (3, 1, 1)
    assert count(w) == before + 3
    first = Target.objects.get(market=w.market, credit_code=CODE_A)
    assert (first.company, first.match, first.size_band) == (by_code, "credit_code", "medium")
    assert first.monthly_need == Decimal("500000.50") and first.expected_users == 12
    second = Target.objects.get(market=w.market, name="玉林饼干厂")
    assert (second.company, second.match) == (by_name, "name")
    # Already on the platform: covered since the company opened its account, by no rep.
    assert (first.opened_at, first.opened_by) == (by_code.created_at, None)
    assert second.opened_at == by_name.created_at
    third = Target.objects.get(market=w.market, credit_code=CODE_B)
    assert third.company is None and third.province == "广西"  # the market's province
    assert third.source == "import" and third.rep is None

    # The same file again: every row is a duplicate of the market's targets, none added.
    again = targets_import(actor=w.operator, market_id=w.market.public_id, content=content)
    assert again.created == 0 and count(w) == before + 3
    assert [(d["row"], d["by"]) for d in again.duplicates] == [
        (2, "credit_code"),
        (3, "name"),
        (4, "credit_code"),
    ]


def test_a_row_with_the_name_of_a_market_target_is_a_duplicate_by_name(w):
    content = xlsx(
        [["南宁甜蜜食品厂", "", "广西", "南宁", "", "", ""], ["新厂", "", "", "", "", "", ""]]
    )
    result = targets_import(actor=w.operator, market_id=w.market.public_id, content=content)
    assert result.created == 1
    assert result.duplicates[0]["by"] == "name"
    assert result.duplicates[0]["target"] == str(w.targets["南宁甜蜜食品厂"].public_id)


def test_bad_rows_are_reported_each_and_nothing_is_written(w):
    content = xlsx(
        [
            ["好厂", "", "广西", "南宁", "", "100", "3"],  # fine
            ["", "", "", "", "", "", ""],  # blank line: skipped
            ["", CODE_A, "", "", "", "", ""],  # no name
            ["坏代码厂", "12345", "", "", "", "", ""],  # bad credit code
            ["火星厂", "", "火星", "", "", "", ""],  # unknown province
            ["负数厂", "", "", "", "huge", "-5", "x"],  # size, need, users
            ["好厂", "", "", "", "", "", ""],  # same name as row 2
        ]
    )
    before = count(w)
    with pytest.raises(ValidationFailed) as caught:
        targets_import(actor=w.operator, market_id=w.market.public_id, content=content)
    assert caught.value.code == "invalid_rows"
    errors = [(e["row"], e["column"], e["code"]) for e in caught.value.details["errors"]]
    assert (4, "name", "name_required") in errors
    assert any(row == 5 and col == "credit_code" for row, col, _c in errors)
    assert (6, "province", "invalid_province") in errors
    assert {(7, "size_band"), (7, "monthly_need"), (7, "expected_users")} <= {
        (r, c) for r, c, _code in errors
    }
    assert (8, "name", "duplicate_row") in errors
    assert not any(row == 2 for row, _c, _code in errors)
    assert count(w) == before  # the good row was not written either


@pytest.mark.parametrize(
    "content",
    [b"not a workbook at all", b"PK\x03\x04garbage", xlsx([], header=["名字", "电话"])],
    ids=["text", "broken-zip", "no-name-column"],
)
def test_a_garbage_file_is_a_422_through_the_api_and_the_page(w, content):
    before = count(w)
    api = w.api(w.partner_manager)  # sees the market (his rep's targets), not an operator
    response = api.post(
        "/api/v1/fieldsales/markets/import",
        {"market": str(w.market.public_id), "file": _upload(content)},
    )
    assert response.status_code == 403 and response.json()["code"] == "operator_only"
    client = w.operator_web()
    response = client.post(
        f"/fieldsales/markets/{w.market.public_id}/import/", {"file": _upload(content)}
    )
    assert response.status_code == 422
    assert 'data-testid="error"' in response.content.decode()
    assert count(w) == before


def test_the_api_imports_and_reports_row_errors_with_the_error_shape(w):
    from django.test import Client

    client = Client()
    client.force_login(w.operator_user)
    good = xlsx([["崇左食品厂", "", "广西", "崇左", "", "", ""]])
    response = client.post(
        "/api/v1/fieldsales/markets/import",
        {"market": str(w.market.public_id), "file": _upload(good), "dry_run": "true"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1 and response.json()["dry_run"] is True
    assert not Target.objects.filter(name="崇左食品厂").exists()  # a dry run writes nothing
    response = client.post(
        "/api/v1/fieldsales/markets/import",
        {"market": str(w.market.public_id), "file": _upload(good)},
    )
    assert response.status_code == 200 and Target.objects.filter(name="崇左食品厂").exists()
    bad = xlsx([["", "", "", "", "", "", ""], ["x", "", "", "", "", "-1", ""]])
    response = client.post(
        "/api/v1/fieldsales/markets/import",
        {"market": str(w.market.public_id), "file": _upload(bad)},
    )
    body = response.json()
    assert response.status_code == 422 and body["code"] == "invalid_rows"
    assert body["details"]["errors"][0] == {
        "row": 3,
        "column": "monthly_need",
        "code": "invalid_monthly_need",
        "message": body["details"]["errors"][0]["message"],
    }
    response = client.post(
        "/api/v1/fieldsales/markets/import",
        {"market": str(w.market.public_id), "file": _upload(b"garbage")},
    )
    assert response.status_code == 422 and response.json()["code"] == "malformed_workbook"


def test_the_import_page_lists_row_errors_and_the_result(w):
    client = w.operator_web()
    url = f"/fieldsales/markets/{w.market.public_id}/import/"
    assert client.get(url).status_code == 200
    bad = xlsx([["好厂", "", "月球", "", "", "", ""]])
    response = client.post(url, {"file": _upload(bad)})
    page = response.content.decode()
    assert response.status_code == 422 and 'data-testid="row-error"' in page
    good = xlsx([["防城港罐头厂", "", "广西", "防城港", "", "", ""]])
    response = client.post(url, {"file": _upload(good)})
    assert (
        response.status_code == 200 and 'data-testid="import-result"' in response.content.decode()
    )
    assert Target.objects.filter(name="防城港罐头厂", market=w.market).exists()
    assert (
        client.get(f"/fieldsales/markets/{w.market.public_id}/import/template").status_code == 200
    )


def test_only_operators_import(w):
    content = xlsx([["新厂", "", "", "", "", "", ""]])
    with pytest.raises(NotFound):  # a rep of another market's targets: hidden market
        targets_import(actor=w.actor(w.other_rep_seat), market_id="nope", content=content)
    with pytest.raises(
        PermissionDenied
    ):  # the rep sees the market (his targets) but may not import
        targets_import(
            actor=w.actor(w.partner_rep_seat), market_id=w.market.public_id, content=content
        )


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "targets.xlsx",
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
