"""Pages and actions count days in the platform's zone, not the server's: at 01:30 in Beijing a
server on UTC is still on yesterday (the clock is frozen there by the beijing_today fixture)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_need, make_org, make_qualification, make_user
from tests.web.conftest import login
from web.services.liaison import appeals, assignments


def test_liaison_counts_overdue_and_visits_on_beijing_days(client: TestClient, session: Session,
                                                             beijing_today: date) -> None:
    yesterday = beijing_today - timedelta(days=1)
    staff = make_user(session, role="staff", username="lingchen")
    org = make_org(session, name="零点包联企业")
    assignments.assign(session, org_id=org.id, user_id=staff.id, role="lead", actor_id=staff.id)
    appeals.raise_appeal(session, org_id=org.id, actor_id=staff.id, today=yesterday, values={
        "category": "融资需求", "description": "贷款", "department": "区金融工作局", "deadline": yesterday.isoformat()})
    token = login(client, "lingchen")
    assert "逾期提醒（1 项）" in client.get("/staff/liaison").text
    assert "您包联的企业有 1 项逾期" in client.get("/staff/review").text
    visited = client.post(f"/staff/liaison/{org.id}/visits", data={
        "csrf_token": token, "visited_on": beijing_today.isoformat(), "visitors": "孙专员", "summary": "凌晨走访"},
        follow_redirects=False)
    assert visited.status_code == 303  # today in Beijing is not "later than today"
    export = client.get("/staff/liaison/appeals.xlsx")
    assert f"{beijing_today}.xlsx" in export.headers["content-disposition"].replace("%5F", "_")


def test_posting_deadlines_are_beijing_days(client: TestClient, session: Session, beijing_today: date) -> None:
    yesterday = beijing_today - timedelta(days=1)
    ent = make_org(session)
    user = make_user(session, org=ent)
    closed = make_need(session, org=ent, status="closed", deadline=yesterday)
    h = {"X-CSRF-Token": login(client, user.username)}
    body = {"title": "凌晨发布的需求", "description": "零部件表面缺陷检测", "category": "技术攻关", "amount_wan": "12"}
    late = client.post("/api/v1/needs", headers=h, json={**body, "deadline": yesterday.isoformat()})
    assert late.status_code == 422 and "截止日期不能早于今天" in late.text
    assert client.post("/api/v1/needs", headers=h, json={**body, "deadline": beijing_today.isoformat()}).status_code == 201
    assert client.post(f"/api/v1/needs/{closed.id}/reopen", headers=h).status_code == 409


def test_portrait_holds_qualifications_as_of_beijing_today(client: TestClient, session: Session,
                                                           beijing_today: date) -> None:
    ent = make_org(session)
    make_qualification(session, org=ent, expires_on=beijing_today - timedelta(days=1))
    make_user(session, role="staff", username="huaxiang")
    login(client, "huaxiang")
    assert '<tr class="expired">' in client.get(f"/staff/portraits/{ent.id}").text
