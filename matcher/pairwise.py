"""The pairwise learner beside the engine's score, and its utility back on the score scale.

A logistic regression (scikit-learn) on the feature differences of an approved
and a rejected offer of the same need, each pair weighted by how much swapping
the two would move nDCG (as LambdaRank does). The engine's score enters almost
unpenalised and every other feature is shrunk towards zero, so a strongly
regularised model *is* the engine's order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from matcher.decisions import Decision

__all__ = ["fit_pairwise", "to_score"]

# The engine's score difference is multiplied by this before fitting, so that the
# L2 penalty on its weight is negligible: shrinking leads to the engine's order.
_ENGINE_SCALE = 100.0


def fit_pairwise(X: np.ndarray, decisions: Sequence[Decision], C: float) -> np.ndarray | None:
    """Weights over the columns of ``X`` from a logistic regression on the
    differences of each need's approved and rejected rows (None without such a
    pair). Columns are put on one scale first; the engine's (column 0) is then
    multiplied by :data:`_ENGINE_SCALE`, so the penalty barely touches it. Staff
    cannot make a higher engine score a reason against an offer: if its weight
    comes out negative, the model is fitted again without it (weight 0).

    Each pair weighs as much as swapping the two offers would move nDCG in the
    engine's order of the need's decided offers (``|1/log2(2+r_a) - 1/log2(2+r_b)|``,
    as LambdaRank does), times the two decisions' weights: an approved offer
    the engine put first against one it put second counts more than two at the
    bottom."""
    by_need: dict[str, tuple[list[int], list[int]]] = {}
    for i, d in enumerate(decisions):
        by_need.setdefault(d.need_id, ([], []))[d.label].append(i)
    a_idx, b_idx = [], []
    discount = np.zeros(len(decisions))
    for rejected, approved in by_need.values():
        if not (rejected and approved):
            continue
        for r, i in enumerate(sorted(rejected + approved, key=lambda i: -X[i, 0])):
            discount[i] = 1.0 / math.log2(r + 2)
        for a in approved:
            for b in rejected:
                a_idx.append(a)
                b_idx.append(b)
    if not a_idx:
        return None
    D = X[a_idx] - X[b_idx]
    swap = np.abs(discount[a_idx] - discount[b_idx])
    weight = swap / swap.mean() * np.array([decisions[a].weight * decisions[b].weight
                                            for a, b in zip(a_idx, b_idx, strict=True)])
    scale = np.sqrt((D**2).mean(axis=0))
    scale[scale < 1e-12] = 1.0
    scale[0] /= _ENGINE_SCALE
    Ds = D / scale
    y = np.r_[np.ones(len(Ds)), np.zeros(len(Ds))]
    sw = np.r_[weight, weight]
    model = LogisticRegression(C=C, fit_intercept=False, max_iter=5000)
    w = model.fit(np.vstack([Ds, -Ds]), y, sample_weight=sw).coef_.ravel()
    if w[0] < 0:
        Ds[:, 0] = 0.0
        w = model.fit(np.vstack([Ds, -Ds]), y, sample_weight=sw).coef_.ravel()
        w[0] = 0.0
    return w / scale


def to_score(utility: np.ndarray, w: np.ndarray, engine: np.ndarray, engine_z: np.ndarray,
             spread: np.ndarray) -> np.ndarray:
    """The learned utility back on the engine's score scale, pool by pool: the pool's
    mean engine score plus the utility in units of the pool's score spread, per unit
    of the engine's weight (so with the other weights at zero it is the engine's score
    again); clipped to [0, 1]. ``engine``, ``engine_z`` and ``spread`` are each pair's
    engine score, its standardised value and its pool's standard deviation. Order
    within a need is the utility's."""
    w_engine = w[0] if w[0] > 1e-9 else max(float(np.abs(w).max()), 1e-9)
    mean = engine - spread * engine_z
    spread = np.where(spread > 0, spread, 0.01)
    return np.clip(mean + spread * utility / w_engine, 0.0, 1.0)
