"""One figure, one text: every view of a number (overview chart, tables, indicator page, Excel,
operations, staff feedback) shows it the same way; money in the unit people read; page links
lead to pages, not to the JSON API."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from tests.factories import (
    make_actual,
    make_contract,
    make_match,
    make_need,
    make_offer,
    make_org,
    make_user,
)
from tests.web.conftest import login
from web.app import create_app
from web.presentation.figures import figure, money_yi, pct, percent_of
from web.routes import all_routers
from web.services.indicators.plan import ensure_plan_indicators
from web.settings import Settings


@pytest.mark.parametrize(("part", "whole", "text"), [
    (1, 3, "33.3%"), (2, 3, "66.6%"), (9996, 10000, "99.9%"), (1, 1, "100%"), (18, 19, "94.7%"), (0, 5, "0%"),
])
def test_one_rounding_rule_for_every_share(part: int, whole: int, text: str) -> None:
    assert pct(percent_of(part, whole)) == text
    assert percent_of(1, 0) is None and pct(None) == "—"


@pytest.mark.parametrize(("value", "unit", "text"), [
    (Decimal("0.013164"), "亿元", "131.64万元"), (Decimal("18.5"), "亿元", "18.5亿元"), (Decimal("1.2500"), "%", "1.25%"),
    (Decimal("125"), "家", "125家"), (Decimal("1110.0000"), "件", "1110件"), (None, "家", "—"),
])
def test_one_formatter_per_unit(value: Decimal | None, unit: str, text: str) -> None:
    assert figure(value, unit) == text
    assert money_yi(Decimal("0.5")) == "5,000.00万元"


def test_every_view_of_a_completion_rate_reads_the_same(client: TestClient, session: Session) -> None:
    ensure_plan_indicators(session)
    session.commit()
    # 133.4 of the 2022 target 125 is 106.72%: truncated 106.7%, never 106.8% anywhere.
    make_actual(session, number=3, year=2022, value="133.4", source="区科技局认定名单")
    login(client, make_user(session, role="official").username)
    overview = client.get("/dashboard").text
    indicator = client.get("/dashboard/indicators/3").text
    export = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx").content))["指标完成情况"]
    row = next(r for r in export.iter_rows(values_only=True) if r[0] == 3 and r[3] == 2022)
    for name, text in (("overview", overview), ("indicator", indicator)):
        assert "106.7%" in text, name
        assert "106.8" not in text, name
    assert Decimal(str(row[8])) == Decimal("106.7")


def test_money_of_indicator_7_reads_in_wan_below_one_yi(client: TestClient, session: Session) -> None:
    ensure_plan_indicators(session)
    ent, prov = make_org(session), make_org(session, kind="intermediary")
    m = make_match(session, need=make_need(session, org=ent), offer=make_offer(session, org=prov), status="contracted")
    make_contract(session, match=m, amount_wan="131.64", signed_on=date(2022, 3, 1))
    login(client, make_user(session, role="official").username)
    for path in ("/dashboard", "/dashboard/indicators/7", "/dashboard/indicators/7/platform?year=2022"):
        text = client.get(path).text
        assert "131.64万元" in text, path
        assert "0.013164" not in text and "0.0131" not in text, path


def test_page_names_lead_to_pages() -> None:
    app = create_app(Settings(database_url="sqlite:///:memory:", seed_on_start=False, mode="test"))
    for router in all_routers():
        for route in router.routes:
            path = getattr(route, "path", "")
            if path.startswith("/api/") or "{" in path:
                continue
            assert app.url_path_for(route.name) == path, route.name
    assert app.url_path_for("dashboard") == "/dashboard"


def test_staff_feedback_and_operations_agree_on_the_approval_rate(session: Session) -> None:
    from web.presentation.times import DEFAULT_TIME_ZONE, local_zone
    from web.services.matching.feedback import approval_stats, overall
    from web.services.reports.operations import operations

    for i in range(19):
        make_match(session, need=make_need(session, org=make_org(session)),
                   offer=make_offer(session, org=make_org(session, kind="intermediary")),
                   status="approved" if i < 18 else "rejected", source="engine")
    ops = operations(session, tz=local_zone(DEFAULT_TIME_ZONE))
    assert pct(ops.engine_approval_percent) == pct(overall(approval_stats(session)).approval_percent) == "94.7%"
