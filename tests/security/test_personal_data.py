"""个人信息保护法: a contact person sees, corrects, copies and asks to delete their personal data;
staff carry the deletion out (or refuse it); the audit trail stays, without the personal fields."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from models import (
    AuditLog,
    AuditPersonal,
    LoginAttempt,
    Notification,
    Organisation,
    PrivacyRequest,
    User,
)
from tests.factories import make_need, make_org, make_user
from tests.web.conftest import csrf_from, login
from web.services import audit

NAME, PHONE, EMAIL, USERNAME = "李雷", "13800138000", "lilei@example.com", "li-lei"


@pytest.fixture
def person(session: Session) -> User:
    org = make_org(session, name="河北区某精密制造有限公司", contact_name=NAME, contact_phone=PHONE,
                   contact_email=EMAIL)
    user = make_user(session, org=org, username=USERNAME, display_name=NAME)
    make_need(session, org=org, created_by=user.id)
    make_user(session, role="staff", username="privacy-staff", display_name="王专员")
    return user


def _page(client: TestClient) -> str:
    r = client.get("/account/privacy")
    assert r.status_code == 200
    return r.text


def test_the_contact_person_sees_what_is_held_about_them(client: TestClient, person: User) -> None:
    login(client, USERNAME)
    html = _page(client)
    for shown in ("个人信息", USERNAME, NAME, PHONE, EMAIL, "联系人信息", "登录记录", "testclient", "成功",
                  "审计记录", "申请删除我的个人信息"):
        assert shown in html, shown
    copy = client.get("/account/privacy/export.json")
    assert copy.status_code == 200 and "attachment" in copy.headers["content-disposition"]
    data = json.loads(copy.content)
    assert data["account"]["username"] == USERNAME and data["account"]["display_name"] == NAME
    assert data["organisation_contact"]["contact_phone"] == PHONE
    assert data["login_records"][0]["ip"] == "testclient" and data["login_records"][0]["success"] is True
    assert any(p["action"] == "auth.login" and p["username"] == USERNAME for p in data["audit_personal_fields"])
    assert client.get("/api/v1/me/personal-data").json() == data


def test_correcting_name_and_contacts(client: TestClient, person: User, session: Session) -> None:
    csrf = login(client, USERNAME)
    r = client.post("/account/privacy/name", data={"display_name": "李 雷", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.post("/account/privacy/contacts", follow_redirects=False, data={
        "contact_name": "李 雷", "contact_phone": "022-26001234", "contact_email": "li@example.com",
        "share_contacts": "1", "csrf_token": csrf})
    assert r.status_code == 303
    session.expire_all()
    user = session.get(User, person.id)
    org = session.get(Organisation, person.org_id)
    assert user is not None and org is not None
    assert user.display_name == "李 雷" and org.contact_name == "李 雷"
    assert (org.contact_phone, org.contact_email, org.share_contacts) == ("022-26001234", "li@example.com", True)
    assert org.description == "测试用机构"  # only the contact fields were touched
    entries = session.exec(select(AuditLog).where(col(AuditLog.action).in_(
        ["privacy.correct", "organisation.update"]))).all()
    assert {e.action for e in entries} == {"privacy.correct", "organisation.update"}
    assert all("李" not in json.dumps(e.detail, ensure_ascii=False) for e in entries)  # names no values

    # Bad input: refused with the reason, nothing changed.
    bad = client.post("/account/privacy/name", data={"display_name": "  ", "csrf_token": csrf})
    assert bad.status_code == 422 and "请填写姓名" in bad.text
    bad = client.post("/account/privacy/contacts", data={"contact_name": "李雷", "contact_phone": "电话",
                                                         "csrf_token": csrf})
    assert bad.status_code == 422 and "联系电话格式不正确" in bad.text
    session.expire_all()
    assert session.get(User, person.id).display_name == "李 雷"  # type: ignore[union-attr]
    assert session.get(Organisation, person.org_id).contact_phone == "022-26001234"  # type: ignore[union-attr]


def _every_value(engine: Engine) -> str:
    """Every row of every table, as one text to search."""
    parts = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                parts.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(parts)


def test_deletion_request_carried_out_keeps_the_audit_trail_without_personal_fields(
        client: TestClient, person: User, session: Session, engine: Engine) -> None:
    csrf = login(client, USERNAME)
    client.post("/login", data={"username": USERNAME, "password": "wrong-password", "csrf_token": csrf})
    csrf = login(client, USERNAME)
    r = client.post("/account/privacy/erasure", data={"reason": "公司已注销，不再使用", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "待处理" in _page(client)
    again = client.post("/account/privacy/erasure", data={"reason": "", "csrf_token": csrf})
    assert again.status_code == 409 and "已有一项待处理的删除申请" in again.text
    req = session.exec(select(PrivacyRequest)).one()
    staff = session.exec(select(User).where(User.username == "privacy-staff")).one()
    assert session.exec(select(Notification).where(Notification.user_id == staff.id)).one().kind == "privacy"
    entries_before = session.exec(select(AuditLog.id)).all()
    assert session.exec(select(AuditPersonal).where(AuditPersonal.user_id == person.id)).all()

    client.cookies.clear()
    staff_csrf = login(client, "privacy-staff")
    listing = client.get("/staff/privacy")
    assert listing.status_code == 200 and "公司已注销，不再使用" in listing.text and "待处理" in listing.text
    done = client.post(f"/staff/privacy/{req.id}/erase", data={"csrf_token": staff_csrf}, follow_redirects=False)
    assert done.status_code == 303
    twice = client.post(f"/staff/privacy/{req.id}/erase", data={"csrf_token": staff_csrf})
    assert twice.status_code == 409 and "该申请已处理" in twice.text

    session.expire_all()
    user = session.get(User, person.id)
    org = session.get(Organisation, person.org_id)
    assert user is not None and org is not None
    assert (user.username, user.display_name, user.is_active) == (f"erased-{person.id}", "已注销用户", False)
    assert (org.contact_name, org.contact_phone, org.contact_email, org.share_contacts) == (None, None, None, False)
    assert org.name == "河北区某精密制造有限公司"  # the organisation's own data is not personal
    attempts = session.exec(select(LoginAttempt).where(LoginAttempt.username != "privacy-staff")).all()
    assert len(attempts) == 3 and all(a.username == f"erased-{person.id}" and a.ip == "" for a in attempts)
    # The audit trail: every entry is still there, the erasure is the newest, the chain holds,
    # and no personal field of this person is left in it -- or anywhere else in the database.
    entries_after = session.exec(select(AuditLog).order_by(col(AuditLog.id))).all()
    assert [e.id for e in entries_after][:len(entries_before)] == entries_before
    assert any(e.action == "privacy.erase" and e.object_id == person.id for e in entries_after)
    assert session.exec(select(AuditPersonal).where(AuditPersonal.user_id == person.id)).all() == []
    report = audit.verify_chain(session)
    assert report.ok and report.erased >= 3, report.problems
    everything = _every_value(engine)
    for value in (NAME, PHONE, EMAIL, USERNAME, "公司已注销"):  # (addresses: checked above)
        assert value not in everything, value
    page = client.get("/staff/audit")
    assert "个人信息" in page.text and "已按本人申请删除" in page.text

    # The person can no longer log in.
    client.cookies.clear()
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", data={"username": USERNAME, "password": "Passw0rd-test", "csrf_token": token})
    assert r.status_code == 401


def test_a_request_refused_with_a_reason(client: TestClient, person: User, session: Session) -> None:
    csrf = login(client, USERNAME)
    created = client.post("/api/v1/me/personal-data/erasure-request", json={"reason": "请删除"},
                          headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201 and created.json()["status"] == "pending"
    client.cookies.clear()
    staff_csrf = login(client, "privacy-staff")
    req_id = created.json()["id"]
    empty = client.post(f"/staff/privacy/{req_id}/reject", data={"answer": " ", "csrf_token": staff_csrf})
    assert empty.status_code == 422 and "请说明不予删除的理由" in empty.text
    assert session.get(PrivacyRequest, req_id).status == "pending"  # type: ignore[union-attr]
    r = client.post(f"/staff/privacy/{req_id}/reject", follow_redirects=False,
                    data={"answer": "存在未结清的技术合同，依法保留至结清", "csrf_token": staff_csrf})
    assert r.status_code == 303
    session.expire_all()
    req = session.get(PrivacyRequest, req_id)
    assert req is not None and req.status == "rejected"
    note = session.exec(select(Notification).where(Notification.user_id == person.id)).one()
    assert "存在未结清的技术合同" in note.body
    assert session.get(User, person.id).is_active  # type: ignore[union-attr]
    client.cookies.clear()
    login(client, USERNAME)
    assert "未予删除" in _page(client) and "存在未结清的技术合同" in _page(client)


def test_staff_accounts_ask_an_administrator(client: TestClient, session: Session) -> None:
    make_user(session, role="staff", username="some-staff")
    csrf = login(client, "some-staff")
    assert "请联系系统管理员办理" in _page(client)
    r = client.post("/api/v1/me/personal-data/erasure-request", json={}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403
    assert session.exec(select(PrivacyRequest)).all() == []


def test_contacts_of_someone_else_are_not_shown_as_theirs(client: TestClient, session: Session) -> None:
    org = make_org(session, contact_name="另一位联系人", contact_phone="13900000000")
    make_user(session, org=org, username="colleague-1", display_name="同事甲")
    make_user(session, org=org, username="colleague-2", display_name="同事乙")
    login(client, "colleague-1")
    html = _page(client)
    assert "登记的联系人不是您" in html and "13900000000" not in html
