"""Bad input to the portals and the API: a clear Chinese error, and nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models import Match, Need, Notification, Organisation, User
from models.credit_code import make_credit_code
from tests.factories import make_need, make_offer, make_org, make_user
from tests.web.conftest import csrf_from, login
from web.presentation.times import default_today

GOOD = {"title": "视觉检测技术攻关", "description": "零部件表面缺陷检测", "category": "技术攻关",
        "budget_wan": "10", "deadline": ""}


def counts(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(session.exec(select(func.count()).select_from(m)).one()
                 for m in (Organisation, User, Need, Match, Notification))


@pytest.fixture
def ent(client: TestClient, session: Session):  # type: ignore[no-untyped-def]
    org = make_org(session)
    user = make_user(session, org=org)
    make_offer(session, org=make_org(session, kind="university"))
    return org, login(client, user.username)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "", "请填写标题"),
    ("title", "长" * 101, "标题不能超过100个字"),
    ("description", "   ", "请填写需求描述"),
    ("description", "长" * 4001, "描述不能超过4000个字"),
    ("category", "炼金术", "请选择平台服务类别中的一项"),
    ("budget_wan", "-1", "预算不能小于0"),
    ("budget_wan", "abc", "预算应为数字（单位：万元）"),
    ("budget_wan", "1.234", "预算最多保留两位小数"),
    ("deadline", (default_today() - timedelta(days=1)).isoformat(), "截止日期不能早于今天"),
    ("deadline", "2022-13-01", "截止日期格式应为 YYYY-MM-DD"),
])
def test_bad_need_form_is_refused(client: TestClient, session: Session, ent, field: str, value: str,
                                  message: str) -> None:  # type: ignore[no-untyped-def]
    _, token = ent
    before = counts(session)
    r = client.post("/enterprise/needs", data={**GOOD, field: value, "csrf_token": token})
    assert r.status_code == 422
    assert message in r.text
    assert r.context["errors"][field] == message
    assert counts(session) == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "", "请填写标题"),
    ("category", "炼金术", "请选择平台服务类别中的一项"),
    ("amount_wan", -5, "预算不能小于0"),
    ("deadline", "2000-01-01", "截止日期不能早于今天"),
])
def test_bad_need_json_is_refused(client: TestClient, session: Session, ent, field: str, value: object,
                                  message: str) -> None:  # type: ignore[no-untyped-def]
    _, token = ent
    before = counts(session)
    body = {"title": GOOD["title"], "description": GOOD["description"], "category": "技术攻关", field: value}
    r = client.post("/api/v1/needs", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 422
    assert message in r.json()["detail"] or message in r.json()["errors"].values()
    assert counts(session) == before


def test_script_in_text_is_shown_as_text(client: TestClient, session: Session, ent) -> None:  # type: ignore[no-untyped-def]
    _, token = ent
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    r = client.post("/enterprise/needs", data={**GOOD, "title": "检测" + evil, "description": evil,
                                               "csrf_token": token})
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;" in r.text
    assert session.exec(select(Need)).one().description == evil  # stored as typed, escaped on output


def test_missing_csrf_changes_nothing(client: TestClient, session: Session, ent) -> None:  # type: ignore[no-untyped-def]
    before = counts(session)
    r = client.post("/enterprise/needs", data=GOOD)
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/api/v1/needs", json={**GOOD, "budget_wan": None})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    r = client.post("/enterprise/needs", data={**GOOD, "csrf_token": "forged"})
    assert r.status_code == 403
    assert counts(session) == before


def test_other_orgs_posting_and_match_are_404(client: TestClient, session: Session, ent) -> None:  # type: ignore[no-untyped-def]
    _, token = ent
    other = make_org(session)
    need = make_need(session, org=other)
    prov = make_org(session, kind="university")
    offer = make_offer(session, org=prov)
    match = Match(need_id=need.id, offer_id=offer.id, score=0.5)
    session.add(match)
    session.commit()
    before = counts(session)
    for path in (f"/enterprise/needs/{need.id}", f"/enterprise/needs/{need.id}/edit",
                 f"/enterprise/matches/{match.id}", f"/api/v1/needs/{need.id}", f"/api/v1/matches/{match.id}"):
        r = client.get(path)
        assert r.status_code == 404, path
    r = client.post(f"/enterprise/needs/{need.id}/close", data={"csrf_token": token})
    assert r.status_code == 404 and "未找到该需求" in r.text
    r = client.post(f"/api/v1/matches/{match.id}/interest", headers={"X-CSRF-Token": token})
    assert r.status_code == 404 and r.json()["detail"] == "未找到该匹配"
    assert counts(session) == before
    assert session.get(Need, need.id).status == "open"


def test_wrong_role_is_403_and_changes_nothing(client: TestClient, session: Session) -> None:
    prov = make_org(session, kind="university")
    user = make_user(session, role="provider", org=prov)
    token = login(client, user.username)
    before = counts(session)
    r = client.post("/enterprise/needs", data={**GOOD, "csrf_token": token})
    assert r.status_code == 403 and "权限" in r.text
    r = client.post("/api/v1/needs", json={"title": "x"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 403
    assert client.get("/admin/users").status_code == 403
    assert counts(session) == before


REG = {"name": "天津示例科技有限公司", "kind": "enterprise", "contact_name": "李工",
       "contact_phone": "022-26001234", "username": "newcorp", "password": "Haihe-bridge-2022",
       "password_confirm": "Haihe-bridge-2022"}


@pytest.mark.parametrize(("over", "field", "message"), [
    ({"credit_code": "91120105MA05XXXXX1"}, "credit_code", "统一社会信用代码"),
    ({"credit_code": "123"}, "credit_code", "统一社会信用代码应为18位，当前为3位"),
    ({"name": ""}, "name", "请填写机构名称"),
    ({"name": "名" * 101}, "name", "机构名称不能超过100个字"),
    ({"kind": "staff"}, "kind", "请选择机构类型"),
    ({"password": "short", "password_confirm": "short"}, "password", "密码至少10位"),
    ({"password_confirm": "Other-river-2022"}, "password_confirm", "两次输入的密码不一致"),
    ({"contact_phone": "<b>"}, "contact_phone", "联系电话格式不正确"),
])
def test_bad_registration_is_refused(client: TestClient, session: Session, over: dict, field: str,
                                     message: str) -> None:
    token = csrf_from(client.get("/register").text)
    data = {**REG, "credit_code": make_credit_code("120105", 555), **over, "csrf_token": token}
    before = counts(session)
    r = client.post("/register", data=data)
    assert r.status_code == 422
    assert message in r.context["errors"][field]
    assert counts(session) == before
    assert "Haihe-bridge-2022" not in r.text  # passwords are never echoed


def test_duplicate_organisation_is_refused(client: TestClient, session: Session) -> None:
    existing = make_org(session)
    token = csrf_from(client.get("/register").text)
    before = counts(session)
    r = client.post("/register", data={**REG, "credit_code": existing.credit_code, "csrf_token": token})
    assert r.status_code == 422 and "该统一社会信用代码已注册" in r.text
    r = client.post("/register", data={**REG, "name": existing.name,
                                       "credit_code": make_credit_code("120105", 556), "csrf_token": token})
    assert r.status_code == 422 and "该机构名称已注册" in r.text
    assert counts(session) == before


def test_admin_cannot_create_enterprise_accounts(client: TestClient, session: Session) -> None:
    admin = make_user(session, role="admin")
    token = login(client, admin.username)
    before = counts(session)
    r = client.post("/api/v1/users", json={"username": "x-ent", "password": "Haihe-bridge-2022", "role": "enterprise"},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 422 and "只能开通服务专员、领导或管理员账号" in r.json()["detail"]
    assert counts(session) == before
    r = client.post("/api/v1/users", json={"username": "clerk1", "password": "Haihe-bridge-2022", "role": "staff"},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 201 and r.json()["role"] == "staff"
