"""Match strength (匹配强度): the bands a score is read as, calibrated on labelled data.

The floors and what each band means come from ``strength_bands.json`` beside this
module, written by ``zhengqi calibrate-bands --write``: floors chosen on the *tune*
needs of the two labelled sets in ``seed_data/`` (:mod:`matcher.calibration`), and
each band's share of relevant matches measured on their *test* needs, which the
floors never saw. That held-out share is what the page tells people a band means.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from web.presentation.times import default_today

BANDS_FILE = Path(__file__).with_name("strength_bands.json")
LABELLED_SETS = ("labelled", "labelled-hard")

# A band's name says how often it is right; the calibration keeps only bands that reach their target.
NAMES: dict[float, tuple[str, str]] = {  # target share -> (label, badge)
    0.9: ("高度匹配", "ok"),
    0.7: ("较为匹配", "info"),
    0.4: ("可能相关", "warn"),
    0.0: ("相关度较低", "muted"),  # grey: shown, but not as a warning
}


@dataclass(frozen=True)
class StrengthBand:
    """How strong a match reads to people, the badge it wears and what it means."""

    floor: float
    label: str
    badge: str
    share: float  # share of relevant matches in this band on held-out labelled needs
    pairs: int  # held-out matches the share was measured on

    @property
    def meaning(self) -> str:
        return f"在人工标注的留出样本中，此档推荐约 {round(self.share * 100)}% 为相关服务（{self.pairs} 条样本）"


def _band(entry: dict[str, Any]) -> StrengthBand:
    label, badge = NAMES[float(entry["target"])]
    return StrengthBand(float(entry["floor"]), label, badge, float(entry["test_share"]), int(entry["test_pairs"]))


def load_bands(path: Path = BANDS_FILE) -> tuple[StrengthBand, ...]:
    """The calibrated bands, best first; the last has floor 0."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(_band(e) for e in data["bands"])


STRENGTH_BANDS: tuple[StrengthBand, ...] = load_bands()


def strength_band(score: float) -> StrengthBand:
    """The band of a score."""
    return next((b for b in STRENGTH_BANDS if score >= b.floor), STRENGTH_BANDS[-1])


def calibrate(*, measured: date | None = None) -> dict[str, Any]:
    """Choose the floors on the tune needs and measure each band on the test needs.

    Returns what ``strength_bands.json`` holds. Fits the engine on each labelled set
    (a few seconds); deterministic for the same data and dictionary.
    """
    from matcher.calibration import TARGETS, band_shares, choose_floors, scored_pairs
    from matcher.heldout import load_set
    from web.services.matching.index import MatchPolicy

    shown = MatchPolicy().threshold  # below the default threshold nobody is shown a match
    sets = [load_set(name) for name in LABELLED_SETS]
    tune = [p for gs in sets for p in scored_pairs(gs, "tune") if p[0] >= shown]
    test = [p for gs in sets for p in scored_pairs(gs, "test") if p[0] >= shown]
    bands = choose_floors(tune, TARGETS)
    floors = [b.floor for b in bands]
    tune_shares, test_shares = band_shares(tune, floors), band_shares(test, floors)
    return {
        "measured": (measured or default_today()).isoformat(),
        "shown_from": shown,
        "command": "zhengqi calibrate-bands --write",
        "sets": list(LABELLED_SETS),
        "targets": list(TARGETS),
        "bands": [{"floor": b.floor, "target": b.target,
                   "tune_pairs": tr.pairs, "tune_share": round(tr.share, 3),
                   "test_pairs": te.pairs, "test_share": round(te.share, 3)}
                  for b, tr, te in zip(bands, tune_shares, test_shares, strict=True)],
    }


def same_bands(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two calibrations agree on everything but the day they were measured."""
    return {**a, "measured": None} == {**b, "measured": None}


def write_bands(data: dict[str, Any], path: Path = BANDS_FILE) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def report_lines(data: dict[str, Any]) -> list[str]:
    """The calibration as a table for the command line."""
    lines = [f"匹配强度分档（阈值取自 {'、'.join(data['sets'])} 的调参部分，占比测于留出部分）",
             f"{'档位':<8}{'下限':>6}{'调参样本':>10}{'调参相关占比':>12}{'留出样本':>10}{'留出相关占比':>12}"]
    for e in data["bands"]:
        label = NAMES[float(e["target"])][0]
        lines.append(f"{label:<8}{e['floor']:>6.2f}{e['tune_pairs']:>10}{e['tune_share']:>12.1%}"
                     f"{e['test_pairs']:>10}{e['test_share']:>12.1%}")
    return lines
