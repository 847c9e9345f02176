"""Staff screen an enterprise into the 高企 pool, read its gaps with the matched offers, and post
one gap as a need with the enterprise's consent; wide and phone screenshots for people to look at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models import GapNeed, Need
from models.db import autocommit_engine, make_engine
from tests.browser.conftest import login_as, shot
from tests.factories import PASSWORD, make_offer, make_org, make_user

WIDE, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture
def arranged(live_server: str, tmp_path: Path) -> Iterator[dict]:
    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    with Session(autocommit_engine(engine)) as s:
        agency = make_org(s, kind="intermediary", name="浏览器测试知识产权代理有限公司", credit_standing="good")
        offer = make_offer(s, org=agency, title="发明专利申请代理与专利布局（浏览器测试）",
                           description="为科技型中小企业提供发明专利申请代理、专利布局、专利转让与技术转移服务",
                           category="知识产权")
        ent = make_org(s, name="天津浏览器培育测试科技有限公司", registered_on=date(2016, 4, 1), employees=80,
                       sci_tech_staff=6, revenue_wan=Decimal("3200"), revenue_3y_wan=Decimal("8000"),
                       rd_spending_3y_wan=Decimal("248"), rd_domestic_3y_wan=Decimal("240"),
                       hitech_revenue_wan=Decimal("2100"), invention_patents=0, total_patents=2)
        staff = make_user(s, role="staff", display_name="培育专员")
        data = {"ent_id": ent.id, "offer_id": offer.id, "username": staff.username}
    engine.dispose()
    data["db"] = tmp_path / "live.db"
    yield data


def test_gap_list_to_posted_need(page, arranged: dict) -> None:  # type: ignore[no-untyped-def]
    login_as(page, arranged["username"], PASSWORD)
    page.goto("/staff/cultivation")
    page.get_by_role("link", name="高企培育库").click()
    page.wait_for_load_state()
    page.fill("input[name=q]", "浏览器培育测试")
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    page.check(f"input[name=org_ids][value='{arranged['ent_id']}']")
    page.fill("form[action$='/members'] input[name=reason]", "研发投入接近标准，知识产权不足")
    page.get_by_role("button", name="入库").click()
    page.wait_for_load_state()
    assert "已入库" in page.locator(".flash").inner_text()

    page.get_by_role("link", name="缺什么补什么").first.click()
    page.wait_for_load_state()
    table = page.locator("table.list").first.inner_text()
    assert "未达标" in table and "缺数据" in table  # staff share fails; incidents were never given
    assert "约需新增科技人员 3 人" in table  # (6 + x) / (80 + x) ≥ 10%
    gap = page.locator("section.gap", has_text="核心自主知识产权")
    assert "发明专利申请代理与专利布局（浏览器测试）" in gap.locator("table").inner_text()
    page.set_viewport_size(WIDE)
    shot(page, "cultivation-gaps-1366")
    page.set_viewport_size(PHONE)
    shot(page, "cultivation-gaps-390")
    page.set_viewport_size(WIDE)

    gap.get_by_role("link", name="为企业发布需求").click()
    page.wait_for_load_state()
    page.fill("input[name=consent_by]", "李总经理")
    page.select_option("select[name=consent_channel]", "走访当面确认")
    page.get_by_role("button", name="发布需求").click()
    page.wait_for_load_state()
    assert "须先征得企业同意" in page.locator(".field-error").first.inner_text()
    page.set_viewport_size(PHONE)
    shot(page, "cultivation-gap-need-error-390")
    page.set_viewport_size(WIDE)
    page.check("input[name=consent_confirmed]")
    page.get_by_role("button", name="发布需求").click()
    page.wait_for_load_state()
    assert "已为企业发布需求" in page.locator(".flash").inner_text()
    assert "李总经理（走访当面确认）同意发布需求" in page.locator("section.gap", has_text="核心自主知识产权").inner_text()
    shot(page, "cultivation-gap-posted-1366")

    engine = make_engine(f"sqlite:///{arranged['db']}")
    with Session(autocommit_engine(engine)) as s:
        need = s.exec(select(Need).where(Need.org_id == arranged["ent_id"])).one()
        link = s.exec(select(GapNeed)).one()
        assert (link.need_id, link.consent_by, link.consent_channel) == (need.id, "李总经理", "走访当面确认")
    engine.dispose()
