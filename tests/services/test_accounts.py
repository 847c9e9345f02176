"""Accounts: password hashes, login sessions, accounts an admin manages.

The password policy and the login throttle have their own tests in tests/security/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from models import User, UserSession
from tests.factories import PASSWORD, make_org, make_user
from web.services.accounts import auth, users
from web.services.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
)


def test_hash_verifies_only_its_password() -> None:
    digest = auth.hash_password("Right-2022")
    assert auth.verify_password(digest, "Right-2022") and not auth.verify_password(digest, "Wrong-2022")
    assert not auth.verify_password("not-a-hash", "Right-2022")


def test_login_opens_a_session_that_logout_ends(session: Session) -> None:
    user = make_user(session, org=make_org(session))
    result = auth.login(session, username=user.username.upper(), password=PASSWORD)
    found = auth.session_for_token(session, result.token)
    assert found is not None and found[0].id == user.id and found[1].csrf_token == result.csrf_token
    # Only the token's hash is stored: the cookie value itself is nowhere in the table.
    assert session.exec(select(UserSession.id)).all() != [result.token]
    auth.logout(session, token=result.token)
    assert auth.session_for_token(session, result.token) is None
    assert auth.session_for_token(session, None) is None


def test_an_expired_session_or_a_disabled_user_is_logged_out(session: Session) -> None:
    user = make_user(session, org=make_org(session))
    token = auth.login(session, username=user.username, password=PASSWORD).token
    row = session.exec(select(UserSession)).one()
    row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    session.add(row)
    session.commit()
    assert auth.session_for_token(session, token) is None
    token = auth.login(session, username=user.username, password=PASSWORD).token
    user.is_active = False
    session.add(user)
    session.commit()
    assert auth.session_for_token(session, token) is None


def test_admin_opens_only_internal_accounts(session: Session) -> None:
    admin = make_user(session, role="admin")
    staff = users.create_account(session, actor_id=admin.id, username="zhuanyuan", password="Qx7-Hebei-2022z",
                                 role="staff", display_name="赵专员")
    assert staff.role == "staff" and staff.display_name == "赵专员"
    with pytest.raises(ValidationFailed, match="只能开通"):
        users.create_account(session, actor_id=admin.id, username="qiye", password="Qx7-Hebei-2022z", role="enterprise")
    with pytest.raises(ValidationFailed, match="该用户名已被使用"):
        users.create_account(session, actor_id=admin.id, username="ZHUANYUAN", password="Qx7-Hebei-2022z", role="staff")
    assert session.exec(select(func.count()).select_from(User)).one() == 2


def test_set_active_guards_the_admin_and_lists_filter(session: Session) -> None:
    admin = make_user(session, role="admin", display_name="管理员甲")
    staff = make_user(session, role="staff", display_name="专员乙")
    with pytest.raises(Conflict, match="不能停用自己的账号"):
        users.set_active(session, actor_id=admin.id, user_id=admin.id, active=False)
    with pytest.raises(NotFound):
        users.set_active(session, actor_id=admin.id, user_id=999999, active=False)
    assert not users.set_active(session, actor_id=admin.id, user_id=staff.id, active=False).is_active
    assert [u.id for u, _ in users.list_accounts(session, role="staff").items] == [staff.id]
    assert [u.id for u, _ in users.list_accounts(session, q="管理员").items] == [admin.id]
