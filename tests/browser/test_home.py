"""The landing page renders in Chromium with the project's own CSS and no external requests."""

from __future__ import annotations

from tests.browser.conftest import shot


def test_home_renders_offline(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server) else None)
    page.goto("/")
    assert page.locator("h1").first.inner_text() == "河北区智慧政企服务平台"
    # The stylesheet applied: the header is the platform's red, not the browser default.
    bg = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert bg == "rgb(179, 38, 30)"
    assert external == []
    shot(page, "home")
