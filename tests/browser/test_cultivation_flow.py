"""Staff screen an enterprise into the 高企 pool, read its gaps with the matched offers, and post
one gap as a need with the enterprise's consent; wide and phone screenshots for people to look at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models import GapNeed, Need
from models.db import autocommit_engine, make_engine
from tests.browser.conftest import login_as, shot
from tests.factories import PASSWORD, make_offer, make_org, make_user
from web.presentation.times import default_today

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


@pytest.fixture
def key_enterprise(live_server: str, tmp_path: Path) -> Iterator[dict]:
    """A whitelisted enterprise last visited long ago, a listing-pool member, and a broker's offer."""
    from web.services.cultivation import pools

    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    with Session(autocommit_engine(engine)) as s:
        staff = make_user(s, role="staff", display_name="包联专员")
        ent = make_org(s, name="天津浏览器包联测试科技有限公司")
        broker = make_org(s, kind="financial", name="浏览器测试证券有限公司")
        make_offer(s, org=broker, title="股份制改造与新三板挂牌辅导（浏览器测试）", category="上市辅导",
                   description="股改 股份制改造 财务规范 上市辅导 辅导备案 新三板挂牌 券商保荐")
        for kind in ("whitelist", "listing"):
            pool = pools.pool_by_kind(s, kind)
            s.commit()
            pools.add_members(s, pool_id=pool.id, org_ids=[ent.id], actor_id=staff.id, reason="浏览器测试")
        data = {"ent_id": ent.id, "username": staff.username, "staff_id": staff.id}
    engine.dispose()
    yield data


def test_liaison_and_listing_plan(page, key_enterprise: dict) -> None:  # type: ignore[no-untyped-def]
    ent_id = key_enterprise["ent_id"]
    login_as(page, key_enterprise["username"], PASSWORD)
    page.goto(f"/staff/liaison/{ent_id}")
    page.select_option("select[name=user_id]", str(key_enterprise["staff_id"]))
    page.get_by_role("button", name="指派").click()
    page.wait_for_load_state()
    page.fill("input[name=starts_on]", (default_today() - timedelta(days=120)).isoformat())
    page.get_by_role("button", name="保存计划").click()
    page.wait_for_load_state()
    assert "逾期" in page.locator("section.card", has_text="走访计划").inner_text()
    page.select_option("select[name=category]", "融资需求")
    page.fill("form[action$='/appeals'] textarea[name=description]", "希望对接知识产权质押贷款")
    page.fill("form[action$='/appeals'] input[name=deadline]", (default_today() + timedelta(days=20)).isoformat())
    page.get_by_role("button", name="登记诉求").click()
    page.wait_for_load_state()
    assert "请选择责任部门" in page.locator(".flash").inner_text()
    page.select_option("select[name=department]", "区金融工作局")
    page.get_by_role("button", name="登记诉求").click()
    page.wait_for_load_state()
    assert "已登记诉求" in page.locator(".flash").inner_text()
    page.goto("/staff/liaison")
    assert "逾期提醒（1 项）" in page.inner_text("main")
    page.set_viewport_size(WIDE)
    shot(page, "liaison-workspace-1366")
    page.set_viewport_size(PHONE)
    shot(page, "liaison-workspace-390")
    page.set_viewport_size(WIDE)

    page.goto(f"/staff/listing/{ent_id}")
    page.fill("form[action$='/steps'] input[name=name]", "股份制改造")
    page.fill("form[action$='/steps'] input[name=owner]", "企业董秘")
    page.fill("form[action$='/steps'] input[name=due_on]", (default_today() + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="添加").click()
    page.wait_for_load_state()
    step = page.locator("section.card", has_text="责任人：企业董秘")
    assert "股份制改造与新三板挂牌辅导（浏览器测试）" in step.inner_text()
    shot(page, "listing-plan-1366")
    page.set_viewport_size(PHONE)
    shot(page, "listing-plan-390")
