"""个人中心 and 用户管理 in a real browser at desktop (1366 px) and phone (390 px) widths."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DEMO_PASSWORD, login_as, shot

pytestmark = pytest.mark.browser
NEW_PASSWORD = "Haihe-bridge-2026"
WIDTHS = {"desktop": 1366, "phone": 390}


def _context(browser, live_server: str, width: int):  # type: ignore[no-untyped-def]
    return browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900}, base_url=live_server)


def _no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    # Wide tables scroll inside their card; the page itself must not.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("device", list(WIDTHS))
def test_account_center_and_password_change(browser, live_server, device: str) -> None:  # type: ignore[no-untyped-def]
    ctx = _context(browser, live_server, WIDTHS[device])
    page = ctx.new_page()
    try:
        login_as(page, "demo-enterprise")
        page.click("a.nav-user")
        page.wait_for_load_state()
        assert page.url.endswith("/account")
        assert page.locator("h1").inner_text() == "个人中心"
        assert page.get_by_text("最近登录记录").is_visible()
        assert page.locator("table.list tbody tr").first.inner_text().find("成功") >= 0
        _no_horizontal_scroll(page)
        shot(page, f"account_center_{device}")
        page.click("text=修改密码")
        page.fill("#f-old_password", "not-my-password-1")
        page.fill("#f-new_password", NEW_PASSWORD)
        page.fill("#f-confirm", NEW_PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(".field-error").first.inner_text() == "原密码不正确"
        shot(page, f"account_password_error_{device}")
        page.fill("#f-old_password", DEMO_PASSWORD)
        page.fill("#f-new_password", NEW_PASSWORD)
        page.fill("#f-confirm", NEW_PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_load_state()
        assert page.url.endswith("/account?changed=1")
        assert page.get_by_text("其他设备上的登录已全部退出").is_visible()
    finally:
        ctx.close()


@pytest.mark.parametrize("device", list(WIDTHS))
def test_user_admin_search_reset_and_forced_change(browser, live_server, device: str) -> None:  # type: ignore[no-untyped-def]
    admin_ctx = _context(browser, live_server, WIDTHS[device])
    user_ctx = _context(browser, live_server, WIDTHS[device])
    admin, staff = admin_ctx.new_page(), user_ctx.new_page()
    try:
        login_as(staff, "demo-staff")
        assert "/staff/review" in staff.url
        login_as(admin, "demo-admin")
        assert admin.url.endswith("/admin/users")
        _no_horizontal_scroll(admin)
        shot(admin, f"admin_users_{device}")
        admin.fill("input[name=q]", "demo-staff")
        admin.click("form.filters button[type=submit]")
        admin.wait_for_load_state()
        rows = admin.locator("table.users tbody tr")
        assert rows.count() == 1 and "服务专员" in rows.first.inner_text()
        rows.first.locator("a").first.click()
        admin.wait_for_load_state()
        assert "在线会话（1）" in admin.content()
        admin.click("text=重置密码")
        # Irreversible (the old password stops working): the platform's dialog asks first.
        with admin.expect_navigation():
            admin.locator("dialog#confirm-dialog").get_by_role("button", name="确认重置").click()
        admin.wait_for_load_state()
        otp = admin.locator("code.otp-code").inner_text()
        assert len(otp) == 12
        _no_horizontal_scroll(admin)
        shot(admin, f"admin_user_reset_{device}")

        # The staff member's open session ended at once; the one-time password forces a change.
        staff.goto("/staff/review")
        assert "/login" in staff.url
        login_as(staff, "demo-staff", otp)
        assert staff.url.endswith("/account/password")
        assert staff.get_by_text("请先设置自己的新密码").is_visible()
        shot(staff, f"account_forced_change_{device}")
        staff.fill("#f-old_password", otp)
        staff.fill("#f-new_password", NEW_PASSWORD)
        staff.fill("#f-confirm", NEW_PASSWORD)
        staff.click("form.form button[type=submit]")
        staff.wait_for_load_state()
        assert staff.url.endswith("/account?changed=1")
        staff.goto("/staff/review")
        assert staff.url.endswith("/staff/review")

        admin.goto("/admin/sessions")
        assert admin.locator("table.list tbody tr").count() >= 2
        shot(admin, f"admin_sessions_{device}")
    finally:
        admin_ctx.close()
        user_ctx.close()
