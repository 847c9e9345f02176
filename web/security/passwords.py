"""Password policy: long enough, not a common password, not the username."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from web.services.errors import ValidationFailed

PASSWORD_MIN = 10
PASSWORD_MAX = 128
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
_EDGE = "0123456789!@#$%^&*()-_=+.,;:?/\\|'\"`~[]{}<> "


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case)."""
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_common(password: str, username: str) -> bool:
    lowered = password.lower()
    # "Password2024!" and "2024zhengqi" are the list's words with digits and
    # punctuation around them; a stem of one or two letters ("12345678a") is no word at all.
    stem = lowered.strip(_EDGE)
    words = common_passwords() | ({username.lower()} if username else set())
    return lowered in words or stem in words or len(stem) < 3 or len(set(lowered)) < 4


def check_password(password: str, *, username: str = "") -> None:
    """Raise ValidationFailed (field ``password``) unless ``password`` meets the policy."""
    if len(password) < PASSWORD_MIN:
        raise ValidationFailed(f"密码至少{PASSWORD_MIN}位", field="password")
    if len(password) > PASSWORD_MAX:
        raise ValidationFailed(f"密码不能超过{PASSWORD_MAX}位", field="password")
    if username and username.strip().lower() in password.lower():
        raise ValidationFailed("密码不能包含用户名", field="password")
    if _is_common(password, username.strip()):
        raise ValidationFailed("密码过于常见或简单，容易被猜中，请换一个更长、更不规律的密码",
                               field="password")
    if password.isdigit() or password.isalpha():
        raise ValidationFailed("密码需同时包含字母和数字", field="password")
