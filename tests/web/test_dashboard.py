"""Dashboard pages and API: who sees what, entering and importing figures, drill-down."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from models import AuditLog, IndicatorActual
from tests.factories import (
    make_actual,
    make_contract,
    make_match,
    make_need,
    make_offer,
    make_org,
    make_qualification,
    make_user,
)
from tests.web.conftest import login
from web.services.indicators.plan import ensure_plan_indicators
from web.services.indicators.workbook import ACTUALS_SHEET, IMPORT_HEADERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def plan(session: Session) -> Session:
    ensure_plan_indicators(session)
    session.commit()
    return session


def _as(client: TestClient, session: Session, role: str) -> str:
    org = make_org(session, kind="enterprise" if role == "enterprise" else "intermediary") \
        if role in ("enterprise", "provider") else None
    return login(client, make_user(session, role=role, org=org).username)


def _figures(session: Session) -> list[tuple[int, int, str]]:
    session.expire_all()
    return sorted((a.indicator_id, a.year, a.source) for a in session.exec(select(IndicatorActual)).all())


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = ACTUALS_SHEET
    ws.append(list(IMPORT_HEADERS))
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_official_reads_the_dashboard_and_sees_no_forms(client: TestClient, plan: Session) -> None:
    make_actual(plan, number=3, year=2021, value="112", source="示例来源", is_sample=True)
    ent = make_org(plan)
    make_qualification(plan, org=ent, kind="高新技术企业", year_granted=2020)
    token = _as(client, plan, "official")
    r = client.get("/dashboard")
    assert r.status_code == 200 and r.template.name == "dashboard/index.html"
    html = r.text
    for text in ("≥ 100%", "达标", "接近", "滞后", "突破125家", "示例数据", "官方统计", "平台统计", "全区口径"):
        assert text in html, text
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 8  # overview + seven
    assert "<form" not in html.split('id="main"', 1)[1]  # no entry form, no import form
    assert "/dashboard/entry" not in html
    views = r.context["views"]
    assert views[2].years[0].platform == Decimal(1)
    for path in ("/dashboard/operations", "/dashboard/indicators/3", "/dashboard/indicators/3/platform?year=2020",
                 "/dashboard/indicators/7/platform"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'method="post"' not in page.text.split('id="main"', 1)[1], path
    assert ent.name in client.get("/dashboard/indicators/3/platform?year=2020").text
    export = client.get("/dashboard/export.xlsx")
    assert export.status_code == 200 and export.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in export.headers["content-disposition"]
    # Officials change nothing.
    r = client.post("/dashboard/actuals", data={"csrf_token": token, "number": "1", "year": "2021",
                                                "value": "1.2", "source": "x"})
    assert r.status_code == 403
    assert client.get("/dashboard/entry").status_code == 403
    assert client.get("/dashboard/import-template.xlsx").status_code == 403


@pytest.mark.parametrize("role", ["enterprise", "provider"])
def test_enterprises_and_providers_are_refused(client: TestClient, plan: Session, role: str) -> None:
    _as(client, plan, role)
    for path in ("/dashboard", "/dashboard/operations", "/dashboard/indicators/1", "/dashboard/export.xlsx"):
        r = client.get(path)
        assert r.status_code == 403 and "无权访问" in r.text, path
    for path in ("/api/v1/dashboard/indicators", "/api/v1/dashboard/operations"):
        r = client.get(path)
        assert r.status_code == 403 and r.json()["detail"] == "您没有执行此操作的权限"


def test_anonymous_is_sent_to_login(client: TestClient) -> None:
    r = client.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert client.get("/api/v1/dashboard/indicators").status_code == 401


def test_staff_enters_a_figure_on_the_form(client: TestClient, plan: Session) -> None:
    token = _as(client, plan, "staff")
    page = client.get("/dashboard/entry")
    assert page.status_code == 200 and "导入模板" in page.text
    r = client.post("/dashboard/actuals", data={
        "csrf_token": token, "number": "1", "year": "2021", "value": "1.25",
        "source": "区统计局《2021年统计公报》", "source_date": "2022-03-20", "note": ""}, follow_redirects=False)
    assert r.status_code == 303
    assert "已录入" in client.get(r.headers["location"]).text
    actual = plan.exec(select(IndicatorActual)).one()
    assert (Decimal(actual.value), actual.source_date, actual.is_sample) == (Decimal("1.25"), date(2022, 3, 20), False)
    assert "1.25" in client.get("/dashboard").text

    bad = client.post("/dashboard/actuals", data={
        "csrf_token": token, "number": "1", "year": "2019", "value": "一点三", "source": "",
        "source_date": "2022/99/01"})
    assert bad.status_code == 422 and "日期格式应为 YYYY-MM-DD" in bad.text
    assert len(_figures(plan)) == 1
    bad = client.post("/dashboard/actuals", data={
        "csrf_token": token, "number": "1", "year": "2019", "value": "一点三", "source": ""})
    assert bad.status_code == 422
    for message in ("年度应为 2020、2021 或 2022", "应为数字", "请填写数据来源"):
        assert message in bad.text
    assert len(_figures(plan)) == 1
    # Each unit has its plausible range, on the form as in the import.
    for number, value, message in (("1", "500", "超出合理范围"), ("3", "12.5", "应为整数")):
        bad = client.post("/dashboard/actuals", data={
            "csrf_token": token, "number": number, "year": "2022", "value": value, "source": "区统计局"})
        assert bad.status_code == 422 and message in bad.text, value
        assert f'value="{value}"' in bad.text  # what was typed stays in the field
    assert len(_figures(plan)) == 1
    # Without the CSRF token nothing happens.
    assert client.post("/dashboard/actuals", data={"number": "2", "year": "2021", "value": "1",
                                                    "source": "x"}).status_code == 403
    # Delete a wrong entry.
    r = client.post(f"/dashboard/actuals/{actual.id}/delete", data={"csrf_token": token, "confirmed": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and _figures(plan) == []
    assert client.post("/dashboard/actuals/999999/delete", data={"csrf_token": token}).status_code == 404


def test_staff_imports_and_a_bad_file_changes_nothing(client: TestClient, plan: Session) -> None:
    token = _as(client, plan, "staff")
    template = client.get("/dashboard/import-template.xlsx")
    assert template.status_code == 200
    assert [c.value for c in load_workbook(io.BytesIO(template.content))[ACTUALS_SHEET][1]] == list(IMPORT_HEADERS)

    bad = _xlsx([[1, "", 2021, 1.2, "区统计局", None, "", ""], [8, "", 2018, "x", "", None, "", ""]])
    r = client.post("/dashboard/import", data={"csrf_token": token},
                    files={"file": ("指标.xlsx", bad, XLSX)})
    assert r.status_code == 422
    for text in ("未导入任何数据", "第3行", "指标编号", "年度", "数值", "来源"):
        assert text in r.text
    assert len(re.findall(r"<tr><td>第3行</td>", r.text)) == 4
    assert _figures(plan) == []

    good = _xlsx([[1, "", 2021, 1.2, "区统计局", "2022-03-01", "", ""], [7, "", 2022, 19.5, "市技术市场", None, "", "否"]])
    r = client.post("/dashboard/import", data={"csrf_token": token}, files={"file": ("指标.xlsx", good, XLSX)},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "已导入 2 条" in client.get(r.headers["location"]).text
    assert len(_figures(plan)) == 2
    assert plan.exec(select(AuditLog).where(AuditLog.action == "indicator.actual.import")).one()

    r = client.post("/dashboard/import", data={"csrf_token": token}, files={"file": ("figures.csv", b"a,b\n", "text/csv")})
    assert r.status_code == 422 and "请上传 .xlsx 格式的 Excel 文件" in r.text
    r = client.post("/dashboard/import", data={"csrf_token": token}, files={"file": ("", b"", XLSX)})
    assert r.status_code == 422


def test_an_oversized_upload_is_refused_in_chinese(client: TestClient, plan: Session) -> None:
    token = _as(client, plan, "staff")
    client.app.state.settings.max_upload_bytes = 2048  # type: ignore[attr-defined]
    big = _xlsx([[1, "", 2021, 1.2, "来源" * 400, None, "", ""]] * 5)
    assert len(big) > 2048
    r = client.post("/dashboard/import", data={"csrf_token": token}, files={"file": ("big.xlsx", big, XLSX)})
    assert r.status_code == 413 and "上传内容过大" in r.text
    assert _figures(plan) == []


def test_api_serves_status_drilldown_and_entry(client: TestClient, plan: Session) -> None:
    ent, prov = make_org(plan), make_org(plan, kind="intermediary")
    match = make_match(plan, need=make_need(plan, org=ent), offer=make_offer(plan, org=prov), status="contracted")
    make_contract(plan, match=match, amount_wan="12345.67", signed_on=date(2022, 3, 1))
    token = _as(client, plan, "official")
    data = client.get("/api/v1/dashboard/indicators").json()
    assert "≥ 100%" in data["status_rule"]
    seven = data["indicators"][6]
    assert seven["years"][2]["target"] == "20" and seven["years"][2]["platform"]["value"] == "1.234567"
    assert seven["years"][2]["platform"]["status"] == "滞后" and seven["years"][2]["official"] is None
    drill = client.get("/api/v1/dashboard/indicators/7/platform?year=2022").json()
    assert drill["value"] == "1.234567" and drill["contracts"][0]["amount_wan"] == "12345.67"
    assert client.get("/api/v1/dashboard/indicators/1/platform").status_code == 404
    ops = client.get("/api/v1/dashboard/operations").json()
    assert ops["total_amount_wan"] == "12345.67"
    # Officials cannot write through the API either.
    body = {"number": 1, "year": 2021, "value": "1.2", "source": "区统计局"}
    assert client.post("/api/v1/dashboard/actuals", json=body, headers={"X-CSRF-Token": token}).status_code == 403

    token = _as(client, plan, "staff")
    r = client.post("/api/v1/dashboard/actuals", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201 and r.json()["value"] == "1.2"
    r = client.post("/api/v1/dashboard/actuals", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 422 and "已有" in r.json()["errors"]["source"]
