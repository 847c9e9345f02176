"""个人中心, 用户管理, 在线用户 and 登录日志 services, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, col, func, select

from models import AuditLog, LoginAttempt, User, UserSession
from tests.factories import PASSWORD, make_org, make_user
from web.services.accounts import auth, colleagues, login_log, profile, sessions, users
from web.services.errors import Conflict, Forbidden, NotFound, ValidationFailed

SHANGHAI = ZoneInfo("Asia/Shanghai")

NEW_PASSWORD = "Qingdao-harbour-2026"


def _login(session: Session, user: User, password: str = PASSWORD, **kw: str) -> auth.LoginResult:
    return auth.login(session, username=user.username, password=password, **kw)


def _live(session: Session, user_id: int) -> int:
    session.expire_all()
    return sessions.count_live(session, user_id=user_id)


def _audits(session: Session, action: str) -> int:
    return session.exec(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)).one()


# --- 个人中心 -------------------------------------------------------------------------------


def test_change_password_needs_old_one_and_ends_other_sessions(session: Session) -> None:
    user = make_user(session, role="staff")
    first, second = _login(session, user), _login(session, user)
    keep = auth._token_hash(first.token)
    ended = profile.change_password(session, user_id=user.id, old_password=PASSWORD,
                                    new_password=NEW_PASSWORD, confirm=NEW_PASSWORD, keep_session_id=keep)
    assert ended == 1
    assert auth.session_for_token(session, first.token) is not None
    assert auth.session_for_token(session, second.token) is None
    assert _login(session, user, NEW_PASSWORD)
    with pytest.raises(Exception):  # noqa: B017  (NotAuthenticated: the old password is gone)
        _login(session, user, PASSWORD)
    assert _audits(session, "user.password_change") == 1


@pytest.mark.parametrize(("old", "new", "confirm", "field", "message"), [
    ("wrong-old-pass1", NEW_PASSWORD, NEW_PASSWORD, "old_password", "原密码不正确"),
    (PASSWORD, "short1", "short1", "new_password", "密码至少10位"),
    (PASSWORD, "password123", "password123", "new_password", "常见"),
    (PASSWORD, "{username}-2026x", "{username}-2026x", "new_password", "用户名"),
    (PASSWORD, PASSWORD, PASSWORD, "new_password", "不能与原密码相同"),
    (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "confirm", "不一致"),
])
def test_change_password_refusals_change_nothing(session: Session, old: str, new: str, confirm: str,
                                                 field: str, message: str) -> None:
    user = make_user(session, role="enterprise", org=make_org(session))
    other = _login(session, user)
    before = user.password_hash
    with pytest.raises(ValidationFailed) as info:
        profile.change_password(session, user_id=user.id, old_password=old,
                                new_password=new.format(username=user.username),
                                confirm=confirm.format(username=user.username), keep_session_id=None)
    assert message in info.value.errors[field]
    session.expire_all()
    assert session.get(User, user.id).password_hash == before
    assert auth.session_for_token(session, other.token) is not None
    assert _audits(session, "user.password_change") == 0


def test_overview_and_recent_logins(session: Session) -> None:
    org = make_org(session)
    user = make_user(session, role="enterprise", org=org)
    with pytest.raises(Exception):  # noqa: B017
        _login(session, user, "not-the-password", ip="10.0.0.9")
    _login(session, user, ip="10.0.0.8", user_agent="Mozilla/5.0 测试")
    info = profile.overview(session, user_id=user.id)
    assert info.org.name == org.name and info.live_sessions == 1
    logins = profile.recent_logins(session, username=user.username.upper())
    assert [(a.success, a.ip) for a in logins] == [(True, "10.0.0.8"), (False, "10.0.0.9")]
    assert logins[0].user_agent == "Mozilla/5.0 测试"
    with pytest.raises(NotFound):
        profile.overview(session, user_id=987654)


# --- 用户管理 -------------------------------------------------------------------------------


def test_disable_ends_sessions_at_once_and_enable_restores_login(session: Session) -> None:
    admin = make_user(session, role="admin")
    staff = make_user(session, role="staff")
    live = _login(session, staff)
    users.set_active(session, actor_id=admin.id, user_id=staff.id, active=False)
    assert auth.session_for_token(session, live.token) is None
    assert _live(session, staff.id) == 0
    users.set_active(session, actor_id=admin.id, user_id=staff.id, active=True)
    assert _login(session, staff)
    assert _audits(session, "user.disable") == 1 and _audits(session, "user.enable") == 1


def test_last_active_admin_cannot_be_disabled_or_demoted(session: Session) -> None:
    admin = make_user(session, role="admin")
    other_admin = make_user(session, role="admin")
    users.set_active(session, actor_id=admin.id, user_id=other_admin.id, active=False)
    with pytest.raises(Conflict, match="自己"):
        users.set_active(session, actor_id=admin.id, user_id=admin.id, active=False)
    # Another (staff) actor, say via the API, still may not remove the last admin.
    with pytest.raises(Conflict, match="最后一个启用的管理员"):
        users.set_active(session, actor_id=other_admin.id, user_id=admin.id, active=False)
    with pytest.raises(Conflict, match="最后一个启用的管理员"):
        users.update_account(session, actor_id=admin.id, user_id=admin.id, display_name="x", role="staff")
    session.expire_all()
    assert session.get(User, admin.id).is_active and session.get(User, admin.id).role == "admin"


def test_update_account_changes_name_and_internal_role_only(session: Session) -> None:
    admin = make_user(session, role="admin")
    staff = make_user(session, role="staff")
    ent = make_user(session, role="enterprise", org=make_org(session))
    live = _login(session, staff)
    users.update_account(session, actor_id=admin.id, user_id=staff.id, display_name=" 李处长 ", role="official")
    session.expire_all()
    changed = session.get(User, staff.id)
    assert (changed.display_name, changed.role) == ("李处长", "official")
    assert auth.session_for_token(session, live.token) is None  # new role: log in again
    with pytest.raises(ValidationFailed, match="角色不能更改"):
        users.update_account(session, actor_id=admin.id, user_id=ent.id, display_name="x", role="staff")
    with pytest.raises(ValidationFailed, match="50"):
        users.update_account(session, actor_id=admin.id, user_id=staff.id, display_name="长" * 51)
    session.expire_all()
    assert session.get(User, ent.id).role == "enterprise"


def test_reset_password_gives_one_time_password_that_must_be_changed(session: Session) -> None:
    admin = make_user(session, role="admin")
    staff = make_user(session, role="staff")
    live = _login(session, staff)
    otp = users.reset_password(session, actor_id=admin.id, user_id=staff.id)
    assert len(otp) == 12 and not set(otp) & set("0O1lI")
    assert auth.session_for_token(session, live.token) is None
    result = _login(session, staff, otp)
    assert result.user.must_change_password
    profile.change_password(session, user_id=staff.id, old_password=otp, new_password=NEW_PASSWORD,
                            confirm=NEW_PASSWORD, keep_session_id=None)
    session.expire_all()
    assert not session.get(User, staff.id).must_change_password
    assert _audits(session, "user.password_reset") == 1


def test_create_account_refuses_weak_passwords(session: Session) -> None:
    admin = make_user(session, role="admin")
    for password, message in (("abc12345", "至少10位"), ("password1234", "常见"),
                              ("zhang-wei-2026", "用户名")):
        with pytest.raises(ValidationFailed, match=message):
            users.create_account(session, actor_id=admin.id, username="zhang-wei", password=password,
                                 role="staff")
    assert session.exec(select(User).where(User.username == "zhang-wei")).first() is None


def test_list_accounts_searches_and_filters(session: Session) -> None:
    org = make_org(session, name="滨海精密机械有限公司")
    make_user(session, role="enterprise", org=org, username="binhai01")
    make_user(session, role="staff", username="wangzy", display_name="王专员", is_active=False)
    assert [u.username for u, _ in users.list_accounts(session, q="精密").items] == ["binhai01"]
    assert [u.username for u, _ in users.list_accounts(session, q="王专").items] == ["wangzy"]
    assert [u.username for u, _ in users.list_accounts(session, active=False).items] == ["wangzy"]
    assert users.list_accounts(session, role="staff", active=True).total == 0


# --- colleagues --------------------------------------------------------------------------------


def test_org_admin_invites_and_disables_colleagues_of_own_org_only(session: Session) -> None:
    org, other_org = make_org(session), make_org(session)
    boss = make_user(session, role="enterprise", org=org, is_org_admin=True)
    member = make_user(session, role="enterprise", org=org)
    outsider = make_user(session, role="enterprise", org=other_org)
    invited = colleagues.invite_colleague(session, actor_id=boss.id, username="new-colleague", display_name="新同事")
    assert invited.user.org_id == org.id and invited.user.role == "enterprise"
    assert invited.user.must_change_password and not invited.user.is_org_admin
    assert _login(session, invited.user, invited.one_time_password).user.must_change_password
    live = _login(session, member)
    colleagues.set_colleague_active(session, actor_id=boss.id, user_id=member.id, active=False)
    assert auth.session_for_token(session, live.token) is None
    with pytest.raises(NotFound):
        colleagues.set_colleague_active(session, actor_id=boss.id, user_id=outsider.id, active=False)
    with pytest.raises(Forbidden):
        colleagues.invite_colleague(session, actor_id=member.id, username="sneaky", display_name="")
    with pytest.raises(Forbidden):
        colleagues.list_colleagues(session, actor_id=make_user(session, role="staff").id)
    session.expire_all()
    assert session.get(User, outsider.id).is_active
    assert {u.id for u in colleagues.list_colleagues(session, actor_id=boss.id)} == \
        {boss.id, member.id, invited.user.id}


def test_registration_makes_the_first_user_org_admin(session: Session) -> None:
    from models.credit_code import make_credit_code
    from web.services.organisations.records import register_organisation

    reg = register_organisation(session, name="新注册科技有限公司", kind="enterprise",
                                credit_code=make_credit_code("120105", 123457), username="xinzhuce",
                                password="Harbour-lights-77", contact_name="周经理",
                                contact_phone="022-26001234")
    assert reg.user.is_org_admin


# --- 在线用户 ------------------------------------------------------------------------------


def test_live_sessions_list_touch_and_forced_logout(session: Session) -> None:
    admin = make_user(session, role="admin")
    alice = make_user(session, role="staff", username="alice-s")
    bob = make_user(session, role="official", username="bob-o")
    a1, a2 = _login(session, alice, ip="10.1.1.1"), _login(session, alice, ip="10.1.1.2")
    _login(session, bob, ip="10.2.2.2")
    expired = UserSession(id="e" * 64, user_id=bob.id, csrf_token="x",
                          expires_at=datetime.now(UTC) - timedelta(minutes=1))
    session.add(expired)
    session.commit()
    page = sessions.list_live(session)
    assert page.total == 3 and "e" * 64 not in {s.key for s in page.items}
    assert sessions.list_live(session, q="10.2.").total == 1
    assert sessions.list_live(session, q="alice").total == 2
    # touch writes at most once a minute
    sid = auth._token_hash(a1.token)
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert not sessions.touch(session, session_id=sid)
    assert sessions.touch(session, session_id=sid, now=later)
    sessions.end_session(session, actor_id=admin.id, session_id=sid)
    assert auth.session_for_token(session, a1.token) is None
    assert auth.session_for_token(session, a2.token) is not None
    with pytest.raises(NotFound):
        sessions.end_session(session, actor_id=admin.id, session_id=sid)
    assert sessions.force_logout_user(session, actor_id=admin.id, user_id=alice.id) == 1
    assert _live(session, alice.id) == 0 and _live(session, bob.id) == 1


# --- 登录日志 ------------------------------------------------------------------------------


def _attempt(session: Session, username: str, ip: str, ok: bool, at: datetime, ua: str = "") -> None:
    session.add(LoginAttempt(username=username, ip=ip, success=ok, created_at=at, user_agent=ua))
    session.commit()


def test_login_log_filters_and_export(session: Session) -> None:
    t0 = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 12-01 in Beijing
    _attempt(session, "zhangsan", "10.0.0.1", True, t0, "Firefox")
    _attempt(session, "zhangsan", "10.0.0.2", False, t0 + timedelta(days=1))
    _attempt(session, "lisi", "192.168.1.5", False, t0 + timedelta(days=2))
    f = login_log.LoginFilters
    assert login_log.list_attempts(session, filters=f(), tz=SHANGHAI).total == 3
    assert login_log.list_attempts(session, filters=f(username="ZHANG"), tz=SHANGHAI).total == 2
    assert login_log.list_attempts(session, filters=f(ip="192.168."), tz=SHANGHAI).total == 1
    assert login_log.list_attempts(session, filters=f(result="fail"), tz=SHANGHAI).total == 2
    assert login_log.list_attempts(session, filters=f(result="nonsense"), tz=SHANGHAI).total == 3
    assert login_log.list_attempts(session, filters=f(date_from=date(2026, 12, 1), date_to=date(2026, 12, 1)),
                                   tz=SHANGHAI).total == 1
    data = login_log.attempts_xlsx(session, filters=f(username="zhangsan", result="ok"), tz=ZoneInfo("Asia/Shanghai"))
    rows = list(load_workbook(io.BytesIO(data)).active.values)
    assert rows[0] == ("时间", "账号", "IP地址", "浏览器", "结果")
    assert rows[1] == (datetime(2026, 12, 1, 0, 30), "zhangsan", "10.0.0.1", "Firefox", "成功")
    assert len(rows) == 2



def test_login_log_dates_are_days_in_the_platform_zone(session: Session) -> None:
    _attempt(session, "wangwu", "10.0.0.9", True, datetime(2026, 12, 2, 16, 30, tzinfo=UTC))  # 12-03 00:30 in Shanghai
    _attempt(session, "wangwu", "10.0.0.9", True, datetime(2026, 12, 3, 15, 30, tzinfo=UTC))  # 12-03 23:30 in Shanghai

    def on(day: date, tz: tzinfo = SHANGHAI) -> int:
        return login_log.list_attempts(session, filters=login_log.LoginFilters(date_from=day, date_to=day), tz=tz).total

    assert (on(date(2026, 12, 2)), on(date(2026, 12, 3)), on(date(2026, 12, 4))) == (0, 2, 0)
    assert (on(date(2026, 12, 2), UTC), on(date(2026, 12, 3), UTC)) == (1, 1)  # the zone given, none fixed
    data = login_log.attempts_xlsx(session, filters=login_log.LoginFilters(date_from=date(2026, 12, 3)), tz=SHANGHAI)
    assert len(list(load_workbook(io.BytesIO(data)).active.values)) == 3


def test_anomalies_flag_bursts_and_admin_new_address(session: Session) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    for i in range(5):  # five failures in four minutes for one account, from varied addresses
        _attempt(session, "target", f"10.9.0.{i}", False, now - timedelta(minutes=30 - i))
    for i in range(6):  # six failures from one address, against varied accounts
        _attempt(session, f"guess{i}", "203.0.113.7", False, now - timedelta(minutes=20 - i))
    for i in range(4):  # four spread over hours: below the threshold in any window
        _attempt(session, "slowpoke", "10.8.0.1", False, now - timedelta(hours=i * 2 + 1))
    make_user(session, role="admin", username="root-admin")
    _attempt(session, "root-admin", "10.0.0.1", True, now - timedelta(days=3))
    _attempt(session, "root-admin", "10.0.0.1", True, now - timedelta(days=2))
    _attempt(session, "root-admin", "198.51.100.4", True, now - timedelta(hours=1))
    found = {(a.kind, a.subject, a.count) for a in login_log.anomalies(session, now=now)}
    assert ("account_burst", "target", 5) in found
    assert ("address_burst", "203.0.113.7", 6) in found
    assert ("admin_new_address", "root-admin @ 198.51.100.4", 1) in found
    assert not any(s.startswith("slowpoke") or s == "10.8.0.1" for _, s, _ in found)
    assert not any(s == "root-admin @ 10.0.0.1" for _, s, _ in found)  # first login and its repeat
    assert len(found) == 3


def test_login_records_address_and_user_agent(session: Session) -> None:
    user = make_user(session, role="staff")
    result = _login(session, user, ip="10.3.3.3", user_agent="UA/1.0")
    row = session.get(UserSession, auth._token_hash(result.token))
    assert (row.ip, row.user_agent) == ("10.3.3.3", "UA/1.0") and row.last_seen_at is not None
    attempt = session.exec(select(LoginAttempt).order_by(col(LoginAttempt.id).desc())).first()
    assert (attempt.ip, attempt.user_agent, attempt.success) == ("10.3.3.3", "UA/1.0", True)


def test_admin_unlock_clears_login_delays_of_that_account_only(session: Session) -> None:
    from models import LoginThrottle

    admin = make_user(session, role="admin")
    target = make_user(session, role="staff", username="Locked-Out")
    later = datetime.now(UTC) + timedelta(minutes=10)
    for key in ("u:locked-out", "p:locked-out|10.0.0.1", "a:10.0.0.1", "u:someone-else"):
        session.add(LoginThrottle(key=key, failures=20, next_allowed_at=later, updated_at=datetime.now(UTC)))
    session.commit()
    assert users.login_restricted_until(session, username=target.username) is not None
    assert users.unlock_login(session, actor_id=admin.id, user_id=target.id).id == target.id
    assert users.login_restricted_until(session, username=target.username) is None
    assert sorted(session.exec(select(LoginThrottle.key)).all()) == ["a:10.0.0.1", "u:someone-else"]
    assert _audits(session, "user.unlock") == 1
