"""Password policy: at least 10 characters, not common, not the username."""

from __future__ import annotations

import pytest

from web.security.passwords import check_password, common_passwords
from web.services.errors import ValidationFailed
from web.services.seed import DEMO_PASSWORD


@pytest.mark.parametrize("password", [
    "password1", "12345678a", "qwerty123", DEMO_PASSWORD,  # the examples
    "Password2024!", "qwertyuiop123", "1234567890a", "1qaz2wsx3edc", "woaini1314520",
    "aaaaaaaaa1", "1111111111a", "Zhengqi-2026", "a1a1a1a1a1a1", "Secret-2022",
])
def test_common_or_short_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_password(password)
    assert caught.value.field == "password"


def test_password_equal_to_or_containing_the_username_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="用户名"):
        check_password("hebei-tech-2026", username="hebei-tech-2026")
    with pytest.raises(ValidationFailed, match="用户名"):
        check_password("Lijun-factory-7", username="lijun")
    check_password("Lijun-factory-7", username="zhangsan")


@pytest.mark.parametrize("password", ["Zq-first-admin-2026", "Passw0rd-test", "Haihe-bridge-2022", "棉花糖-火车站-42"])
def test_ordinary_good_passwords_pass(password: str) -> None:
    check_password(password, username="someone")


def test_the_list_ships_with_the_package_and_is_lower_case() -> None:
    words = common_passwords()
    assert len(words) > 200 and "password" in words
    assert all(w == w.lower() for w in words)


@pytest.mark.parametrize("weak", ["password1", "12345678a", "qwerty123", DEMO_PASSWORD, "apicorp-2026"])
def test_registration_refuses_weak_passwords_and_changes_nothing(client, session, weak: str) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import func, select

    from models import Organisation, User
    from models.credit_code import make_credit_code
    from tests.web.test_portal_register_api import REG, anon_token

    r = client.post("/api/v1/register", headers=anon_token(client), json={
        **REG, "password": weak, "password_confirm": weak, "credit_code": make_credit_code("120105", 702)})
    assert r.status_code == 422
    assert "密码" in r.json()["errors"]["password"]
    assert weak not in r.text
    assert [session.exec(select(func.count()).select_from(m)).one() for m in (Organisation, User)] == [0, 0]
