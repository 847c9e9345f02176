"""Structured signals beside the text score, with explicit weights.

The final score of a (need, offer) pair is::

    raw   = text_weight * cosine
          + scale * ( category[relation(need.category, offer.category)]
                    + credit[offer.credit]
                    + region_same * (need.region == offer.region) )
    score = min(1, max(0, raw))

where ``scale`` is the best text part in the need's candidate pool
(``text_weight`` times the pool's highest cosine) when
``SignalWeights.pool_relative`` is set, else 1. Signals then re-rank rather
than outvote (issue 14): their weights are shares of the leading text score,
so they keep the same force whether a corpus's cosines sit around 0.1 (real
postings, where a fixed ±0.05 decided most rankings) or around 0.8. With the
defaults the most the signals can move two offers apart is
``(0.3 + 0.02 + 0.05) + (0.15 + 0.1)`` = 0.62 of the leading text part: they
break near-ties and reorder offers whose text is close, but an offer whose
text part trails the leader's by more than that never overtakes it. (A scale
from the pool's standard deviation was tried first: in a pool of two it equals
half their gap, so a category of weight 2 overturned any text lead.)

When clipping changes ``raw`` a ``clip`` signal carries the difference, so
``text_weight * cosine + sum(signal deltas) == score`` for every match shown.
Whether a posting is open is a filter, not a weight: closed postings are never
returned. The default weights were chosen on the tuning parts of the labelled
sets only (:mod:`matcher.heldout`; README "Tuning log").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matcher.taxonomy import category_relation

__all__ = ["SignalWeights", "CodeBook", "LABELS"]

LABELS: dict[str, str] = {
    "category_same": "服务类别相同",
    "category_related": "服务类别相关",
    "category_unrelated": "服务类别不相关",
    "credit_good": "服务机构信用良好",
    "credit_bad": "服务机构信用不良",
    "region_same": "同一地区",
    "clip": "分数截断到[0,1]",
}


@dataclass(frozen=True)
class SignalWeights:
    """Explicit weights of the final score (see module docstring)."""

    text_weight: float = 0.8
    category: dict[str, float] = field(
        default_factory=lambda: {"same": 0.3, "related": 0.0, "unrelated": -0.15, "unknown": 0.0}
    )
    credit: dict[str, float] = field(default_factory=lambda: {"good": 0.02, "bad": -0.1})
    region_same: float = 0.05
    pool_relative: bool = True

    def __hash__(self) -> int:  # dict fields: hash by value for sklearn's clone/get_params
        return hash((self.text_weight, tuple(sorted(self.category.items())),
                     tuple(sorted(self.credit.items())), self.region_same, self.pool_relative))


class CodeBook:
    """Interns categories, regions and credit values to small ints for vectorised scoring."""

    def __init__(self) -> None:
        self.categories: dict[str | None, int] = {None: 0}
        self.regions: dict[str | None, int] = {None: 0}

    def category(self, value: str | None) -> int:
        value = (value or "").strip() or None
        return self.categories.setdefault(value, len(self.categories))

    def region(self, value: str | None) -> int:
        value = (value or "").strip() or None
        return self.regions.setdefault(value, len(self.regions))

    def category_table(self, w: SignalWeights) -> tuple[np.ndarray, np.ndarray]:
        """(delta, relation code) tables indexed [need_code, offer_code]."""
        names = list(self.categories)
        rel_codes = {"unknown": 0, "same": 1, "related": 2, "unrelated": 3}
        k = len(names)
        delta = np.zeros((k, k), dtype=np.float64)
        rel = np.zeros((k, k), dtype=np.int8)
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                r = category_relation(a, b)
                delta[i, j] = w.category.get(r, 0.0)
                rel[i, j] = rel_codes[r]
        return delta, rel


REL_NAMES = ("unknown", "same", "related", "unrelated")


def credit_delta(credit: str | None, w: SignalWeights) -> float:
    return w.credit.get((credit or "").strip().lower(), 0.0)


def pool_scale(cos: np.ndarray, group: np.ndarray, n_groups: int, w: SignalWeights) -> np.ndarray:
    """Signal scale per pair: the best text part in its group's candidate pool
    (``text_weight * max cosine``), or 1 without ``pool_relative``."""
    if not w.pool_relative:
        return np.ones(len(cos))
    top = np.zeros(n_groups)
    np.maximum.at(top, group, np.asarray(cos, dtype=np.float64))
    return (w.text_weight * top)[group]


def score_pairs(
    cos: np.ndarray,
    need_cat: np.ndarray,
    offer_cat: np.ndarray,
    need_region: np.ndarray,
    offer_region: np.ndarray,
    offer_credit: np.ndarray,
    cat_delta: np.ndarray,
    w: SignalWeights,
    scale: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Vectorised final scores for pairs (all arrays aligned by pair)."""
    bonus = cat_delta[need_cat, offer_cat] + offer_credit
    bonus = bonus + w.region_same * ((need_region == offer_region) & (need_region != 0))
    return np.clip(w.text_weight * cos + scale * bonus, 0.0, 1.0)


def signal_columns(
    text_part: np.ndarray,
    kinds: list[tuple[str, str | None, bool]],
    kind: np.ndarray,
    w: SignalWeights,
    scale: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[tuple[tuple[str, str, float], ...]]]:
    """Scores and the signals that moved them, for many pairs at once; deltas add up exactly.

    ``kinds`` lists distinct ``(category relation, offer credit, same region)`` triples and
    ``kind`` names each pair's; ``scale`` is each pair's signal scale. Returns the scores,
    each pair's index into a list of distinct signal sets, and that list: tuples of
    ``(code, Chinese label, delta)`` in the order category, credit, region, clip. A signal
    whose delta is zero is left out; the score is the text part plus the deltas, summed in
    that order, then clipped to [0, 1] (a ``clip`` signal carries the difference).
    """
    credits = [(c or "").strip().lower() for _, c, _ in kinds]
    unit_cat = np.array([w.category.get(rel, 0.0) for rel, _, _ in kinds], dtype=np.float64)
    unit_credit = np.array([w.credit.get(c, 0.0) for c in credits], dtype=np.float64)
    unit_region = np.array([w.region_same if same else 0.0 for *_, same in kinds],
                           dtype=np.float64)
    d_cat, d_credit, d_region = (unit[kind] * scale for unit in (unit_cat, unit_credit, unit_region))
    # Absent signals add 0.0, which leaves every partial sum as it was.
    raw = text_part + ((d_cat + d_credit) + d_region)
    score = np.minimum(1.0, np.maximum(0.0, raw))
    clip = score - raw
    sets: list[tuple[tuple[str, str, float], ...]] = []
    set_of: dict[tuple, int] = {}
    index = np.empty(len(kind), dtype=np.int64)
    for i, key in enumerate(zip(kind.tolist(), scale.tolist(), clip.tolist(), strict=True)):
        at = set_of.get(key)  # the deltas follow from kind and scale
        if at is None:
            k, _, cl = key
            dc, dr, dg = float(d_cat[i]), float(d_credit[i]), float(d_region[i])
            rel, c = kinds[k][0], credits[k]
            found = []
            if dc:
                found.append((f"category_{rel}", LABELS[f"category_{rel}"], dc))
            if dr:
                found.append((f"credit_{c}", LABELS.get(f"credit_{c}", f"信用:{c}"), dr))
            if dg:
                found.append(("region_same", LABELS["region_same"], dg))
            if cl:
                found.append(("clip", LABELS["clip"], cl))
            at = set_of[key] = len(sets)
            sets.append(tuple(found))
        index[i] = at
    return score, index, sets
