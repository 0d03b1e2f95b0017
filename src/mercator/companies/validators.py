"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character alphabet (digits and capital letters without I, O, S,
V, Z): registration authority (1), institution category (1), administrative division (6),
organisation code (9), then a check character computed as a weighted sum mod 31 over the
first 17. Each problem gets its own message, so a clerk knows what to fix."""

import unicodedata

from django.utils.translation import gettext_lazy as _

from mercator.core.errors import ValidationFailed

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUES = {char: index for index, char in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Return the code if valid; raise ``ValidationFailed`` naming the problem otherwise."""
    code = value or ""
    details = {"field": "credit_code"}
    if any(unicodedata.east_asian_width(c) == "F" for c in code):
        raise ValidationFailed(
            _("统一社会信用代码含有全角字符，请用半角（英文输入法）重新输入。"),
            code="credit_code_fullwidth",
            details=details,
        )
    if code != code.strip() or " " in code:
        raise ValidationFailed(
            _("统一社会信用代码不能含有空格。"), code="credit_code_spaces", details=details
        )
    if len(code) != 18:
        raise ValidationFailed(
            _("统一社会信用代码应为 18 位，您输入了 %(n)d 位。") % {"n": len(code)},
            code="credit_code_length",
            details={**details, "length": len(code)},
        )
    if code != code.upper():
        raise ValidationFailed(
            _("统一社会信用代码中的字母必须大写。"), code="credit_code_lowercase", details=details
        )
    for position, char in enumerate(code, start=1):
        if char not in VALUES:
            raise ValidationFailed(
                _("统一社会信用代码第 %(pos)d 位的“%(char)s”不是允许的字符（不含 I、O、S、V、Z）。")
                % {"pos": position, "char": char},
                code="credit_code_character",
                details={**details, "position": position},
            )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise ValidationFailed(
            _("统一社会信用代码校验位错误：第 18 位应为“%(expected)s”，请核对前 17 位。")
            % {"expected": expected},
            code="credit_code_check_digit",
            details=details,
        )
    return code
