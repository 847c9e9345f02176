"""Staff merge and deactivate organisations from the portrait page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from models import Need, Organisation
from tests.factories import make_need, make_org, make_user
from tests.web.conftest import login


def test_merge_and_deactivate_through_the_portrait_page(client: TestClient, session: Session) -> None:
    make_user(session, role="staff", username="zhuanyuan")
    dup, keep = make_org(session), make_org(session)
    need = make_need(session, org=dup)
    token = login(client, "zhuanyuan")
    bad = client.post(f"/staff/organisations/{dup.id}/merge", data={"target_credit_code": "91120000XXXXXXXXXX",
                                                                     "note": "重复", "csrf_token": token})
    assert bad.status_code == 422 and "未找到该统一社会信用代码" in bad.text
    r = client.post(f"/staff/organisations/{dup.id}/merge", data={"target_credit_code": keep.credit_code.lower(),
                                                                  "note": "重复注册", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/staff/portraits/{keep.id}")
    assert "已合并" in client.get(r.headers["location"]).text
    old = client.get(f"/staff/portraits/{dup.id}")
    assert "已合并到" in old.text and f"/staff/portraits/{keep.id}" in old.text
    session.expire_all()
    assert session.get(Need, need.id).org_id == keep.id
    r = client.post(f"/staff/organisations/{keep.id}/deactivate", data={"note": "", "csrf_token": token})
    assert r.status_code == 422 and "请填写原因" in r.text
    r = client.post(f"/staff/organisations/{keep.id}/deactivate", data={"note": "企业注销", "csrf_token": token})
    assert r.status_code == 200 and "机构已停用" in r.text
    session.expire_all()
    assert session.get(Organisation, keep.id).deactivated_at is not None
