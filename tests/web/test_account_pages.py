"""个人中心, 用户管理, 在线用户 and 登录日志 through the real app."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from models import LoginAttempt, User
from tests.factories import PASSWORD, make_org, make_user
from tests.web.conftest import csrf_from, login
from web.app import create_app
from web.services.accounts import auth
from web.settings import Settings

NEW_PASSWORD = "Qingdao-harbour-2026"


def _second_client(settings: Settings, engine) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(create_app(settings, engine=engine))


def test_account_center_shows_account_org_and_recent_logins(client: TestClient, session: Session) -> None:
    org = make_org(session, name="河北区示例精工有限公司")
    make_user(session, role="enterprise", org=org, username="jinggong", display_name="陈经理", is_org_admin=True)
    login(client, "jinggong")
    r = client.get("/account")
    assert r.status_code == 200 and r.template.name == "account/center.html"
    assert "河北区示例精工有限公司" in r.text and "陈经理" in r.text and "本机构管理员" in r.text
    assert r.context["logins"][0].success and "管理本机构同事账号" in r.text
    assert 'href="/account"' in r.text  # reachable from the header on every page


def test_password_change_through_the_page(client: TestClient, session: Session, settings: Settings,
                                          engine) -> None:  # type: ignore[no-untyped-def]
    make_user(session, role="official", username="lingdao")
    with _second_client(settings, engine) as other:
        login(other, "lingdao")
        token = login(client, "lingdao")
        bad = client.post("/account/password", data={"old_password": "nope-nope-1", "new_password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD, "csrf_token": token})
        assert bad.status_code == 422 and "原密码不正确" in bad.text
        assert other.get("/dashboard", follow_redirects=False).status_code == 200
        weak = client.post("/account/password", data={"old_password": PASSWORD, "new_password": "12345678",
                                                      "confirm": "12345678", "csrf_token": token})
        assert weak.status_code == 422 and "密码至少10位" in weak.text
        ok = client.post("/account/password", data={"old_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD, "csrf_token": token},
                         follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == "/account?changed=1"
        assert "其他设备上的登录已全部退出" in client.get(ok.headers["location"]).text
        assert other.get("/dashboard", follow_redirects=False).headers["location"].startswith("/login")


def test_reset_password_then_forced_change_at_next_login(client: TestClient, session: Session,
                                                         settings: Settings, engine) -> None:  # type: ignore[no-untyped-def]
    make_user(session, role="admin", username="guanliyuan")
    staff = make_user(session, role="staff", username="zhuanyuan2")
    token = login(client, "guanliyuan")
    r = client.post(f"/admin/users/{staff.id}/password-reset", data={"csrf_token": token})
    assert r.status_code == 200 and r.template.name == "admin/user_detail.html"
    otp = r.context["one_time_password"]
    assert otp in r.text and "只显示这一次" in r.text
    assert otp not in client.get(f"/admin/users/{staff.id}").text
    with _second_client(settings, engine) as c2:
        form = csrf_from(c2.get("/login").text)
        r = c2.post("/login", data={"username": "zhuanyuan2", "password": otp, "csrf_token": form},
                    follow_redirects=False)
        assert r.headers["location"] == "/account/password"
        assert c2.get("/staff/review", follow_redirects=False).headers["location"] == "/account/password"
        api = c2.get("/api/v1/staff/queue")
        assert api.status_code == 403 and "一次性密码" in api.json()["detail"]
        page = c2.get("/account/password")
        assert "请先设置自己的新密码" in page.text
        c2.post("/account/password", data={"old_password": otp, "new_password": NEW_PASSWORD,
                                           "confirm": NEW_PASSWORD, "csrf_token": csrf_from(page.text)})
        assert c2.get("/staff/review").status_code == 200


def test_admin_disables_enables_edits_and_last_admin_is_kept(client: TestClient, session: Session,
                                                             settings: Settings, engine) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(session, role="admin", username="guanliyuan")
    staff = make_user(session, role="staff", username="zhuanyuan3")
    token = login(client, "guanliyuan")
    with _second_client(settings, engine) as c2:
        login(c2, "zhuanyuan3")
        r = client.post(f"/admin/users/{staff.id}/active", data={"active": "0", "csrf_token": token,
                                                                 "confirmed": "1"}, follow_redirects=False)
        assert r.status_code == 303
        assert c2.get("/staff/review", follow_redirects=False).headers["location"].startswith("/login")
    assert "已停用账号 zhuanyuan3" in client.get(r.headers["location"]).text
    r = client.post(f"/admin/users/{staff.id}", data={"display_name": "赵处长", "role": "official",
                                                      "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert (session.get(User, staff.id).display_name, session.get(User, staff.id).role) == ("赵处长", "official")
    r = client.post(f"/admin/users/{admin.id}", data={"display_name": "x", "role": "staff", "csrf_token": token})
    assert r.status_code == 409 and "最后一个启用的管理员" in r.text
    session.expire_all()
    assert session.get(User, admin.id).role == "admin"
    r = client.post("/admin/users/987654/active", data={"active": "0", "csrf_token": token})
    assert r.status_code == 404


def test_user_list_search_and_filters(client: TestClient, session: Session) -> None:
    make_user(session, role="admin", username="guanliyuan")
    org = make_org(session, name="天津示例电子有限公司")
    make_user(session, role="enterprise", org=org, username="dianzi01")
    make_user(session, role="staff", username="tingyong", is_active=False)
    login(client, "guanliyuan")
    r = client.get("/admin/users", params={"q": "示例电子"})
    assert [u.username for u, _ in r.context["page"].items] == ["dianzi01"]
    r = client.get("/admin/users", params={"active": "0"})
    assert [u.username for u, _ in r.context["page"].items] == ["tingyong"]
    assert client.get("/admin/users", params={"active": "yes"}).status_code == 422


def test_sessions_page_and_forced_logout(client: TestClient, session: Session, settings: Settings,
                                         engine) -> None:  # type: ignore[no-untyped-def]
    make_user(session, role="admin", username="guanliyuan")
    make_user(session, role="staff", username="zaixian")
    token = login(client, "guanliyuan")
    with _second_client(settings, engine) as c2:
        login(c2, "zaixian")
        r = client.get("/admin/sessions")
        assert r.template.name == "admin/sessions.html" and "zaixian" in r.text and "当前会话" in r.text
        key = next(s.key for s in r.context["page"].items if s.username == "zaixian")
        r = client.post(f"/admin/sessions/{key}/end", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
        assert c2.get("/staff/review", follow_redirects=False).headers["location"].startswith("/login")
        assert client.post(f"/admin/sessions/{key}/end", data={"csrf_token": token}).status_code == 404


def test_login_log_page_and_export(client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    # A fake clock that moves ten seconds a reading: the throttle's one- and two-second delays
    # after the third failure have always passed, however fast or slow the machine is.
    ticks = iter(range(10_000))
    start = datetime.now(UTC)

    class SteppingClock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return start + timedelta(seconds=10 * next(ticks))

    monkeypatch.setattr(auth, "datetime", SteppingClock)
    make_user(session, role="admin", username="guanliyuan")
    for _ in range(5):
        token = csrf_from(client.get("/login").text)
        client.post("/login", data={"username": "ghost", "password": "wrong-password-1", "csrf_token": token})
    login(client, "guanliyuan")
    r = client.get("/admin/logins", params={"result": "fail"})
    assert r.template.name == "admin/logins.html" and r.context["page"].total == 5
    assert "同一账号短时间内多次登录失败" in r.text and "ghost" in r.text
    assert client.get("/admin/logins", params={"date_from": "not-a-date"}).status_code == 422
    x = client.get("/admin/logins.xlsx", params={"username": "ghost"})
    assert x.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(x.content)).active.values)
    assert len(rows) == 6 and all(row[1] == "ghost" and row[4] == "失败" for row in rows[1:])
    ua = session.exec(select(LoginAttempt.user_agent).where(LoginAttempt.username == "ghost")).first()
    assert ua == "testclient"



def test_login_log_page_reads_dates_as_days_in_the_platform_zone(client: TestClient, session: Session) -> None:
    session.add(LoginAttempt(username="wangwu", ip="10.0.0.9", success=True,
                             created_at=datetime(2026, 12, 2, 16, 30, tzinfo=UTC)))  # 2026-12-03 00:30 in Shanghai
    session.commit()
    login(client, make_user(session, role="admin").username)

    def found(day: str) -> int:
        r = client.get("/admin/logins", params={"username": "wangwu", "date_from": day, "date_to": day})
        return r.context["page"].total

    assert (found("2026-12-02"), found("2026-12-03")) == (0, 1)
    x = client.get("/admin/logins.xlsx", params={"username": "wangwu", "date_from": "2026-12-03", "date_to": "2026-12-03"})
    assert len(list(load_workbook(io.BytesIO(x.content)).active.values)) == 2


def test_org_admin_invites_colleague_through_the_page(client: TestClient, session: Session) -> None:
    org = make_org(session)
    make_user(session, role="provider", org=org, username="jigou-admin", is_org_admin=True)
    make_user(session, role="provider", org=org, username="jigou-member")
    token = login(client, "jigou-admin")
    r = client.post("/account/colleagues", data={"username": "jigou-new", "display_name": "新同事",
                                                 "csrf_token": token})
    assert r.status_code == 200 and "一次性密码" in r.text
    otp = re.search(r'class="otp-code">([^<]+)<', r.text).group(1)
    assert otp == r.context["invited"].one_time_password
    dup = client.post("/account/colleagues", data={"username": "jigou-new", "csrf_token": token})
    assert dup.status_code == 422 and "已被使用" in dup.text
    session.expire_all()
    assert session.exec(select(User).where(User.username == "jigou-new")).one().org_id == org.id


def test_member_without_org_admin_right_is_refused(client: TestClient, session: Session) -> None:
    org = make_org(session)
    make_user(session, role="enterprise", org=org, username="putong")
    login(client, "putong")
    r = client.get("/account/colleagues")
    assert r.status_code == 403 and "本机构的管理员" in r.text


def test_admin_sees_and_clears_a_login_restriction(client: TestClient, session: Session) -> None:
    from datetime import UTC, datetime, timedelta

    from models import LoginThrottle

    make_user(session, role="admin", username="guanliyuan")
    target = make_user(session, role="official", username="shouxian")
    session.add(LoginThrottle(key="u:shouxian", failures=15, next_allowed_at=datetime.now(UTC) + timedelta(minutes=1),
                              updated_at=datetime.now(UTC)))
    session.commit()
    token = login(client, "guanliyuan")
    assert "登录受限至" in client.get(f"/admin/users/{target.id}").text
    r = client.post(f"/admin/users/{target.id}/unlock", data={"csrf_token": token})
    assert "已解除该账号的登录失败限制" in r.text and "登录受限至" not in r.text
