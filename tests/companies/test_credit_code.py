import pytest
from hypothesis import given
from hypothesis import strategies as st

from mercator.companies.models import Company, CompanyVerification
from mercator.companies.validators import ALPHABET, check_character, validate_credit_code
from mercator.core.errors import ValidationFailed

VALID = "91350100M000100Y43"


def test_known_valid_codes():
    for code in [VALID, "91110000600037341L", "91440300708461136T"]:
        assert validate_credit_code(code) == code


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("91350100M000100Y44", "credit_code_check_digit", "第 18 位应为“3”"),
        ("91350100M000100Y4", "credit_code_length", "18 位，您输入了 17 位"),
        ("91350100M000100Y433", "credit_code_length", "您输入了 19 位"),
        ("", "credit_code_length", "您输入了 0 位"),
        ("91350100m000100y43", "credit_code_lowercase", "大写"),
        ("９１350100M000100Y43", "credit_code_fullwidth", "全角"),
        ("91350100M000100Y4３", "credit_code_fullwidth", "全角"),
        ("91350100MO00100Y43", "credit_code_character", "第 10 位的“O”"),
        ("91350100M000I00Y43", "credit_code_character", "第 13 位的“I”"),
        (" 91350100M000100Y43", "credit_code_spaces", "空格"),
        ("913501 0M000100Y43", "credit_code_spaces", "空格"),
    ],
)
def test_each_problem_is_named(value, code, fragment):
    with pytest.raises(ValidationFailed) as exc:
        validate_credit_code(value)
    assert exc.value.code == code
    assert fragment in str(exc.value.message)


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_check_character_roundtrip(first17):
    code = first17 + check_character(first17)
    assert validate_credit_code(code) == code
    # Any other check character is refused.
    for wrong in ALPHABET.replace(code[-1], "")[:3]:
        with pytest.raises(ValidationFailed):
            validate_credit_code(first17 + wrong)


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("91350100M000100Y44", "credit_code_check_digit"),
        ("913501", "credit_code_length"),
        ("91350100m000100y43", "credit_code_lowercase"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "credit_code_fullwidth"),
    ],
)
def test_verification_with_bad_code_saves_nothing(api, company, bad, code):
    payload = verification_payload(credit_code=bad)
    response = api.post(
        f"/api/v1/companies/{company.public_id}/verification",
        data=payload,
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert body["details"]["field"] == "credit_code"
    assert not CompanyVerification.objects.exists()
    company.refresh_from_db()
    assert company.verification_status == Company.Verification.UNVERIFIED


def verification_payload(**overrides):
    data = {
        "credit_code": VALID,
        "bank_name": "中国工商银行",
        "bank_branch": "福州五一支行",
        "bank_account": "1402 0212 0900 0012 345",
        "invoice_name": "福建测试贸易有限公司",
        "invoice_tax_no": VALID,
        "invoice_address": "福州市鼓楼区五一北路 1 号",
        "invoice_phone": "0591-88888888",
        "invoice_bank": "中国工商银行福州五一支行 1402021209000012345",
    }
    data.update(overrides)
    return data


def test_bad_code_in_english(api, company):
    response = api.post(
        f"/api/v1/companies/{company.public_id}/verification",
        data=verification_payload(credit_code="91350100M000100Y44"),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert "check character" in response.json()["message"]
