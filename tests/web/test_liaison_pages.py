"""包联 pages through the real app: workspace flags, bad input changes nothing, enterprises see only their own."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models import Appeal, Notification, Visit
from tests.factories import make_org, make_user
from tests.web.conftest import login
from web.presentation.times import default_today
from web.services.liaison import appeals, assignments, visits


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_staff_liaison_flow_and_flags(client: TestClient, session: Session) -> None:
    staff = make_user(session, role="staff", username="baolian", display_name="孙专员")
    org = make_org(session, name="包联测试企业")
    assignments.assign(session, org_id=org.id, user_id=staff.id, role="lead", actor_id=staff.id)
    visits.set_schedule(session, org_id=org.id, actor_id=staff.id,
                        values={"interval_days": "30", "starts_on": (default_today() - timedelta(days=40)).isoformat()})
    token = login(client, "baolian")
    ws = client.get("/staff/liaison")
    assert ws.status_code == 200 and "逾期提醒（1 项）" in ws.text and "包联测试企业" in ws.text
    assert "您包联的企业有 1 项逾期" in client.get("/staff/review").text
    future = client.post(f"/staff/liaison/{org.id}/visits", data={
        "csrf_token": token, "visited_on": (default_today() + timedelta(days=2)).isoformat(),
        "visitors": "孙专员", "summary": "了解需求"})
    assert future.status_code == 422 and "走访日期不能晚于今天" in future.text and _count(session, Visit) == 0
    no_dept = client.post(f"/staff/liaison/{org.id}/appeals", data={
        "csrf_token": token, "category": "融资需求", "description": "贷款", "department": "",
        "deadline": (default_today() + timedelta(days=10)).isoformat()})
    assert no_dept.status_code == 422 and "请选择责任部门" in no_dept.text and _count(session, Appeal) == 0
    ok = client.post(f"/staff/liaison/{org.id}/visits", data={
        "csrf_token": token, "visited_on": default_today().isoformat(), "visitors": "孙专员", "summary": "了解需求"},
        follow_redirects=False)
    assert ok.status_code == 303
    assert "逾期提醒" not in client.get("/staff/liaison").text


def test_enterprise_sees_only_its_own_appeals(client: TestClient, session: Session) -> None:
    staff = make_user(session, role="staff")
    mine, theirs = make_org(session), make_org(session)
    make_user(session, role="enterprise", org=mine, username="qiye-su")
    deadline = (default_today() + timedelta(days=10)).isoformat()
    a = appeals.raise_appeal(session, org_id=mine.id, actor_id=staff.id, values={
        "category": "融资需求", "description": "本企业的贷款诉求", "department": "区金融工作局", "deadline": deadline})
    appeals.add_step(session, appeal_id=a.id, actor_id=staff.id, values={"note": "内部备注：材料不全"})
    appeals.raise_appeal(session, org_id=theirs.id, actor_id=staff.id, values={
        "category": "人才引进", "description": "别家企业的人才诉求", "department": "区人力资源和社会保障局",
        "deadline": deadline})
    token = login(client, "qiye-su")
    # The notice of acceptance names the 诉求, not a URL; "查看" opens the enterprise's own page.
    note = session.exec(select(Notification).where(Notification.org_id == mine.id)).first()
    assert note is not None and note.link == f"appeal:{a.id}"
    opened = client.post(f"/inbox/{note.id}/read", data={"csrf_token": token}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/enterprise/appeals"
    page = client.get("/enterprise/appeals")
    assert page.status_code == 200 and "本企业的贷款诉求" in page.text
    assert "别家企业的人才诉求" not in page.text and "内部备注" not in page.text
    assert client.get(f"/staff/liaison/appeals/{a.id}").status_code == 403
