"""Approval priors: how often staff approved an offer, and a pair of categories, when proposed.

These features are learned from the decisions themselves, so a decision must
never shape its own feature while a model is fitted on it: :func:`out_of_fold`
counts each decision's features from the decisions of needs in other folds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from matcher.decisions import Decision, need_hash

__all__ = ["PRIOR_FEATURES", "count_priors", "priors", "out_of_fold", "fitting_priors"]

PRIOR_FEATURES = ("offer_prior", "offer_seen", "category_pair_prior")
# Pseudo-counts of the priors: an offer decided once says little.
_PRIOR_STRENGTH = 3.0
FOLDS = 5


def _cat_key(index, pair: tuple[str, str]) -> tuple:
    need, offer = index.needs_.postings[pair[0]], index.offers_.postings[pair[1]]
    return ((need.category or "").strip(), (offer.category or "").strip())


def count_priors(index, decisions: Sequence[Decision]) -> dict:
    """Approvals and decisions per offer and per (need category, offer category)."""
    offer: dict[str, list[float]] = {}
    cats: dict[tuple, list[float]] = {}
    for d in decisions:
        for table, key in ((offer, d.offer_id), (cats, _cat_key(index, (d.need_id, d.offer_id)))):
            c = table.setdefault(key, [0.0, 0.0])
            c[0] += d.label
            c[1] += 1
    return {"base": float(np.mean([d.label for d in decisions])), "offer": offer, "category": cats}


def priors(index, pairs: Sequence[tuple[str, str]], counts: dict) -> np.ndarray:
    """Smoothed approval rates minus the base rate, and how often the offer was
    decided (log), per ``(need_id, offer_id)`` pair: rows of :data:`PRIOR_FEATURES`."""
    out = np.zeros((len(pairs), len(PRIOR_FEATURES)))
    base, a = counts["base"], _PRIOR_STRENGTH
    for k, pair in enumerate(pairs):
        ok, on = counts["offer"].get(pair[1], (0.0, 0.0))
        ck, cn = counts["category"].get(_cat_key(index, pair), (0.0, 0.0))
        out[k] = [(ok + a * base) / (on + a) - base, np.log1p(on),
                  (ck + a * base) / (cn + a) - base]
    return out


def out_of_fold(decisions: Sequence[Decision], width: int,
                features: Callable[[Sequence[Decision], Sequence[Decision]], np.ndarray],
                salt: str = "prior") -> np.ndarray:
    """Rows of ``features(inside, others)`` for each decision, each computed from the
    decisions of needs in the other folds (by a hash of the need id): counted with
    its own label a feature would give the label away, and counted without just its
    own (leave one out) it would lean against it."""
    fold = np.array([need_hash(d.need_id, salt) % FOLDS for d in decisions], dtype=np.int64)
    out = np.zeros((len(decisions), width))
    for f in range(FOLDS):
        inside = np.flatnonzero(fold == f)
        others = [decisions[i] for i in np.flatnonzero(fold != f)]
        if len(inside) and others:
            out[inside] = features([decisions[i] for i in inside], others)
    return out


def fitting_priors(index, decisions: Sequence[Decision]) -> np.ndarray:
    """The priors of the decisions a model is fitted on, out of fold."""
    return out_of_fold(decisions, len(PRIOR_FEATURES), lambda inside, others: priors(
        index, [(d.need_id, d.offer_id) for d in inside], count_priors(index, others)))
