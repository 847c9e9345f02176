"""统一社会信用代码 check digit (GB 32100-2015) against known valid and invalid codes."""

from __future__ import annotations

import pytest

from models.credit_code import (
    InvalidCreditCode,
    check_char,
    is_valid_credit_code,
    make_credit_code,
    normalise_credit_code,
)

# Each verified by hand against the standard: weights 3^i mod 31 over positions 1-17,
# check = 31 - (sum mod 31), 31 -> "0", values 0-9 then A-H J-N P Q R T U W X Y.
# e.g. 91350100M000100Y4 -> weighted sum 1640, 1640 mod 31 = 28, 31 - 28 = 3 -> "3".
VALID = [
    "91350100M000100Y43",
    "91110000600037341L",
    "91110108551385082Q",
    "91310000MA1FL1MMXL",
]


def _reference_check(first17: str) -> str:
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(charset.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return charset[(31 - total % 31) % 31]


@pytest.mark.parametrize("code", VALID)
def test_known_valid_codes(code: str) -> None:
    assert normalise_credit_code(code) == code
    assert check_char(code[:17]) == _reference_check(code[:17]) == code[17]


def test_hand_computed_sum() -> None:
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    assert sum(charset.index(c) * w for c, w in zip("91350100M000100Y4", weights, strict=True)) == 1640


def test_lowercase_and_spaces_are_normalised() -> None:
    assert normalise_credit_code("  91110000600037341l ") == "91110000600037341L"
    assert is_valid_credit_code("91350100m000100y43")


@pytest.mark.parametrize("code, message", [
    ("91350100M000100Y44", "校验位"),  # wrong check character
    ("91110000600037341K", "校验位"),
    ("91350100M000100Y4", "18位"),  # too short
    ("91350100M000100Y433", "18位"),  # too long
    ("", "18位"),
    ("91350100I000100Y43", "不允许的字符"),  # forbidden letters I O S V Z
    ("91350100O000100Y43", "不允许的字符"),
    ("91350100S000100Y43", "不允许的字符"),
    ("91350100V000100Y43", "不允许的字符"),
    ("91350100Z000100Y43", "不允许的字符"),
    ("9135A100M000100Y43", "不允许的字符"),  # region code must be 6 digits
    ("91350100M000100Y4-", "不允许的字符"),
])
def test_invalid_codes_say_why(code: str, message: str) -> None:
    with pytest.raises(InvalidCreditCode, match=message):
        normalise_credit_code(code)
    assert not is_valid_credit_code(code)


def test_every_wrong_check_char_is_rejected() -> None:
    code = VALID[0]
    for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        assert is_valid_credit_code(code[:17] + c) == (c == code[17])


def test_made_up_demo_codes_are_valid_and_distinct() -> None:
    codes = {make_credit_code("120105", n) for n in range(2000)}
    assert len(codes) == 2000
    assert all(is_valid_credit_code(c) and c.startswith("91120105") for c in codes)
