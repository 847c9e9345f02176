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


def test_api_docs_render_offline(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server) else None)
    page.goto("/api/docs")
    # Swagger UI ran (its script came from this host) and read the platform's OpenAPI.
    page.wait_for_selector(".swagger-ui .info .title", timeout=60_000)  # a 1.5 MB bundle on a busy machine
    assert "河北区智慧政企服务平台 API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 10
    assert external == []
    shot(page, "api-docs")
