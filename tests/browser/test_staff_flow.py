"""A staff member approves a proposal, signs the deal, and finds the contract in the portrait."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from models.db import autocommit_engine, make_engine
from tests.browser.conftest import SCREENSHOTS, login_as, shot
from tests.factories import PASSWORD, make_need, make_offer, make_org, make_proposal, make_user


@pytest.fixture
def arranged(live_server: str, tmp_path: Path) -> Iterator[dict]:
    """Our own organisations, postings, proposal and staff user on the live server's DB file."""
    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    with Session(autocommit_engine(engine)) as s:
        ent = make_org(s, name="天津浏览器测试精工有限公司", rd_spending_wan=60, invention_patents=3, total_patents=12,
                       credit_standing="good", credit_source="信用中国（天津）")
        prov = make_org(s, kind="university", name="浏览器测试大学技术转移中心", credit_standing="bad")
        need = make_need(s, org=ent, title="精密零件视觉缺陷检测攻关",
                         description="产线需要基于AI视觉的精密零件表面缺陷检测方案，<b>要求</b>漏检率低于千分之一。")
        offer = make_offer(s, org=prov, title="AI视觉缺陷检测系统",
                           description="提供深度学习视觉检测系统与产线集成服务，适用于精密零件表面缺陷检测。")
        match = make_proposal(s, need=need, offer=offer, score=0.99,
                              reasons={"terms": [["视觉", 0.4], ["缺陷检测", 0.3], ["精密零件", 0.2]],
                                       "signals": [["category", "类别相同", 0.1]]})
        staff = make_user(s, role="staff", display_name="浏览器专员")
        data = {"ent_id": ent.id, "match_id": match.id, "username": staff.username}
    engine.dispose()
    yield data


def test_approve_sign_and_see_contract_in_portrait(page, arranged: dict) -> None:  # type: ignore[no-untyped-def]
    login_as(page, arranged["username"], PASSWORD)
    mid = arranged["match_id"]
    page.goto("/staff/review?org=浏览器测试")
    card = page.locator(f"#match-{mid}")
    assert card.locator("mark").first.inner_text() in ("视觉", "缺陷检测", "精密零件")
    assert "信用风险" in card.inner_text()
    assert "<b>要求</b>" in card.inner_text()  # shown as text, not markup
    shot(page, "staff-review-queue")
    card.get_by_role("button", name="批准", exact=True).click()
    dialog = page.locator("dialog#confirm-dialog")
    assert "联系方式" in dialog.inner_text()
    dialog.get_by_role("button", name="确认批准").click()
    page.wait_for_load_state()
    assert "已批准该匹配" in page.locator(".flash").inner_text()

    page.goto("/staff/pipeline")
    shot(page, "staff-pipeline-board")
    page.locator(f"a.board-card[href='/staff/pipeline/{mid}']").click()
    page.wait_for_load_state()
    page.select_option("select[name=to_status]", "contracted")
    page.fill("input[name=amount_wan]", "-5")
    page.fill("input[name=signed_on]", "2022-05-20")
    page.select_option("select[name=contract_type]", "技术开发")
    page.get_by_role("button", name="保存进展").click()
    page.wait_for_load_state()
    assert "合同金额必须大于 0 万元" in page.locator(".field-error").first.inner_text()
    shot(page, "staff-pipeline-contract-error")
    page.fill("input[name=amount_wan]", "368.00")
    page.get_by_role("button", name="保存进展").click()
    page.wait_for_load_state()
    assert "撮合进展已更新" in page.locator(".flash").inner_text()
    assert "368.00 万元" in page.locator(".contract").inner_text()
    shot(page, "staff-pipeline-contracted")

    page.goto(f"/staff/portraits/{arranged['ent_id']}")
    contracts = page.locator("#contracts").inner_text()
    assert "368.00" in contracts and "技术开发" in contracts and "2022-05-20" in contracts
    assert "创新能力评分" in page.inner_text("main")
    shot(page, "staff-portrait")

    page.goto("/staff/audit?actor=浏览器专员")
    assert "登记合同" in page.inner_text("table.audit") and "批准匹配" in page.inner_text("table.audit")
    shot(page, "staff-audit")
    page.goto("/staff/feedback")
    shot(page, "staff-feedback")

    page.set_viewport_size({"width": 390, "height": 844})
    for url, name in (("/staff/review", "staff-review-phone"), ("/staff/pipeline", "staff-pipeline-phone"),
                      (f"/staff/portraits/{arranged['ent_id']}", "staff-portrait-phone")):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (url, overflow)
        shot(page, name)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-top.png"))  # the first screen, as a phone shows it
