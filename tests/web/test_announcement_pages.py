"""通知公告 through the pages: staff publish to chosen kinds; home page, inbox and read state."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import Announcement, AnnouncementRead
from tests.factories import make_org, make_user
from tests.web.conftest import login


def test_publish_to_enterprises_read_by_enterprise_not_provider(client: TestClient, session: Session) -> None:
    make_user(session, role="staff", username="zhuanyuan")
    ent = make_user(session, role="enterprise", org=make_org(session), username="qiye")
    make_user(session, role="provider", org=make_org(session, kind="intermediary"), username="jigou")
    token = login(client, "zhuanyuan")
    bad = client.post("/staff/announcements", data={"title": "", "body": "x", "category": "policy",
                                                    "csrf_token": token})
    assert bad.status_code == 422 and "请填写标题" in bad.text
    r = client.post("/staff/announcements", data={"title": "研发费用加计扣除政策解读", "body": "详见附件。",
                                                  "category": "policy", "audience": "enterprise",
                                                  "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "公告已发布" in page.text and "研发费用加计扣除政策解读" in page.text and "企业" in page.text
    notice = session.exec(select(Announcement)).one()
    assert notice.audience == ["enterprise"]

    client.cookies.clear()
    token = login(client, "qiye")
    assert "研发费用加计扣除政策解读" in client.get("/").text
    inbox = client.get("/inbox")
    assert "未读通知公告（1）" in inbox.text
    r = client.post(f"/announcements/{notice.id}/read", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert session.exec(select(AnnouncementRead)).one().user_id == ent.id
    assert "未读通知公告" not in client.get("/inbox").text

    client.cookies.clear()
    token = login(client, "jigou")
    assert "研发费用加计扣除政策解读" not in client.get("/announcements").text
    assert client.post(f"/announcements/{notice.id}/read", data={"csrf_token": token}).status_code == 404

    client.cookies.clear()
    assert "研发费用加计扣除政策解读" not in client.get("/").text  # not addressed to everyone
