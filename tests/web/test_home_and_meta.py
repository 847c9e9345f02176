"""Landing page, login round trip and the first API endpoints."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import UserSession
from tests.factories import make_org, make_user
from tests.web.conftest import csrf_from, login
from web.services.indicators.plan import ensure_plan_indicators


def test_home_page_is_chinese_and_leads_each_role_to_login(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.template.name == "home.html"
    html = r.text
    assert '<html lang="zh-CN">' in html
    assert "河北区智慧政企服务平台" in html
    for role in ("enterprise", "provider", "staff", "official"):
        assert f"/login?role={role}" in html
    assert "cdn" not in html.lower()


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/api/v1/indicators" in spec["paths"]


def test_indicators_api_returns_plan_targets(client: TestClient, session: Session) -> None:
    ensure_plan_indicators(session)
    session.commit()
    data = client.get("/api/v1/indicators").json()
    assert [d["number"] for d in data] == [1, 2, 3, 4, 5, 6, 7]
    assert data[0]["targets"] == {"2020": "1.1", "2021": "1.2", "2022": "1.3"}
    assert data[6]["targets"] == {"2020": "16", "2021": "18", "2022": "20"}


def test_login_logout_ends_server_session(client: TestClient, session: Session) -> None:
    org = make_org(session)
    user = make_user(session, org=org)
    token = login(client, user.username)
    cookie = client.cookies.get("zq_session")
    assert cookie
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert session.exec(select(UserSession)).one().revoked_at is not None
    # Replaying the old cookie does not bring the session back.
    client.cookies.set("zq_session", cookie)
    assert "退出" not in client.get("/").text


def test_login_wrong_password_is_chinese_error(client: TestClient, session: Session) -> None:
    user = make_user(session, org=make_org(session))
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", data={"username": user.username, "password": "nope", "csrf_token": token})
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text
    assert client.cookies.get("zq_session") is None


def test_login_without_csrf_is_refused(client: TestClient, session: Session) -> None:
    user = make_user(session, org=make_org(session))
    r = client.post("/login", data={"username": user.username, "password": "x"})
    assert r.status_code == 403
    assert "CSRF" in r.text
