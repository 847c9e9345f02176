"""The inbox: choosing a daily digest, and times shown in Beijing time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import AuditLog, Notification, User
from tests.factories import make_org, make_user
from tests.web.conftest import login
from web.services import notifications


def test_a_user_chooses_the_daily_digest(client: TestClient, session: Session) -> None:
    org = make_org(session)
    user = make_user(session, org=org)
    old = notifications.notify(session, org_id=org.id, kind="system", title="两天前的消息")
    new = notifications.notify(session, org_id=org.id, kind="system", title="刚刚的消息")
    assert old is not None and new is not None
    old.created_at = datetime.now(UTC) - timedelta(days=2)
    session.add(old)
    session.commit()
    csrf = login(client, user.username)
    page = client.get("/inbox")
    assert page.context["unread"] == 2 and page.context["mode"] == "immediate"
    assert "每日摘要" in page.text  # the choice is on the page
    r = client.post("/inbox/mode", data={"csrf_token": csrf, "notify_mode": "weekly"})
    assert r.status_code == 422 and "请选择“即时通知”或“每日摘要”" in r.text
    session.expire_all()
    assert session.get(User, user.id).notify_mode == "immediate"
    r = client.post("/inbox/mode", data={"csrf_token": csrf, "notify_mode": "daily"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "通知方式已保存" in page.text and page.context["mode"] == "daily"
    assert [n.title for n in page.context["notes"]] == ["两天前的消息"]
    assert page.context["unread"] == 1 and page.context["waiting"] == 1
    assert "将在下次摘要中送达" in page.text
    assert session.exec(select(AuditLog).where(AuditLog.action == "user.notify_mode")).one()
    # Marking all read marks only what the digest showed.
    client.post("/inbox/read-all", data={"csrf_token": csrf})
    session.expire_all()
    assert {n.title: n.read_at is not None for n in session.exec(select(Notification)).all()} == {
        "两天前的消息": True, "刚刚的消息": False}


def test_the_api_holds_back_what_the_digest_holds_back(client: TestClient, session: Session) -> None:
    org = make_org(session)
    user = make_user(session, org=org)
    old = notifications.notify(session, org_id=org.id, kind="system", title="两天前的消息")
    notifications.notify(session, org_id=org.id, kind="system", title="刚刚的消息")
    assert old is not None
    old.created_at = datetime.now(UTC) - timedelta(days=2)
    session.add(old)
    session.commit()
    csrf = login(client, user.username)
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    notifications.set_notify_mode(session, user_id=user.id, mode="daily")
    assert [n["title"] for n in client.get("/api/v1/notifications").json()["items"]] == ["两天前的消息"]
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    r = client.post("/api/v1/notifications/read-all", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    session.expire_all()
    assert {n.title: n.read_at is not None for n in session.exec(select(Notification)).all()} == {
        "两天前的消息": True, "刚刚的消息": False}
