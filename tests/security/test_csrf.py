"""CSRF: the session's own token only, rotated at login, and Origin/Referer checked on writes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models import Need, Organisation
from tests.factories import PASSWORD, make_org, make_user
from tests.web.conftest import csrf_from, login

NEED = {"title": "数控机床故障诊断", "description": "需要机床振动监测与故障诊断服务", "category": "技术攻关"}


def _needs(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Need)).one()


def test_a_tossed_cookie_token_is_refused_for_a_logged_in_user(client: TestClient, session: Session) -> None:
    org = make_org(session)
    login(client, make_user(session, org=org).username)
    # An attacker on a sibling host planted zq_csrf=known and sends that as the token.
    client.cookies.set("zq_csrf", "planted-by-attacker")
    forged = {"X-CSRF-Token": "planted-by-attacker"}
    r = client.post("/api/v1/needs", headers=forged, json=NEED)
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    r = client.patch("/api/v1/me/organisation", headers=forged, json={"description": "改"})
    assert r.status_code == 403
    assert _needs(session) == 0
    session.expire_all()
    assert session.get(Organisation, org.id).description == "测试用机构"  # type: ignore[union-attr]


def test_the_session_token_still_works(client: TestClient, session: Session) -> None:
    token = login(client, make_user(session, org=make_org(session)).username)
    client.cookies.set("zq_csrf", "planted-by-attacker")
    r = client.post("/api/v1/needs", headers={"X-CSRF-Token": token}, json=NEED)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("header", [
    {"Origin": "https://evil.example"}, {"Origin": "null"}, {"Origin": "http://testserver.evil.example"},
    {"Referer": "https://evil.example/page"}, {"Origin": "http://evil.example", "Referer": "http://testserver/"},
])
def test_writes_from_another_site_are_refused(client: TestClient, session: Session,
                                              header: dict[str, str]) -> None:
    token = login(client, make_user(session, org=make_org(session)).username)
    r = client.post("/api/v1/needs", headers={"X-CSRF-Token": token, **header}, json=NEED)
    assert r.status_code == 403 and "Origin/Referer" in r.json()["detail"]
    assert _needs(session) == 0


@pytest.mark.parametrize("header", [{"Origin": "http://testserver"}, {"Referer": "http://testserver/enterprise"},
                                    {"Origin": "http://testserver:80"}, {}])
def test_writes_from_our_pages_or_scripts_pass(client: TestClient, session: Session,
                                               header: dict[str, str]) -> None:
    token = login(client, make_user(session, org=make_org(session)).username)
    r = client.post("/api/v1/needs", headers={"X-CSRF-Token": token, **header}, json=NEED)
    assert r.status_code == 201, r.text


def test_login_from_another_site_is_refused(client: TestClient, session: Session) -> None:
    user = make_user(session)
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token},
                    headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert r.status_code == 403 and "zq_session" not in r.cookies


def test_login_rotates_the_token_and_ends_the_old_session(client: TestClient, session: Session) -> None:
    first, second = make_user(session), make_user(session)
    anon = client.cookies.get("zq_csrf") or csrf_from(client.get("/login").text)
    token_a = login(client, first.username)
    cookie_a = client.cookies.get("zq_session")
    assert token_a != anon and client.cookies.get("zq_csrf") != anon
    token_b = login(client, second.username)  # same browser, no logout in between
    assert token_b != token_a
    # The first session ended at the second login: its cookie no longer authenticates.
    replay = TestClient(client.app, cookies={"zq_session": cookie_a})
    assert replay.get("/api/v1/me").status_code == 401
