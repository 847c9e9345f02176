"""Confirmation dialogs (and the page that works without JavaScript), the review queue on a
phone, and the pages changed for issue 11 at desk and phone widths, with screenshots."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SCREENSHOTS, login_as, shot

pytestmark = pytest.mark.browser
DESK, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


def _no_overflow(page) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, (page.url, overflow)


def test_approving_asks_in_a_dialog_and_cancel_changes_nothing(page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(DESK)
    login_as(page, "demo-staff")
    page.goto("/staff/review")
    first = page.locator("article.match-card").first
    mid = first.get_attribute("id")
    first.get_by_role("button", name="批准", exact=True).click()
    dialog = page.locator("dialog#confirm-dialog")
    assert dialog.is_visible() and "联系方式" in dialog.inner_text()
    shot(page, "confirm-dialog-desk")
    dialog.get_by_role("button", name="取消").click()
    assert not dialog.is_visible()
    page.reload()
    assert page.locator(f"#{mid}").count() == 1  # still waiting in the queue
    page.set_viewport_size(PHONE)
    page.locator(f"#{mid}").get_by_role("button", name="批准", exact=True).click()
    assert dialog.is_visible()
    _no_overflow(page)
    page.screenshot(path=str(SCREENSHOTS / "confirm-dialog-phone.png"))
    dialog.get_by_role("button", name="确认批准").click()
    page.wait_for_load_state()
    assert "已批准该匹配" in page.locator(".flash").inner_text()
    assert page.locator(f"#{mid}").count() == 0


def test_without_javascript_a_page_asks(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport=DESK, base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        login_as(page, "demo-admin")
        page.goto("/admin/users?role=official")
        page.get_by_role("link", name="管理", exact=True).first.click()  # the account's page holds its actions
        page.wait_for_load_state()
        page.get_by_role("button", name="停用账号").click()
        page.wait_for_load_state()
        assert "请确认：停用账号" in page.inner_text("h1")
        shot(page, "confirm-page-desk")
        page.set_viewport_size(PHONE)
        _no_overflow(page)
        shot(page, "confirm-page-phone")
        page.get_by_role("button", name="确认停用").click()
        page.wait_for_load_state()
        assert "已停用账号" in page.locator(".flash").inner_text()
    finally:
        context.close()


def test_the_queue_on_a_phone_is_compact_and_selects_a_page(page) -> None:  # type: ignore[no-untyped-def]
    login_as(page, "demo-staff")
    page.set_viewport_size(DESK)
    page.goto("/staff/review")
    shot(page, "review-queue-desk")
    desk_height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size(PHONE)
    page.goto("/staff/review")
    _no_overflow(page)
    cards = page.locator("article.match-card")
    n = cards.count()
    assert n == 20
    height = page.evaluate("document.documentElement.scrollHeight")
    page.locator("article.match-card").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "review-queue-phone-cards.png"))
    assert height < 7800, height  # compact rows (measured 7430 px for 20, with the filters above them)
    assert not cards.first.locator(".posting-text").first.is_visible()  # full texts on the detail page
    shot(page, "review-queue-phone")
    page.screenshot(path=str(SCREENSHOTS / "review-queue-phone-top.png"))
    box = page.locator("#select-all")
    assert box.is_visible()
    box.check()
    assert page.locator("input[name=match_ids]:checked").count() == n
    page.locator("input[name=match_ids]").first.uncheck()
    assert not box.is_checked()
    # Paging keeps the filters.
    page.goto("/staff/review?min_score=0.2")
    page.get_by_role("link", name="下一页").click()
    page.wait_for_load_state()
    assert re.search(r"min_score=0\.2", page.url) and "page=2" in page.url
    print(f"queue height: desk {desk_height}px, phone {height}px for {n} items")


@pytest.mark.parametrize(("user", "paths"), [
    ("demo-enterprise", ["/enterprise/matches?status=contracted", "/inbox"]),
    ("demo-staff", ["/staff/pipeline", "/staff/audit", "/staff/portraits"]),
])
def test_changed_pages_at_desk_and_phone_widths(page, user: str, paths: list[str]) -> None:  # type: ignore[no-untyped-def]
    login_as(page, user)
    for path in paths:
        for size, tag in ((DESK, "desk"), (PHONE, "phone")):
            page.set_viewport_size(size)
            page.goto(path)
            _no_overflow(page)
            name = re.sub(r"[^a-z]+", "-", path.strip("/"))
            shot(page, f"i11-{name}-{tag}")
    if user == "demo-enterprise":  # a contracted match: the contract and the steps, the rating form
        page.goto("/enterprise/matches?status=contracted")
        link = page.locator("a[href^='/enterprise/matches/']").first
        if link.count():
            link.click()
            page.wait_for_load_state()
            assert "双方已签订技术合同" in page.inner_text("main") and "撮合进展" in page.inner_text("main")
            for size, tag in ((DESK, "desk"), (PHONE, "phone")):
                page.set_viewport_size(size)
                _no_overflow(page)
                shot(page, f"i11-contracted-match-{tag}")
    else:
        page.goto("/staff/pipeline")
        page.locator("a.board-card").first.click()
        page.wait_for_load_state()
        for size, tag in ((DESK, "desk"), (PHONE, "phone")):
            page.set_viewport_size(size)
            _no_overflow(page)
            shot(page, f"i11-pipeline-detail-{tag}")
        page.goto("/staff/portraits")
        page.locator("a[href^='/staff/portraits/']").first.click()
        page.wait_for_load_state()
        page.goto(page.url + "/edit")
        for size, tag in ((DESK, "desk"), (PHONE, "phone")):
            page.set_viewport_size(size)
            _no_overflow(page)
            shot(page, f"i11-portrait-edit-{tag}")
