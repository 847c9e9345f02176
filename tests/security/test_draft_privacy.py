"""Drafts stay private to their organisation, staff included: portrait page, API, audit log."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_org, make_user
from tests.web.conftest import login

SECRET = "未公开的氢能储运关键技术攻关计划"


def _staff_sees(client: TestClient, org_id: int) -> str:
    pages = [client.get(f"/staff/portraits/{org_id}"), client.get(f"/api/v1/staff/portraits/{org_id}"),
             client.get("/staff/audit"), client.get("/api/v1/staff/audit")]
    assert [p.status_code for p in pages] == [200] * 4
    return "\n".join(p.text for p in pages)


def test_a_draft_reaches_staff_only_once_published(client: TestClient, session: Session) -> None:
    org = make_org(session)
    owner = make_user(session, org=org)
    staff = make_user(session, role="staff")
    token = login(client, owner.username)
    r = client.post("/api/v1/needs", headers={"X-CSRF-Token": token}, json={
        "title": SECRET, "description": "草稿：内部讨论中的研发方向", "category": "技术攻关", "draft": True})
    assert r.status_code == 201, r.text
    need_id = r.json()["id"]
    r = client.patch(f"/api/v1/needs/{need_id}", headers={"X-CSRF-Token": token}, json={
        "title": SECRET + "（修订）", "description": "草稿：内部讨论中的研发方向", "category": "技术攻关"})
    assert r.status_code == 200, r.text

    login(client, staff.username)
    seen = _staff_sees(client, org.id or 0)
    assert SECRET not in seen and "内部讨论" not in seen

    login(client, owner.username)
    token = client.get("/api/v1/csrf-token").json()["csrf_token"]
    assert client.post(f"/api/v1/needs/{need_id}/publish", headers={"X-CSRF-Token": token}).status_code == 200
    login(client, staff.username)
    assert SECRET in _staff_sees(client, org.id or 0)
