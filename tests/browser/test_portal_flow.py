"""Register, post a need, see highlighted recommendations, express interest, read the push."""

from __future__ import annotations

import random

import pytest

from models.credit_code import make_credit_code
from tests.browser.conftest import shot

pytestmark = pytest.mark.browser


def _register(page, *, kind: str, name: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/register")
    page.fill("#f-name", name)
    page.fill("#f-credit_code", make_credit_code("120105", random.randint(10**6, 10**8)))
    page.select_option("#f-kind", kind)
    page.fill("#f-contact_name", "王工")
    page.fill("#f-contact_phone", "022-26001234")
    page.fill("#f-username", username)
    page.fill("#f-password", "Browser-2022")
    page.fill("#f-password_confirm", "Browser-2022")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()


def test_register_post_need_interest_and_push(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    suffix = random.randint(1000, 9999)
    prov_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server)
    ent_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server)
    prov, ent = prov_ctx.new_page(), ent_ctx.new_page()
    try:
        # A provider registers and posts an offer.
        _register(prov, kind="research_institute", name=f"示例视觉技术研究院{suffix}", username=f"prov{suffix}")
        assert prov.url.endswith("/provider?welcome=1")
        prov.goto("/provider/offers/new")
        prov.fill("#f-title", "AI视觉缺陷检测解决方案")
        prov.fill("#f-description", "提供基于深度学习的工业视觉检测系统，适用于零部件表面缺陷检测，已在汽车零部件企业落地")
        prov.select_option("#f-category", "技术攻关")
        prov.click("form.form button[type=submit]")
        prov.wait_for_load_state()
        assert "/provider/offers/" in prov.url

        # An enterprise registers and posts a need: it is stored at once and the page shows
        # the recommendations when background matching is done (it refreshes itself).
        _register(ent, kind="enterprise", name=f"示例精密机械有限公司{suffix}", username=f"ent{suffix}")
        shot(ent, "portal_enterprise_home")
        ent.goto("/enterprise/needs/new")
        shot(ent, "portal_need_form")
        ent.fill("#f-title", "零部件表面缺陷视觉检测技术攻关")
        ent.fill("#f-description", "我公司生产精密零部件，需要AI视觉检测方案替代人工目检，识别划痕、裂纹等表面缺陷。")
        ent.select_option("#f-category", "技术攻关")
        ent.fill("#f-budget_wan", "80")
        ent.click("form.form button[type=submit]")
        ent.wait_for_load_state()
        assert "posted=1" in ent.url
        card = ent.locator("article.rec").filter(has_text="AI视觉缺陷检测解决方案").first
        card.wait_for(state="visible", timeout=10_000)
        assert card.locator("mark.hl").count() > 0
        assert f"示例视觉技术研究院{suffix}" not in ent.content()  # anonymous until approval
        shot(ent, "portal_need_recommendations")

        # Express interest in it.
        card.get_by_role("button", name="表达合作意向").click()
        ent.wait_for_load_state()
        assert "done=interest" in ent.url
        assert ent.get_by_text("您已表达合作意向").is_visible()
        shot(ent, "portal_match_detail")

        # The provider reads the push.
        prov.goto("/inbox")
        assert prov.locator(".nav-count").first.inner_text().strip() != ""
        shot(prov, "portal_provider_inbox")
        prov.locator("article.note.unread").first.get_by_role("button").click()
        prov.wait_for_load_state()
        assert "/provider/matches/" in prov.url  # the push opens the recommendation itself
        assert prov.locator("mark.hl").count() > 0
        assert f"示例精密机械有限公司{suffix}" not in prov.content()
        shot(prov, "portal_provider_offer_recommended_needs")

        # Phone width.
        for pg in (ent, prov):
            pg.set_viewport_size({"width": 390, "height": 844})
        ent.goto(ent.url)
        shot(ent, "portal_phone_match_detail")
        prov.reload()
        shot(prov, "portal_phone_offer")
        ent.goto("/enterprise/needs")
        shot(ent, "portal_phone_need_list")
        width = ent.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"page scrolls sideways on a phone ({width}px)"
    finally:
        prov_ctx.close()
        ent_ctx.close()
