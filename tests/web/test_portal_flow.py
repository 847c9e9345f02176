"""The enterprise and provider portals end to end through TestClient."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models import AuditLog, Match, MatchEvent, Need, Notification, Organisation, User
from models.credit_code import make_credit_code
from tests.factories import make_offer, make_org, make_user
from tests.web.conftest import csrf_from, login

NEED_FORM = {"title": "工业机器人视觉检测技术攻关",
             "description": "需要基于AI视觉的零部件表面缺陷检测方案，要求检测准确率99%以上",
             "category": "技术攻关", "budget_wan": "50", "deadline": ""}


def _register(client: TestClient, **over: str):
    token = csrf_from(client.get("/register").text)
    data = {"name": "天津示例精密机械有限公司", "credit_code": make_credit_code("120105", 777001),
            "kind": "enterprise", "contact_name": "李工", "contact_phone": "022-26001234",
            "contact_email": "li@example.com", "username": "newcorp", "password": "Haihe-bridge-2022",
            "password_confirm": "Haihe-bridge-2022", "csrf_token": token, **over}
    return client.post("/register", data=data, follow_redirects=False)


def test_register_creates_org_and_user_and_logs_in(client: TestClient, session: Session) -> None:
    r = _register(client)
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/enterprise")
    org = session.exec(select(Organisation)).one()
    user = session.exec(select(User)).one()
    assert (org.kind, user.role, user.org_id) == ("enterprise", "enterprise", org.id)
    assert user.password_hash.startswith("$argon2")
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = client.get("/enterprise")
    assert home.status_code == 200 and home.template.name == "enterprise/home.html"
    assert session.exec(select(AuditLog).where(AuditLog.action == "organisation.register")).first()


def test_register_provider_kind_gets_provider_role(client: TestClient, session: Session) -> None:
    r = _register(client, kind="university", name="示例理工大学", username="uni1")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/provider")
    assert session.exec(select(User)).one().role == "provider"


def test_post_need_shows_ranked_recommendations_and_pushes(client: TestClient, session: Session) -> None:
    ent = make_org(session)
    user = make_user(session, org=ent)
    prov = make_org(session, kind="research_institute", credit_standing="good", employees=500)
    offer = make_offer(session, org=prov)
    make_offer(session, org=prov, title="知识产权质押融资", description="专利质押贷款与投贷联动服务",
               category="科技金融")
    token = login(client, user.username)
    r = client.post("/enterprise/needs", data={**NEED_FORM, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.template.name == "postings/detail.html"
    recs = page.context["recs"]
    assert [v.offer.id for v in recs][:1] == [offer.id]
    assert recs[0].match.status == "proposed"
    assert recs[0].strength in ("高度匹配", "较为匹配", "可能相关")
    html = page.text
    assert '<mark class="hl">' in html and "检测" in html
    assert prov.name not in html and prov.contact_phone not in html  # anonymous before approval
    assert "某科研院所（匿名）" in html
    match = session.exec(select(Match).where(Match.offer_id == offer.id)).one()
    assert match.reasons["terms"] and match.reasons["signals"]
    assert match.score >= 0.15
    notes = session.exec(select(Notification).where(Notification.org_id == prov.id)).all()
    assert len(notes) == 1 and notes[0].kind == "recommendation"
    assert session.exec(select(MatchEvent).where(MatchEvent.match_id == match.id)).one().to_status == "proposed"


def test_interest_marks_match_and_notifies_staff_only(client: TestClient, session: Session) -> None:
    ent = make_org(session)
    user = make_user(session, org=ent)
    staff = make_user(session, role="staff")
    prov = make_org(session, kind="university")
    make_offer(session, org=prov)
    token = login(client, user.username)
    client.post("/enterprise/needs", data={**NEED_FORM, "csrf_token": token})
    match = session.exec(select(Match)).one()
    before = session.exec(select(func.count()).select_from(Notification).where(Notification.org_id == prov.id)).one()
    r = client.post(f"/enterprise/matches/{match.id}/interest", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    match = session.get(Match, match.id)
    assert match.enterprise_interested and not match.provider_interested and match.status == "proposed"
    staff_notes = session.exec(select(Notification).where(Notification.user_id == staff.id)).all()
    assert len(staff_notes) == 1 and staff_notes[0].kind == "interest"
    after = session.exec(select(func.count()).select_from(Notification).where(Notification.org_id == prov.id)).one()
    assert after == before  # the other side learns nothing
    # Twice is once.
    client.post(f"/enterprise/matches/{match.id}/interest", data={"csrf_token": token})
    assert len(session.exec(select(Notification).where(Notification.user_id == staff.id)).all()) == 1


def test_provider_reads_notification_and_sees_need(client: TestClient, session: Session) -> None:
    ent = make_org(session, name="保密企业名称有限公司")
    euser = make_user(session, org=ent)
    prov = make_org(session, kind="university")
    puser = make_user(session, role="provider", org=prov)
    offer = make_offer(session, org=prov)
    token = login(client, euser.username)
    client.post("/enterprise/needs", data={**NEED_FORM, "csrf_token": token})
    client.post("/logout", data={"csrf_token": token})
    token = login(client, puser.username)
    inbox = client.get("/inbox")
    assert inbox.context["unread"] == 1
    assert 'class="nav-count"' in inbox.text
    note = inbox.context["notes"][0]
    r = client.post(f"/inbox/{note.id}/read", data={"csrf_token": token}, follow_redirects=False)
    assert r.headers["location"] == f"/provider/offers/{offer.id}"
    page = client.get(r.headers["location"])
    assert [v.need.title for v in page.context["recs"]] == ["工业机器人视觉检测技术攻关"]
    assert "<mark" in page.text
    assert "保密企业名称有限公司" not in page.text
    assert client.get("/inbox").context["unread"] == 0


def test_edit_refreshes_and_close_withdraws(client: TestClient, session: Session) -> None:
    ent = make_org(session)
    user = make_user(session, org=ent)
    prov = make_org(session, kind="university")
    make_offer(session, org=prov)
    token = login(client, user.username)
    client.post("/enterprise/needs", data={**NEED_FORM, "csrf_token": token})
    need = session.exec(select(Need)).one()
    match = session.exec(select(Match)).one()
    # Edited to something unrelated: the proposal no longer holds and is withdrawn.
    r = client.post(f"/enterprise/needs/{need.id}/edit", follow_redirects=False, data={
        **NEED_FORM, "title": "上市辅导与股改咨询", "description": "计划三年内在新三板挂牌，需要财务规范",
        "category": "上市辅导", "csrf_token": token})
    assert r.status_code == 303
    session.expire_all()
    assert session.get(Match, match.id).status == "withdrawn"
    # Edited back: proposed again.
    client.post(f"/enterprise/needs/{need.id}/edit", data={**NEED_FORM, "csrf_token": token})
    session.expire_all()
    assert session.get(Match, match.id).status == "proposed"
    client.post(f"/enterprise/needs/{need.id}/close", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Need, need.id).status == "closed"
    assert session.get(Match, match.id).status == "withdrawn"
    events = session.exec(select(MatchEvent).where(MatchEvent.match_id == match.id)).all()
    assert [e.to_status for e in events] == ["proposed", "withdrawn", "proposed", "withdrawn"]
    # The provider got one notification for the pair, not three.
    assert len(session.exec(select(Notification).where(Notification.org_id == prov.id)).all()) == 1
