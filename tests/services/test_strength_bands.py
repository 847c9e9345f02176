"""Match strength bands: calibrated on the labelled sets, and honest about what they mean."""

from __future__ import annotations

import json

from matcher.calibration import scored_pairs
from matcher.heldout import load_set
from web.services.matches import strength
from web.services.matching.index import MatchPolicy


def test_shipped_bands_are_what_the_calibration_gives_today() -> None:
    # Fails when the engine, the dictionary or the labelled data change without
    # `zhengqi calibrate-bands --write` (then the page would state stale shares).
    shipped = json.loads(strength.BANDS_FILE.read_text(encoding="utf-8"))
    assert strength.same_bands(strength.calibrate(), shipped)


def test_a_higher_band_is_right_more_often_on_held_out_needs() -> None:
    bands = strength.STRENGTH_BANDS
    assert [b.floor for b in bands] == sorted((b.floor for b in bands), reverse=True)
    assert bands[-1].floor == 0.0
    shares = [b.share for b in bands]
    assert shares == sorted(shares, reverse=True) and shares[0] >= 0.8
    assert all(b.pairs >= 20 for b in bands)


def test_right_answers_for_plain_needs_read_as_strong() -> None:
    # Before calibration the right answer of a plain need mostly read 可能相关 or 相关度较低.
    gs = load_set("labelled")
    shown = [(s, g) for s, g in scored_pairs(gs, "test") if s >= MatchPolicy().threshold]
    right = [s for s, g in shown if g > 0]
    top = strength.STRENGTH_BANDS[0]
    assert sum(s >= top.floor for s in right) / len(right) >= 0.5


def test_every_score_has_one_band_with_a_meaning() -> None:
    for score in (0.0, 0.15, 0.2, 0.27, 0.5, 1.0):
        band = strength.strength_band(score)
        assert score >= band.floor and "%" in band.meaning
