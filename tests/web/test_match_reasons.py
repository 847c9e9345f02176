"""One macro shows why a match was proposed: the portals without weights, the staff pages with them."""

from __future__ import annotations

from types import SimpleNamespace

from web.presentation.templates import make_templates
from web.presentation.times import DEFAULT_TIME_ZONE, local_zone

_ENV = make_templates(local_zone(DEFAULT_TIME_ZONE)).env
_SIGNALS = [("category", "类别相同", 0.1), ("clip", "封顶", -0.02), ("credit_bad", "信用差", -0.05)]


def _render(terms: list[str], signals: list[tuple[str, str, float]], **params: bool) -> str:
    template = _ENV.from_string('{% from "macros/matches.html" import reasons %}{{ reasons(v, **params) }}')
    return template.render(v=SimpleNamespace(terms=terms, signals=signals), params=params)


def test_portal_reasons_colour_the_signals_and_hide_weights_and_the_cap() -> None:
    html = _render(["视觉"], _SIGNALS)
    assert '<mark class="hl term">视觉</mark>' in html
    assert '<span class="badge ok signal">类别相同</span>' in html and '<span class="badge bad signal">信用差</span>' in html
    assert "封顶" not in html and "+0.10" not in html and "其他因素" not in html
    assert "共同关键词" not in _render([], [])


def test_staff_reasons_show_every_signal_with_its_weight() -> None:
    html = _render(["视觉"], _SIGNALS, weights=True)
    assert "<mark>视觉</mark>" in html and "其他因素：" in html
    assert "类别相同（+0.10）" in html and "封顶（-0.02）" in html and "信用差（-0.05）" in html
    assert '共同关键词：</span><span class="muted">无</span>' in _render([], [], weights=True)
