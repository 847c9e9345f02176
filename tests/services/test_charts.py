"""Server-drawn SVG charts: well-formed, accessible, one bar per figure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from web.presentation.charts import Series, bar_chart, column_chart, fmt, nice_axis, nice_ceiling

NS = {"s": "http://www.w3.org/2000/svg"}


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_column_chart_draws_a_bar_per_value_and_the_target_line() -> None:
    svg = column_chart("c1", title="研发投入 <强度>", desc="说明", categories=["2020", "2021", "2022"],
                       series=[Series("官方统计", "#000", [Decimal("1.1"), None, Decimal("1.3")], ["", "", "示例"]),
                               Series("平台统计", "#888", [0, 1, 2])],
                       line=Series("年度目标", "#f00", [Decimal("1.1"), Decimal("1.2"), Decimal("1.3")]), unit="%")
    root = _parse(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find("s:title", NS).text == "研发投入 <强度>"  # escaped in the markup, intact when parsed
    bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "bar"]
    assert len(bars) == 5  # one figure missing
    assert all(float(b.get("height")) >= 1 for b in bars)  # a zero still shows
    assert root.find("s:polyline", NS).get("points").count(",") == 3
    texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "1.3*" in texts and "无" in texts


def test_bar_chart_caps_long_bars_and_marks_the_goal() -> None:
    svg = bar_chart("c2", title="进度", desc="d", labels=["甲", "乙"],
                    series=[Series("官方", "#000", [Decimal("250"), Decimal("50")])], suffix="%",
                    marker=100, marker_label="目标", cap=150)
    root = _parse(svg)
    bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "bar"]
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] > widths[1] and widths[0] <= 440
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "250%▶" in texts
    assert root.find("s:line[@class='marker']", NS) is not None


@pytest.mark.parametrize(("value", "expected"), [(0, 1.0), (0.9, 1.0), (1.43, 1.5), (9.5, 10), (132, 150), (1221, 1500)])
def test_nice_ceiling(value: float, expected: float) -> None:
    assert nice_ceiling(value) == pytest.approx(expected)


def test_fmt_has_no_exponent_or_trailing_zeros() -> None:
    assert [fmt(Decimal("1E+3")), fmt(Decimal("1.2300")), fmt(20), fmt(0.5)] == ["1000", "1.23", "20", "0.5"]


@pytest.mark.parametrize(("value", "axis"), [(145.2, (150, 50)), (1.43, (1.5, 0.5)), (22, (30, 10)), (3.3, (4, 1))])
def test_nice_axis_has_round_ticks(value: float, axis: tuple[float, float]) -> None:
    assert nice_axis(value) == pytest.approx(axis)
