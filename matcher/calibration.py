"""Strength bands calibrated on graded data: what share of each band is relevant.

People read a match's score as a label (高度匹配, 较为匹配, …). A label is only honest
if it says how often matches that carry it are right. :func:`choose_floors` picks the
band floors on the *tune* parts of the labelled sets, from the highest band down:
each floor is the lowest score at which the matches between it and the band above
are relevant at least as often as that band's target share. :func:`band_shares`
then measures each band on the *test* parts, which the floors never saw; those
held-out shares are what the platform tells its users.

Scores are the engine's own (:meth:`matcher.index.MatchIndex.rematch`), for the top
``K`` offers of each need, the pairs a user can be shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matcher.heldout import GradedSet

__all__ = ["Band", "BandShare", "TARGETS", "scored_pairs", "choose_floors", "band_shares"]

K = 10
# Share of relevant matches each band must reach on the tune parts, best band first.
TARGETS: tuple[float, ...] = (0.9, 0.7, 0.4)
MIN_SUPPORT = 20  # pairs a band needs on the tune parts before its floor is believed
GRID = 0.01  # floors are chosen on this grid, so they read as plain numbers


@dataclass(frozen=True)
class Band:
    floor: float
    target: float  # 0.0 for the last band: whatever is left


@dataclass(frozen=True)
class BandShare:
    floor: float
    pairs: int
    relevant: int

    @property
    def share(self) -> float:
        return self.relevant / self.pairs if self.pairs else 0.0


def scored_pairs(gs: GradedSet, part: str, *, top: int = K) -> list[tuple[float, int]]:
    """(score, grade) for the engine's top ``top`` offers of each need in ``part``."""
    from matcher.index import MatchIndex

    wanted = set(gs.parts[part])
    index = MatchIndex(n_jobs=1).fit(gs.task.queries, gs.task.corpus)  # as the evaluation fits it
    return [(float(m.score), gs.grades[nid].get(m.offer_id, 0))
            for nid, found in index.rematch(top=top, explain=False) if nid in wanted for m in found]


def _share(pairs: Sequence[tuple[float, int]], lo: float, hi: float) -> tuple[int, int]:
    inside = [g for s, g in pairs if lo <= s < hi]
    return len(inside), sum(1 for g in inside if g > 0)


def choose_floors(pairs: Sequence[tuple[float, int]],
                  targets: Sequence[float] = TARGETS) -> list[Band]:
    """Band floors, best band first, ending with a floor of 0 for the rest."""
    bands: list[Band] = []
    ceiling = float("inf")
    # Candidate floors: each score rounded down to the grid, so a floor reads as a plain number.
    candidates = sorted({math.floor(s / GRID + 1e-9) * GRID for s, _ in pairs if s > 0}, reverse=True)
    for target in targets:
        chosen = None
        for floor in (round(c, 2) for c in candidates if c < ceiling):
            n, rel = _share(pairs, floor, ceiling)
            if n >= MIN_SUPPORT and rel / n >= target:
                chosen = floor
            elif n >= MIN_SUPPORT and chosen is not None:
                break  # the share fell below the target: the band ends at the last floor that held
        if chosen is None:
            continue  # no floor reaches this target with enough pairs: the band is left out
        bands.append(Band(chosen, target))
        ceiling = chosen
    bands.append(Band(0.0, 0.0))
    return bands


def band_shares(pairs: Iterable[tuple[float, int]], floors: Sequence[float]) -> list[BandShare]:
    """For each band (floors best first), how many pairs fall in it and how many are relevant."""
    pairs = list(pairs)
    out, ceiling = [], float("inf")
    for floor in floors:
        n, rel = _share(pairs, floor, ceiling)
        out.append(BandShare(floor, n, rel))
        ceiling = floor
    return out
