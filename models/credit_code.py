"""统一社会信用代码 (unified social credit code, GB 32100-2015) validation.

18 characters: registration authority, entity type, 6-digit administrative
region, 9-character organisation code (GB 11714, with its own check character)
and a final check character over the first 17.
"""

from __future__ import annotations

import re

_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # I, O, S, V, Z are never used
_VALUES = {c: i for i, c in enumerate(_CHARSET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class InvalidCreditCode(ValueError):
    """Raised with a Chinese message saying what is wrong with the code."""


def check_char(first17: str) -> str:
    """Return the 18th (check) character for the first 17 characters."""
    total = sum(_VALUES[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str) -> str:
    """Return the code upper-cased and stripped, or raise InvalidCreditCode."""
    code = (raw or "").strip().upper()
    if len(code) != 18:
        raise InvalidCreditCode(f"统一社会信用代码应为18位，当前为{len(code)}位")
    if not _PATTERN.match(code):
        raise InvalidCreditCode("统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z）")
    if check_char(code[:17]) != code[17]:
        raise InvalidCreditCode("统一社会信用代码校验位不正确，请核对后重新输入")
    return code


def is_valid_credit_code(raw: str) -> bool:
    try:
        normalise_credit_code(raw)
    except InvalidCreditCode:
        return False
    return True


def make_credit_code(region: str, serial: int, *, authority: str = "9", kind: str = "1") -> str:
    """Build a valid-format code (used for fictional demo organisations only)."""
    body = f"{authority}{kind}{region}"
    org = ""
    n = serial
    for _ in range(9):
        org = _CHARSET[n % 31] + org
        n //= 31
    first17 = body + org
    return first17 + check_char(first17)
