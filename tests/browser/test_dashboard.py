"""The dashboard in Chromium: the SVG charts drew, each beside its table; print and phone views."""

from __future__ import annotations

from tests.browser.conftest import login_as, shot

CHART_COUNTS = """() => Array.from(document.querySelectorAll('svg.chart')).map(svg => ({
  id: svg.id,
  bars: svg.querySelectorAll('rect.bar').length,
  width: svg.getBoundingClientRect().width,
  table: !!svg.closest('.chart-pair') && !!svg.closest('.chart-pair').querySelector('table'),
}))"""


def test_official_dashboard_charts_draw_offline(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server) else None)
    login_as(page, "demo-official")
    page.goto("/dashboard")
    assert page.locator("h1").first.inner_text() == "科技创新三年行动计划指标看板"
    charts = page.evaluate(CHART_COUNTS)
    assert [c["id"] for c in charts] == ["chart-overview", *(f"chart-{n}" for n in range(1, 8))]
    for c in charts:
        assert c["bars"] > 0, c
        assert c["table"], c
        assert c["width"] > 200, c
    assert page.locator("text=状态判定规则").count() >= 1
    assert page.locator(".badge.sample").count() > 0  # demo figures are marked 示例数据
    assert page.locator("form[method=post][action^='/dashboard']").count() == 0  # officials change nothing
    assert external == []
    shot(page, "dashboard")

    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.dash-tabs')).display") == "none"
    assert page.evaluate(CHART_COUNTS)[0]["width"] > 200
    shot(page, "dashboard-print")
    page.emulate_media(media="screen")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/dashboard")
    narrow = page.evaluate(CHART_COUNTS)
    assert all(0 < c["width"] <= 390 for c in narrow), narrow
    # Nothing but the scrollable tables is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shot(page, "dashboard-phone")


def test_operations_and_drilldown(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    login_as(page, "demo-official")
    page.goto("/dashboard/operations")
    charts = page.evaluate(CHART_COUNTS)
    assert [c["id"] for c in charts] == ["chart-monthly", "chart-funnel", "chart-amounts"]
    assert all(c["table"] for c in charts)
    assert charts[0]["bars"] > 0
    shot(page, "dashboard-operations")
    page.goto("/dashboard/indicators/7/platform?year=2022")
    assert "平台统计明细" in page.locator("h1").inner_text()
    shot(page, "dashboard-contracts")


def test_staff_enters_a_figure(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    login_as(page, "demo-staff")
    page.goto("/dashboard/entry")
    page.select_option("select[name=number]", "2")
    page.select_option("select[name=year]", "2022")
    page.fill("input[name=value]", "1123")
    page.fill("input[name=source]", "区市场监管局（知识产权）统计")
    page.click("form[action$='/dashboard/actuals'] button[type=submit]")
    page.wait_for_load_state()
    assert "已录入该指标数值" in page.locator(".flash").inner_text()
    shot(page, "dashboard-entry")
    page.goto("/dashboard/indicators/2")
    assert "1123" in page.locator("main").inner_text()
