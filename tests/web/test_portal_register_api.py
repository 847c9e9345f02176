"""Registration through the JSON API: same service and checks as the page, CSRF by cookie."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models import Organisation, User
from models.credit_code import make_credit_code
from tests.factories import make_org

REG = {"name": "天津接口科技有限公司", "kind": "enterprise", "contact_name": "李工",
       "contact_phone": "022-26001234", "username": "apicorp", "password": "Haihe-bridge-2022",
       "password_confirm": "Haihe-bridge-2022"}


def counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return tuple(session.exec(select(func.count()).select_from(m)).one() for m in (Organisation, User))


def anon_token(client: TestClient) -> dict[str, str]:
    token = client.get("/api/v1/csrf-token").json()["csrf_token"]
    assert token and client.cookies.get("zq_csrf") == token
    return {"X-CSRF-Token": token}


def test_register_creates_org_and_user_and_logs_in(client: TestClient, session: Session) -> None:
    h = anon_token(client)
    r = client.post("/api/v1/register", headers=h,
                    json={**REG, "credit_code": make_credit_code("120105", 701)})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["role"] == "enterprise" and body["organisation"] == REG["name"]
    assert "Haihe-bridge-2022" not in r.text
    me = client.get("/api/v1/me").json()
    assert me["username"] == "apicorp" and me["organisation"]["id"] == body["org_id"]
    # The new session's token works for the next call.
    r = client.post("/api/v1/needs", headers={"X-CSRF-Token": body["csrf_token"]}, json={
        "title": "视觉检测", "description": "零部件表面缺陷检测", "category": "技术攻关"})
    assert r.status_code == 201


def test_provider_kind_gets_provider_role(client: TestClient, session: Session) -> None:
    r = client.post("/api/v1/register", headers=anon_token(client), json={
        **REG, "kind": "university", "credit_code": make_credit_code("120105", 702)})
    assert r.status_code == 201 and r.json()["role"] == "provider"


@pytest.mark.parametrize(("over", "field", "message"), [
    ({"credit_code": "123"}, "credit_code", "统一社会信用代码应为18位，当前为3位"),
    ({"name": ""}, "name", "请填写机构名称"),
    ({"kind": "staff"}, "kind", "请选择机构类型"),
    ({"kind": "admin"}, "kind", "请选择机构类型"),
    ({"password": "short", "password_confirm": "short"}, "password", "密码至少10位"),
    ({"password_confirm": "Other-river-2022"}, "password_confirm", "两次输入的密码不一致"),
    ({"contact_phone": "<b>"}, "contact_phone", "联系电话格式不正确"),
    ({"role": "admin"}, "role", "不接受该字段"),
    ({"org_id": 1}, "org_id", "不接受该字段"),
])
def test_bad_registration_is_refused(client: TestClient, session: Session, over: dict, field: str,
                                     message: str) -> None:
    h = anon_token(client)
    before = counts(session)
    r = client.post("/api/v1/register", headers=h,
                    json={**REG, "credit_code": make_credit_code("120105", 703), **over})
    assert r.status_code == 422
    assert message in r.json()["errors"][field]
    assert "Haihe-bridge-2022" not in r.text
    assert counts(session) == before
    assert "zq_session" not in client.cookies


def test_duplicate_and_missing_csrf_are_refused(client: TestClient, session: Session) -> None:
    existing = make_org(session)
    before = counts(session)
    body = {**REG, "credit_code": make_credit_code("120105", 704)}
    r = client.post("/api/v1/register", json=body)
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    r = client.post("/api/v1/register", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    h = anon_token(client)
    r = client.post("/api/v1/register", headers=h, json={**REG, "credit_code": existing.credit_code})
    assert r.status_code == 422 and "该统一社会信用代码已注册" in r.json()["detail"]
    assert counts(session) == before
