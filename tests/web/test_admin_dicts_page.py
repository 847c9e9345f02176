"""字典管理 page, and pages showing the admin's current names for stored codes."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import DictItem, Need
from tests.factories import make_need, make_org, make_user
from tests.web.conftest import login


def test_rename_retire_and_refuse_delete_through_the_page(client: TestClient, session: Session) -> None:
    make_user(session, role="admin", username="guanliyuan")
    org = make_org(session)
    make_user(session, role="enterprise", org=org, username="qiye1")
    need = make_need(session, org=org, category="技术攻关")
    token = login(client, "guanliyuan")
    r = client.get("/admin/dicts/category")
    assert r.template.name == "admin/dicts.html" and r.context["usage"]["技术攻关"] == 1
    path = f"/admin/dicts/category/{quote('技术攻关')}"
    r = client.post(path, data={"label": "关键技术攻关", "description": "研发", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "已保存" in page.text and "技术攻关 → 关键技术攻关" in page.text
    r = client.post(path + "/delete", data={"csrf_token": token})
    assert r.status_code == 409 and "只能停用" in r.text
    r = client.post(path + "/retire", data={"retired": "1", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    bad = client.post("/admin/dicts/category", data={"label": "", "csrf_token": token})
    assert bad.status_code == 422 and "请填写名称" in bad.text
    assert client.get("/admin/dicts/colours").status_code == 404
    session.expire_all()
    assert session.get(Need, need.id).category == "技术攻关"
    assert session.exec(select(DictItem).where(DictItem.code == "技术攻关")).one().retired_at is not None

    # The enterprise sees the new name on its posting; the form no longer offers the retired value
    # for a new posting but keeps it on the existing one.
    client.cookies.clear()
    login(client, "qiye1")
    assert "关键技术攻关" in client.get(f"/enterprise/needs/{need.id}").text
    new_form = client.get("/enterprise/needs/new").text
    assert 'value="技术攻关"' not in new_form
    edit_form = client.get(f"/enterprise/needs/{need.id}/edit").text
    assert "关键技术攻关（已停用）" in edit_form
