"""Staff edit what an enterprise cannot: name, credit code, credit standing with source and date,
related parties; every change audited with its old and new value."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import AuditLog, Organisation, RelatedParty
from models.credit_code import make_credit_code
from tests.factories import make_org, make_user
from tests.web.conftest import login


def _snapshot(session: Session) -> tuple:
    session.expire_all()
    orgs = tuple((o.id, o.name, o.credit_code, o.credit_standing, o.credit_source, o.credit_date)
                 for o in session.exec(select(Organisation).order_by(Organisation.id)).all())
    related = tuple((r.org_id, r.related_org_id, r.relation) for r in session.exec(select(RelatedParty)).all())
    return orgs, related, len(session.exec(select(AuditLog)).all())


def test_staff_edit_name_code_and_credit(client: TestClient, session: Session) -> None:
    org = make_org(session, name="天津旧名称有限公司")
    other = make_org(session, name="天津已有名称有限公司")
    make_user(session, role="staff", username="steward")
    csrf = login(client, "steward")
    page = client.get(f"/staff/portraits/{org.id}/edit")
    assert page.status_code == 200 and 'value="天津旧名称有限公司"' in page.text
    assert f'href="/staff/portraits/{org.id}/edit"' in client.get(f"/staff/portraits/{org.id}").text
    new_code = make_credit_code("120105", 555001)
    good = {"csrf_token": csrf, "name": "天津新名称有限公司", "credit_code": new_code, "credit_standing": "good",
            "credit_source": "信用中国", "credit_date": "2022-03-01"}
    before = _snapshot(session)
    for bad, field, message in (
        ({"name": ""}, "name", "请填写机构名称"),
        ({"name": other.name}, "name", "已有同名机构"),
        ({"credit_code": other.credit_code}, "credit_code", "已属于另一机构"),
        ({"credit_code": new_code[:-1] + ("0" if new_code[-1] != "0" else "1")}, "credit_code", "校验"),
        ({"credit_standing": "excellent"}, "credit_standing", "请选择信用状况"),
        ({"credit_source": ""}, "credit_source", "请填写信用信息来源"),
        ({"credit_date": ""}, "credit_date", "请填写信用信息的查询或发布日期"),
        ({"credit_date": "2999-01-01"}, "credit_date", "不能晚于今天"),
    ):
        r = client.post(f"/staff/portraits/{org.id}/edit", data={**good, **bad})
        assert r.status_code == 422, bad
        assert message in r.context["errors"][field], (bad, r.context["errors"])
        assert _snapshot(session) == before, bad
    r = client.post(f"/staff/portraits/{org.id}/edit", data=good, follow_redirects=False)
    assert r.status_code == 303
    assert "机构信息已保存" in client.get(r.headers["location"]).text
    session.expire_all()
    saved = session.get(Organisation, org.id)
    assert (saved.name, saved.credit_code, saved.credit_standing, saved.credit_source, saved.credit_date) == (
        "天津新名称有限公司", new_code, "good", "信用中国", date(2022, 3, 1))
    entry = session.exec(select(AuditLog).where(AuditLog.action == "organisation.staff_edit")).one()
    assert entry.detail["changes"]["name"] == ["天津旧名称有限公司", "天津新名称有限公司"]
    assert entry.detail["changes"]["credit_date"] == ["", "2022-03-01"]
    # The same values again change nothing and say so.
    r = client.post(f"/staff/portraits/{org.id}/edit", data=good)
    assert r.status_code == 422 and "没有修改任何内容" in r.text


def test_staff_record_and_remove_related_parties(client: TestClient, session: Session) -> None:
    org = make_org(session)
    parent = make_org(session, name="天津控股集团有限公司")
    make_user(session, role="staff", username="steward2")
    csrf = login(client, "steward2")
    before = _snapshot(session)
    for bad, message in (({"related": "", "relation": "控股股东"}, "请填写关联方"),
                         ({"related": "不存在的公司", "relation": "控股股东"}, "平台中没有"),
                         ({"related": org.name, "relation": "控股股东"}, "不能把机构自身"),
                         ({"related": parent.name, "relation": ""}, "请填写关联关系")):
        r = client.post(f"/staff/portraits/{org.id}/related", data={"csrf_token": csrf, **bad})
        assert r.status_code == 422 and message in r.text, bad
    assert _snapshot(session) == before
    r = client.post(f"/staff/portraits/{org.id}/related", data={
        "csrf_token": csrf, "related": parent.credit_code, "relation": "控股股东"}, follow_redirects=False)
    assert r.status_code == 303
    row = session.exec(select(RelatedParty)).one()
    assert (row.org_id, row.related_org_id, row.relation) == (org.id, parent.id, "控股股东")
    r = client.post(f"/staff/portraits/{parent.id}/related", data={
        "csrf_token": csrf, "related": org.name, "relation": "子公司"})
    assert r.status_code == 422 and "已登记该关联方" in r.text
    assert "天津控股集团有限公司" in client.get(f"/staff/portraits/{org.id}").text
    r = client.post(f"/staff/portraits/{org.id}/related/{row.id}/delete", data={"csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303 and session.exec(select(RelatedParty)).all() == []
    actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id)).all()
               if not a.action.startswith("auth.")]  # logins are audited too
    assert actions == ["related_party.add", "related_party.remove"]
    assert client.post(f"/staff/portraits/{org.id}/related/{row.id}/delete",
                       data={"csrf_token": csrf}).status_code == 404


def test_enterprises_cannot_use_the_staff_form(client: TestClient, session: Session) -> None:
    org = make_org(session)
    csrf = login(client, make_user(session, org=org).username)
    before = _snapshot(session)
    r = client.post(f"/staff/portraits/{org.id}/edit", data={"csrf_token": csrf, "name": "自己改的名字",
                                                             "credit_code": org.credit_code})
    assert r.status_code == 403 and _snapshot(session) == before
