"""Small SVG chart builders, drawn on the server: no script, no CDN, print-friendly.

Each chart is an ``<svg role="img">`` with a <title> and <desc>; the page puts a table of
the same numbers beside it. Colours differ in lightness too, so a grey printout still
tells the series apart, and every bar carries its value as text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup, escape

from web.presentation.figures import figure, percent_of
from web.presentation.figures import plain as fmt

OFFICIAL_COLOUR = "#1f5fbf"  # 官方统计: dark blue
PLATFORM_COLOUR = "#8cc796"  # 平台统计: light green
TARGET_COLOUR = "#b3261e"  # 目标: the platform's red, dashed
FONT = 'font-family="PingFang SC, Microsoft YaHei, Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"'

Number = Decimal | int | float


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: Sequence[Number | None]  # one per category; None = no figure
    notes: Sequence[str] = ()  # optional short mark per category (e.g. "示例")


def value_label(value: Number) -> str:
    """A bar's printed value: at most two decimals (the table beside it has the exact figure)."""
    d = Decimal(str(value))
    return fmt(d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) if d.as_tuple().exponent < -2 else fmt(d)  # type: ignore[operator]


HALO = 'paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round"'


def nice_ceiling(value: float) -> float:
    """The next 'round' axis maximum at or above value (1, 1.2, 1.5, 2 … × 10^n)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * magnitude >= value - 1e-12:
            return step * magnitude
    return 10 * magnitude


def nice_axis(value: float, ticks: int = 4) -> tuple[float, float]:
    """(axis maximum, tick step) with a step of 1, 2 or 5 × 10^n and at most ``ticks`` steps."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(s * magnitude for s in (1, 2, 2.5, 5, 10) if s * magnitude >= raw - 1e-12)
    return math.ceil(value / step - 1e-9) * step, step


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" {FONT} font-size="12">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def _legend(items: Sequence[tuple[str, str, str]], x: float, y: float) -> list[str]:
    """items: (label, colour, kind) with kind 'bar' or 'line'."""
    out = []
    for label, colour, kind in items:
        if kind == "line":
            out.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" stroke="{colour}" '
                       'stroke-width="2" stroke-dasharray="5 3"/>'
                       f'<circle cx="{x + 9}" cy="{y - 4}" r="3" fill="{colour}"/>')
        else:
            out.append(f'<rect class="legend" x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}" '
                       'stroke="#333" stroke-width="0.5"/>')
        out.append(f'<text x="{x + 22}" y="{y}">{escape(label)}</text>')
        x += 30 + 13 * len(label)
    return out


