"""Ordinary input that lost data or broke pages: PATCH, control characters, look-alike names,
parallel interest, credit codes for officials, chunked bodies."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from models import AuditLog, Need, Notification, Organisation
from models.credit_code import make_credit_code
from tests.factories import (
    make_match,
    make_need,
    make_offer,
    make_org,
    make_qualification,
    make_user,
)
from tests.web.conftest import csrf_from, login
from tests.web.test_portal_register_api import REG, anon_token
from web.services.indicators.plan import ensure_plan_indicators
from web.services.matches.interest import express_interest

NEED = {"title": "数控机床故障诊断", "description": "需要机床振动监测与故障诊断服务", "category": "技术攻关"}


def _count(session: Session, model) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_patch_changes_only_the_fields_sent(client: TestClient, session: Session) -> None:
    org = make_org(session, description="精密零部件制造", employees=120, revenue_wan=Decimal("3500.00"),
                   invention_patents=4, total_patents=9, contact_email="li@example.com")
    token = login(client, make_user(session, org=org).username)
    r = client.patch("/api/v1/me/organisation", headers={"X-CSRF-Token": token},
                     json={"contact_name": "赵工", "contact_phone": "022-1234567"})
    assert r.status_code == 200, r.text
    session.expire_all()
    after = session.get(Organisation, org.id)
    assert after is not None
    assert (after.contact_name, after.contact_phone) == ("赵工", "022-1234567")
    assert (after.description, after.employees, after.revenue_wan, after.invention_patents,
            after.total_patents, after.contact_email) == ("精密零部件制造", 120, Decimal("3500.00"), 4, 9,
                                                          "li@example.com")
    r = client.patch("/api/v1/me/organisation", headers={"X-CSRF-Token": token}, json={"employees": None})
    assert r.status_code == 200
    session.expire_all()
    assert session.get(Organisation, org.id).employees is None  # type: ignore[union-attr]


@pytest.mark.parametrize("title", ["a\u0000b", "a\u0001b", "a\u001bb", "\u202e发布需求", "a\u0085b"])
def test_control_characters_are_refused_at_the_boundary(client: TestClient, session: Session,
                                                        title: str) -> None:
    token = login(client, make_user(session, org=make_org(session)).username)
    r = client.post("/api/v1/needs", headers={"X-CSRF-Token": token}, json={**NEED, "title": title})
    assert r.status_code == 422 and "控制字符" in r.json()["detail"]
    r = client.post("/enterprise/needs", data={**NEED, "title": title, "csrf_token": token})
    assert r.status_code == 422 and "控制字符" in r.text
    assert _count(session, Need) == 0


def test_tabs_and_line_breaks_are_still_fine(client: TestClient, session: Session) -> None:
    token = login(client, make_user(session, org=make_org(session)).username)
    r = client.post("/api/v1/needs", headers={"X-CSRF-Token": token},
                    json={**NEED, "description": "第一行\n第二行\r\n\t缩进"})
    assert r.status_code == 201, r.text


def test_nul_in_an_anonymous_login_or_query_is_a_chinese_error(client: TestClient) -> None:
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", content=f"username=a%00b&password=x&csrf_token={token}",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and "控制字符" in r.text
    assert client.get("/api/v1/needs?q=a%00b").status_code == 400
    assert client.get("/login?next=%00").status_code == 400


def test_a_stored_control_character_does_not_break_the_export(client: TestClient, session: Session) -> None:
    ent = make_org(session)
    need = make_need(session, org=ent, title="a\u0001b\u0000c")
    make_match(session, need=need, offer=make_offer(session, org=make_org(session, kind="university")))
    login(client, make_user(session, role="staff").username)
    r = client.get("/staff/review/export.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"


@pytest.mark.parametrize("name", ["天津河北精工科技有限公司\u200b", "天津\u200d河北精工科技有限公司",
                                  "天津河北精工科技有限公司\ufeff"])
def test_names_with_invisible_characters_are_refused(client: TestClient, session: Session, name: str) -> None:
    r = client.post("/api/v1/register", headers=anon_token(client),
                    json={**REG, "name": name, "credit_code": make_credit_code("120105", 731)})
    assert r.status_code == 422 and "不可见字符" in r.json()["errors"]["name"]
    assert _count(session, Organisation) == 0


def test_a_look_alike_of_a_registered_name_is_refused(client: TestClient, session: Session) -> None:
    make_org(session, name="天津（河北）精工科技有限公司")
    r = client.post("/api/v1/register", headers=anon_token(client),
                    json={**REG, "name": "天津(河北)精工科技有限公司", "credit_code": make_credit_code("120105", 732)})
    assert r.status_code == 422 and "已注册" in r.json()["errors"]["name"]
    assert _count(session, Organisation) == 1


def test_parallel_interest_writes_one_audit_row(engine: Engine, session: Session) -> None:
    ent = make_org(session)
    user = make_user(session, org=ent)
    match = make_match(session, need=make_need(session, org=ent),
                       offer=make_offer(session, org=make_org(session, kind="university")))
    start = threading.Barrier(12)
    errors: list[Exception] = []

    def interest() -> None:
        start.wait()
        with Session(engine) as s:
            try:
                express_interest(s, match_id=match.id, user_id=user.id or 0, role="enterprise", org_id=ent.id)
            except Exception as exc:  # noqa: BLE001  (any failure is the test's finding)
                errors.append(exc)

    threads = [threading.Thread(target=interest) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    session.expire_all()
    assert len(session.exec(select(AuditLog).where(AuditLog.action == "match.interest")).all()) == 1
    assert _count(session, Notification) <= 1 or len(session.exec(select(Notification).where(
        Notification.dedupe_key == f"interest:{match.id}:enterprise")).all()) == 1


def test_officials_do_not_see_credit_codes(client: TestClient, session: Session) -> None:
    ensure_plan_indicators(session)
    session.commit()
    ent = make_org(session)
    make_qualification(session, org=ent, kind="高新技术企业", year_granted=2021)
    login(client, make_user(session, role="official").username)
    api = client.get("/api/v1/dashboard/indicators/3/platform?year=2022").json()
    assert api["enterprises"] and "credit_code" not in api["enterprises"][0]
    page = client.get("/dashboard/indicators/3/platform?year=2022").text
    assert ent.name in page and ent.credit_code not in page
    login(client, make_user(session, role="staff").username)
    api = client.get("/api/v1/dashboard/indicators/3/platform?year=2022").json()
    assert api["enterprises"][0]["credit_code"] == ent.credit_code


def test_a_chunked_body_is_cut_off_at_the_limit(client: TestClient, session: Session) -> None:
    token = login(client, make_user(session, org=make_org(session)).username)
    chunk = b" " * (1024 * 1024)

    def body():  # type: ignore[no-untyped-def]  # no Content-Length: sent chunked
        yield b'{"title": "x", "description": "'
        for _ in range(50):
            yield chunk
        yield b'"}'

    r = client.post("/api/v1/needs", headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
                    content=body())
    assert r.status_code == 413 and "上限" in r.json()["detail"]
    assert _count(session, Need) == 0
