"""Strength bands: floors chosen on graded pairs, shares measured per band."""

from __future__ import annotations

from matcher.calibration import band_shares, choose_floors


def _pairs(score: float, relevant: int, irrelevant: int) -> list[tuple[float, int]]:
    return [(score, 1)] * relevant + [(score, 0)] * irrelevant


def test_floors_follow_where_the_share_of_relevant_pairs_drops() -> None:
    pairs = (_pairs(0.6, 30, 1) + _pairs(0.45, 25, 5) + _pairs(0.3, 12, 13)
             + _pairs(0.1, 3, 60))
    bands = choose_floors(pairs, targets=(0.9, 0.7, 0.4))
    assert [b.floor for b in bands] == [0.45, 0.3, 0.0]
    # 0.45 joins the top band: 55 of 61 pairs above it are relevant (90.2%).
    assert [b.target for b in bands] == [0.9, 0.4, 0.0]  # no floor gives 70% below 0.45
    shares = band_shares(pairs, [b.floor for b in bands])
    assert [(s.pairs, s.relevant) for s in shares] == [(61, 55), (25, 12), (63, 3)]
    assert round(shares[0].share, 3) == 0.902


def test_a_band_needs_enough_pairs_to_be_believed() -> None:
    pairs = _pairs(0.8, 5, 0) + _pairs(0.2, 10, 40)
    assert [b.floor for b in choose_floors(pairs, targets=(0.9,))] == [0.0]


def test_an_empty_band_has_no_share() -> None:
    assert band_shares([], [0.5, 0.0])[0].share == 0.0