def column_chart(
    chart_id: str, *, title: str, desc: str, categories: Sequence[str], series: Sequence[Series],
    unit: str = "", line: Series | None = None, width: int = 0, height: int = 240,
) -> Markup:
    """Vertical grouped bars per category, with an optional line (e.g. the yearly target)."""
    n_cat, n_ser = max(len(categories), 1), max(len(series), 1)
    left, right, top, bottom = 44, 12, 34, 28
    width = width or max(320, left + right + n_cat * (n_ser * 24 + 28))
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v) for s in [*series, *([line] if line else [])] for v in s.values if v is not None]
    y_max, y_step = nice_axis(max(values, default=0) * 1.1)

    def y_of(v: float) -> float:
        return round(top + plot_h - v / y_max * plot_h, 2)

    out = _open(chart_id, width, height, title, desc)
    legend = [(s.label, s.colour, "bar") for s in series] + ([(line.label, line.colour, "line")] if line else [])
    out += _legend(legend, left, 16)
    for i in range(round(y_max / y_step) + 1):  # grid and axis labels
        v = y_step * i
        y = y_of(v)
        out.append(f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="#dee0e3" stroke-width="1"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="#646a73">{fmt(round(v, 4))}</text>')
    if unit:
        out.append(f'<text x="4" y="{top - 8}" fill="#646a73">{escape(unit)}</text>')
    band = plot_w / n_cat
    bar_w = min(28.0, (band - 16) / n_ser)
    centres = []
    for ci, cat in enumerate(categories):
        x0 = left + ci * band
        centres.append(x0 + band / 2)
        out.append(f'<text x="{x0 + band / 2:.2f}" y="{height - 8}" text-anchor="middle">{escape(cat)}</text>')
        start = x0 + (band - bar_w * n_ser) / 2
        for si, s in enumerate(series):
            v = s.values[ci] if ci < len(s.values) else None
            x = start + si * bar_w
            if v is None:
                out.append(f'<text x="{x + bar_w / 2:.2f}" y="{top + plot_h - 4}" text-anchor="middle" '
                           'font-size="10" fill="#8a9099">无</text>')
                continue
            y = min(y_of(float(v)), top + plot_h - 1)  # a zero still shows as a hairline
            note = s.notes[ci] if ci < len(s.notes) else ""
            dash = ' stroke-dasharray="3 2" stroke="#7a4b00" stroke-width="1"' if note else ""
            out.append(f'<rect class="bar" x="{x + 1:.2f}" y="{y}" width="{bar_w - 2:.2f}" '
                       f'height="{top + plot_h - y:.2f}" fill="{s.colour}"{dash}>'
                       f'<title>{escape(s.label)} {escape(cat)}：{escape(figure(v, unit))}{escape(" " + note if note else "")}</title></rect>')
            out.append(f'<text x="{x + bar_w / 2:.2f}" y="{y - 3}" text-anchor="middle" font-size="10" {HALO}>'
                       f'{value_label(v)}{escape(note and "*")}</text>')
    if line is not None:
        points = [(cx, y_of(float(v))) for cx, v in zip(centres, line.values, strict=False) if v is not None]
        if points:
            out.append(f'<polyline class="target" fill="none" stroke="{line.colour}" stroke-width="2" '
                       f'stroke-dasharray="6 3" points="{" ".join(f"{x:.2f},{y}" for x, y in points)}"/>')
            for (x, y), v in zip(points, [v for v in line.values if v is not None], strict=False):
                out.append(f'<circle cx="{x:.2f}" cy="{y}" r="3.5" fill="{line.colour}"/>')
                out.append(f'<text x="{x + 6:.2f}" y="{y - 6}" fill="{line.colour}" font-size="10" {HALO}>'
                           f'{fmt(v)}</text>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#646a73"/>')
    out.append("</svg>")
    return Markup("".join(out))


def bar_chart(
    chart_id: str, *, title: str, desc: str, labels: Sequence[str], series: Sequence[Series],
    suffix: str = "", marker: float | None = None, marker_label: str = "", cap: float | None = None,
    width: int = 440,
) -> Markup:
    """Horizontal bars, one group per label (the label sits above its bars, to fit phones).

    ``marker`` draws a vertical reference line (e.g. 100% = the 2022 goal); ``cap`` clips
    longer bars and marks them with an arrow.
    """
    row_h = 22 + 16 * len(series)
    top = 30
    height = top + row_h * len(labels) + 8
    left, right = 8, 76
    plot_w = width - left - right
    values = [float(v) for s in series for v in s.values if v is not None]
    x_max = nice_ceiling(max([*values, marker or 0], default=0) * 1.05)
    if cap is not None:
        x_max = min(x_max, cap)

    def w_of(v: float) -> float:
        return round(min(v, x_max) / x_max * plot_w, 2)

    out = _open(chart_id, width, height, title, desc)
    out += _legend([(s.label, s.colour, "bar") for s in series], left, 16)
    for li, label in enumerate(labels):
        y0 = top + li * row_h
        out.append(f'<text x="{left}" y="{y0 + 14}" font-weight="600">{escape(label)}</text>')
        for si, s in enumerate(series):
            v = s.values[li] if li < len(s.values) else None
            y = y0 + 20 + si * 16
            if v is None:
                out.append(f'<text x="{left}" y="{y + 11}" font-size="10" fill="#8a9099">{escape(s.label)}：无数据</text>')
                continue
            w = max(w_of(float(v)), 1.5)
            note = s.notes[li] if li < len(s.notes) else ""
            dash = ' stroke-dasharray="3 2" stroke="#7a4b00" stroke-width="1"' if note else ""
            out.append(f'<rect class="bar" x="{left}" y="{y}" width="{w}" height="13" fill="{s.colour}"{dash}>'
                       f'<title>{escape(label)} {escape(s.label)}：{fmt(v)}{escape(suffix)}{escape(" " + note if note else "")}</title></rect>')
            clipped = "▶" if float(v) > x_max else ""
            out.append(f'<text x="{left + w + 4}" y="{y + 11}" font-size="11">{value_label(v)}{escape(suffix)}{clipped}'
                       f'{escape(" " + note if note else "")}</text>')
    if marker is not None:
        x = left + w_of(marker)
        out.append(f'<line class="marker" x1="{x}" y1="{top}" x2="{x}" y2="{height - 4}" stroke="{TARGET_COLOUR}" '
                   'stroke-width="1.5" stroke-dasharray="4 3"/>')
        if marker_label:
            out.append(f'<text x="{x - 4}" y="{top - 2}" text-anchor="end" font-size="10" fill="{TARGET_COLOUR}">'
                       f'{escape(marker_label)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


# --- the dashboard's charts ---------------------------------------------------------


def indicator_chart(view) -> Markup:  # type: ignore[no-untyped-def]
    """Target line against official (and platform-counted) bars, 2020–2022."""
    years = [str(r.year) for r in view.years]
    series = [Series("官方统计", OFFICIAL_COLOUR, [r.official.value if r.official else None for r in view.years],
                     ["示例" if r.official and r.official.is_sample else "" for r in view.years])]
    if view.platform_counted:
        series.append(Series("平台统计", PLATFORM_COLOUR, [r.platform for r in view.years]))
    target = Series("年度目标", TARGET_COLOUR, [r.target for r in view.years])
    parts = []
    for r in view.years:
        off = f"官方{figure(r.official.value, view.unit)}" if r.official else "官方无数据"
        plat = f"，平台{figure(r.platform, view.unit)}" if r.platform is not None else ""
        parts.append(f"{r.year}年目标{figure(r.target, view.unit) if r.target is not None else '无'}，{off}{plat}")
    return column_chart(
        f"chart-{view.number}", title=f"{view.name}：年度目标与实际值（{view.unit}）",
        desc="；".join(parts) + "。带*者为示例数据。", categories=years, series=series,
        unit=view.unit, line=target, width=340, height=230)


def overview_chart(views) -> Markup:  # type: ignore[no-untyped-def]
    """All seven indicators as progress toward the plan's 2022 goal (latest figure ÷ 2022 target)."""
    official, official_notes, platform = [], [], []
    for v in views:
        goal = v.goal_target
        latest = v.latest_official
        official.append(percent_of(latest[1].value, goal) if latest and goal else None)
        official_notes.append("示例" if latest and latest[1].is_sample else "")
        plat = v.latest_platform if v.platform_counted else None
        platform.append(percent_of(plat[1], goal) if plat and goal else None)
    series = [Series("官方统计", OFFICIAL_COLOUR, official, official_notes),
              Series("平台统计", PLATFORM_COLOUR, platform)]
    labels = [f"{v.number}. {v.name}" for v in views]
    desc = "；".join(f"{lab}：官方{fmt(o)}%" if o is not None else f"{lab}：官方无数据"
                     for lab, o in zip(labels, series[0].values, strict=True))
    return bar_chart("chart-overview", title="七项指标完成情况：最新实际值占2022年目标的百分比",
                     desc=desc, labels=labels, series=series, suffix="%", marker=100,
                     marker_label="2022年目标", cap=150, width=380)


def monthly_chart(months) -> Markup:  # type: ignore[no-untyped-def]
    """Needs and offers posted per month."""
    return column_chart(
        "chart-monthly", title="每月发布的需求与服务数量",
        desc="；".join(f"{m.month}：需求{m.needs}条，服务{m.offers}条" for m in months) or "暂无数据",
        categories=[m.month[2:] for m in months],
        series=[Series("需求", OFFICIAL_COLOUR, [m.needs for m in months]),
                Series("服务", PLATFORM_COLOUR, [m.offers for m in months])], unit="条")


def funnel_chart(rows) -> Markup:  # type: ignore[no-untyped-def]
    """Proposed -> approved -> contracted, by category."""
    return bar_chart(
        "chart-funnel", title="撮合漏斗：推荐 → 批准 → 签约（按需求类别）",
        desc="；".join(f"{r.category}：推荐{r.proposed}，批准{r.approved}，签约{r.contracted}" for r in rows)
        or "暂无数据",
        labels=[r.category for r in rows],
        series=[Series("推荐", "#c7d7f0", [r.proposed for r in rows]),
                Series("批准", OFFICIAL_COLOUR, [r.approved for r in rows]),
                Series("签约", "#0b2e66", [r.contracted for r in rows])], suffix="")


def amount_chart(rows) -> Markup:  # type: ignore[no-untyped-def]
    """Contract amount through the platform by category (万元)."""
    return bar_chart(
        "chart-amounts", title="平台撮合技术合同金额（按需求类别，万元）",
        desc="；".join(f"{r.category}：{r.contracts}份，{fmt(r.amount_wan)}万元" for r in rows) or "暂无数据",
        labels=[r.category for r in rows],
        series=[Series("合同金额", OFFICIAL_COLOUR, [r.amount_wan for r in rows])], suffix="万元")
