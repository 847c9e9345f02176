"""Cultivation pages through the real app: rule sets, pools, gaps, posting a gap, figures, pipeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models import GapNeed, Need, Organisation, PoolMember, Rule, RuleSet
from tests.factories import make_offer, make_org, make_user
from tests.web.conftest import login
from web.presentation.times import default_today
from web.services.cultivation import pools, rulesets
from web.services.matching import background, feed


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def staff(client: TestClient, session: Session) -> tuple[TestClient, str]:
    make_user(session, role="staff", username="peiyu", display_name="钱专员")
    return client, login(client, "peiyu")


def test_rule_set_pages_and_impossible_threshold(staff, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, token = staff
    r = client.get("/staff/cultivation/rules")
    assert r.status_code == 200 and "高新技术企业认定条件（国家）" in r.text
    rs = session.exec(select(RuleSet)).one()
    page = client.get(f"/staff/cultivation/rules/{rs.id}")
    assert "按上年营业收入分档：≤ 5000 万元 ≥ 5.0%；≤ 20000 万元 ≥ 4.0%；其余 ≥ 3.0%" in page.text
    before = _count(session, Rule)
    bad = client.post(f"/staff/cultivation/rules/{rs.id}/rules", data={
        "csrf_token": token, "label": "科技人员占比", "metric": "sci_tech_share", "op": "min", "threshold": "120"})
    assert bad.status_code == 422 and "不可能达到" in bad.text and _count(session, Rule) == before
    ok = client.post("/staff/cultivation/rules", data={
        "csrf_token": token, "qualification": "瞪羚", "year": "2022", "name": "天津市瞪羚企业（2022）"},
        follow_redirects=False)
    assert ok.status_code == 303
    new = session.exec(select(RuleSet).where(RuleSet.qualification == "瞪羚")).one()
    assert ok.headers["location"].startswith(f"/staff/cultivation/rules/{new.id}")
    dup = client.post("/staff/cultivation/rules", data={
        "csrf_token": token, "qualification": "瞪羚", "year": "2022", "name": "又一套"})
    assert dup.status_code == 422 and "已存在" in dup.text and _count(session, RuleSet) == 2
    ip = next(r for r in rulesets.rules_of(session, rs.id) if r.metric == "invention_patents")
    edit = client.get(f"/staff/cultivation/rules/{rs.id}/rules/{ip.id}")
    assert 'value="6"' in edit.text  # the alternative threshold comes back into the form


def test_pool_gap_page_and_posting_a_gap(staff, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, token = staff
    agency = make_org(session, kind="intermediary", name="某知识产权代理公司")
    offer = make_offer(session, org=agency, title="发明专利申请代理", description="发明专利申请代理、专利布局与专利转让",
                       category="知识产权")
    feed.record(session, side="offer", posting_id=offer.id, kind="create")  # as posting it would, for the index
    org = make_org(session, name="甲科技有限公司", registered_on=date(2015, 1, 1), employees=100, sci_tech_staff=20,
                   invention_patents=0)
    pool = pools.pool_by_kind(session, "hitech")
    session.commit()
    background.run_round(session.get_bind(), client.app.state.index)  # what the worker's thread does
    r = client.get(f"/staff/cultivation/pools/{pool.id}?q=甲科技")
    assert "甲科技有限公司" in r.text
    no_reason = client.post(f"/staff/cultivation/pools/{pool.id}/members",
                            data={"csrf_token": token, "org_ids": str(org.id), "reason": ""})
    assert no_reason.status_code == 422 and "请填写入库理由" in no_reason.text and _count(session, PoolMember) == 0
    added = client.post(f"/staff/cultivation/pools/{pool.id}/members",
                        data={"csrf_token": token, "org_ids": str(org.id), "reason": "研发活跃"}, follow_redirects=False)
    assert added.status_code == 303
    gaps_page = client.get(f"/staff/cultivation/pools/{pool.id}/enterprises/{org.id}")
    assert gaps_page.status_code == 200 and "缺数据" in gaps_page.text and "发明专利申请代理" in gaps_page.text
    ip = next(r for r in session.exec(select(Rule)).all() if r.metric == "invention_patents")
    form_url = f"/staff/cultivation/pools/{pool.id}/enterprises/{org.id}/gaps/{ip.id}/need"
    form = client.get(form_url)
    assert form.status_code == 200 and "企业已同意" in form.text
    values = {"csrf_token": token, "title": "发明专利申请代理", "description": "需要发明专利申请代理",
              "category": "知识产权", "consent_by": "王总", "consent_channel": "电话确认",
              "consent_on": default_today().isoformat()}
    refused = client.post(form_url, data=values)
    assert refused.status_code == 422 and "须先征得企业同意" in refused.text
    assert _count(session, Need) == 0 and _count(session, GapNeed) == 0
    posted = client.post(form_url, data={**values, "consent_confirmed": "1"}, follow_redirects=False)
    assert posted.status_code == 303
    need = session.exec(select(Need)).one()
    assert need.org_id == org.id and session.exec(select(GapNeed)).one().consent_by == "王总"


def test_enterprise_keeps_its_figures_and_never_sees_pools(client: TestClient, session: Session) -> None:
    org = make_org(session)
    make_user(session, role="enterprise", org=org, username="qiye1")
    token = login(client, "qiye1")
    base = {"csrf_token": token, "contact_name": "张经理", "contact_phone": "022-26000000",
            "employees": "50", "revenue_wan": "1200.5", "total_patents": "3"}
    bad = client.post("/enterprise/profile", data={**base, "sci_tech_staff": "60", "revenue_3y_wan": "1.234"})
    assert bad.status_code == 422 and "科技人员数不能大于职工总数" in bad.text and "两位小数" in bad.text
    session.expire_all()
    assert session.get(Organisation, org.id).sci_tech_staff is None
    ok = client.post("/enterprise/profile", data={
        **base, "sci_tech_staff": "6", "registered_on": "2019-05-01", "rd_spending_3y_wan": "300",
        "rd_domestic_3y_wan": "280", "major_incident": "0", "utility_patents": "2"}, follow_redirects=False)
    assert ok.status_code == 303
    session.expire_all()
    saved = session.get(Organisation, org.id)
    assert (saved.sci_tech_staff, saved.rd_spending_3y_wan, saved.major_incident, saved.registered_on) == (
        6, Decimal("300.00"), False, date(2019, 5, 1))
    assert saved.design_patents is None  # left blank: unknown, not zero
    # The JSON API does not know these figures: saving the profile there keeps them.
    api = client.patch("/api/v1/me/organisation", headers={"X-CSRF-Token": token},
                       json={"contact_name": "张经理", "contact_phone": "022-26000000", "employees": 50})
    assert api.status_code == 200, api.text
    session.expire_all()
    assert session.get(Organisation, org.id).sci_tech_staff == 6
    for url in ("/staff/cultivation", "/staff/cultivation/rules", "/dashboard/pipeline"):
        assert client.get(url).status_code == 403


def test_staff_edit_figures_and_official_reads_the_pipeline(staff, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, token = staff
    org = make_org(session)
    bad = client.post(f"/staff/portraits/{org.id}/figures", data={
        "csrf_token": token, "employees": "10", "sci_tech_staff": "5", "registered_on": "2999-01-01"})
    assert bad.status_code == 422 and "不能晚于今天" in bad.text
    session.expire_all()
    assert session.get(Organisation, org.id).sci_tech_staff is None
    ok = client.post(f"/staff/portraits/{org.id}/figures", data={
        "csrf_token": token, "employees": "10", "sci_tech_staff": "5", "hitech_revenue_wan": "100",
        "revenue_wan": "200", "major_incident": "1"}, follow_redirects=False)
    assert ok.status_code == 303
    session.expire_all()
    assert session.get(Organisation, org.id).major_incident is True
    make_user(session, role="official", username="lingdao")
    client.cookies.clear()
    login(client, "lingdao")
    r = client.get("/dashboard/pipeline?year=2022")
    assert r.status_code == 200 and "预测规则" in r.text and "预测值" in r.text
    assert "指标储备" in client.get("/dashboard").text
    assert client.get("/staff/cultivation").status_code == 403


def test_pool_import_page_names_each_bad_cell(staff, session: Session) -> None:  # type: ignore[no-untyped-def]
    import io

    from openpyxl import Workbook

    client, token = staff
    pool = pools.pool_by_kind(session, "hitech")
    session.commit()
    org = make_org(session)
    wb = Workbook()
    ws = wb.active
    ws.title = "入库企业"
    ws.append(["统一社会信用代码", "企业名称", "入库理由"])
    ws.append([org.credit_code, org.name, "研发活跃"])
    ws.append(["123", None, ""])
    buf = io.BytesIO()
    wb.save(buf)
    files = {"file": ("入库.xlsx", buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    bad = client.post(f"/staff/cultivation/pools/{pool.id}/import", data={"csrf_token": token}, files=files)
    assert bad.status_code == 422 and "未导入任何数据" in bad.text
    assert bad.context["import_errors"][0].row == 3 and {e.column for e in bad.context["import_errors"]} == {
        "统一社会信用代码", "入库理由"}
    assert _count(session, PoolMember) == 0
    export = client.get(f"/staff/cultivation/pools/{pool.id}/export.xlsx")
    assert export.status_code == 200 and export.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
