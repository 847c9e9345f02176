"""The JSON API: same services, same permissions, pagination and filters."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import Match
from tests.factories import make_need, make_offer, make_org, make_user
from tests.web.conftest import login


def test_post_need_returns_recommendations_and_lists_filter(client: TestClient, session: Session) -> None:
    ent = make_org(session)
    user = make_user(session, org=ent)
    prov = make_org(session, kind="university", contact_phone="13900000000")
    make_offer(session, org=prov)
    token = login(client, user.username)
    h = {"X-CSRF-Token": token}
    r = client.post("/api/v1/needs", headers=h, json={
        "title": "视觉检测技术攻关", "description": "零部件表面缺陷检测", "category": "技术攻关", "amount_wan": "12.5"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["amount_wan"] == "12.50" and body["recommendations"]
    rec = body["recommendations"][0]
    assert rec["counterpart"]["revealed"] is False and rec["counterpart"]["name"] is None
    assert "13900000000" not in r.text
    assert rec["reasons"]["terms"]
    make_need(session, org=ent, title="专利质押融资", category="科技金融")
    page = client.get("/api/v1/needs", params={"category": "技术攻关", "per_page": 1}).json()
    assert page["total"] == 1 and page["items"][0]["title"] == "视觉检测技术攻关"
    assert client.get("/api/v1/needs", params={"q": "质押"}).json()["total"] == 1
    assert client.get("/api/v1/needs", params={"date_from": "2099-01-01"}).json()["total"] == 0
    # Interest, then the match shows it; approval reveals the shared contacts.
    mid = rec["id"]
    assert client.post(f"/api/v1/matches/{mid}/interest", headers=h).json()["enterprise_interested"]
    m = session.get(Match, mid)
    m.status = "approved"
    session.add(m)
    session.commit()
    shown = client.get(f"/api/v1/matches/{mid}").json()["counterpart"]
    assert shown["revealed"] and shown["name"] == prov.name and shown["contact_phone"] == "13900000000"


def test_me_shows_own_private_fields_only(client: TestClient, session: Session) -> None:
    ent = make_org(session, rd_spending_wan=88)
    user = make_user(session, org=ent)
    token = login(client, user.username)
    me = client.get("/api/v1/me").json()
    assert me["organisation"]["rd_spending_wan"] == "88.00"
    r = client.patch("/api/v1/me/organisation", headers={"X-CSRF-Token": token},
                     json={"contact_name": "赵工", "contact_phone": "022-1234567", "employees": -3})
    assert r.status_code == 422 and "职工人数" in r.json()["detail"]


def test_notifications_api(client: TestClient, session: Session) -> None:
    ent = make_org(session)
    user = make_user(session, org=ent)
    prov = make_org(session, kind="university")
    make_need(session, org=ent)
    puser = make_user(session, role="provider", org=prov)
    token = login(client, puser.username)
    r = client.post("/api/v1/offers", headers={"X-CSRF-Token": token}, json={
        "title": "AI视觉检测", "description": "零部件表面缺陷检测系统", "category": "技术攻关"})
    assert r.status_code == 201
    client.cookies.clear()
    token = login(client, user.username)
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    note = client.get("/api/v1/notifications").json()["items"][0]
    assert client.post(f"/api/v1/notifications/{note['id']}/read",
                       headers={"X-CSRF-Token": token}).json() == {"unread": 0}
    assert session.exec(select(Match)).one().status == "proposed"


def test_date_filters_are_days_in_the_platform_zone(client: TestClient, session: Session) -> None:
    ent = make_org(session)
    user = make_user(session, org=ent)
    # 17:30 UTC on 2 December is 01:30 on 3 December in Beijing: a posting of the 3rd there.
    make_need(session, org=ent, title="零点后的需求", created_at=datetime(2026, 12, 2, 17, 30, tzinfo=UTC))
    login(client, user.username)

    def total(day: str) -> int:
        return client.get("/api/v1/needs", params={"date_from": day, "date_to": day}).json()["total"]
    assert (total("2026-12-03"), total("2026-12-02")) == (1, 0)
    for day, shown in (("2026-12-03", True), ("2026-12-02", False)):
        page = client.get("/enterprise/needs", params={"date_from": day, "date_to": day}).text
        assert ("零点后的需求" in page) is shown, day
