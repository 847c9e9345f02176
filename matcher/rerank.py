"""Learning to rank from staff decisions: the re-ranker.

The engine proposes a candidate pool per need (text plus signals). Staff then
approve or reject some pairs. :class:`FeedbackRanker` learns, from the decided
pairs, how much each kind of evidence is worth *beside the engine's score* and
re-scores every need's pool with it, needs without decisions included: what it
learns is how to weigh evidence, not which offer suits which need.

- Features: what the postings say about a pair, standardised within the need's
  pool (:mod:`matcher.pair_features`), and what the decisions say about the offer
  and the categories (:mod:`matcher.priors`, counted out of fold while fitting).
- The learner is pairwise and starts from the engine's order
  (:mod:`matcher.pairwise`).
- How far to move away from the engine (the regularisation ``C``) is chosen by
  cross-validation over the decided needs only (folds by a hash of the need id,
  nDCG@10 of each left-out need's decided offers). Unless the best ``C`` beats
  the plain engine there by more than 1.5 standard errors of the per-need
  differences (:data:`SE_RULE`), the ranker keeps the engine's order
  (``engine_only_``): a re-ranker that does no better on decisions it was not
  fitted on is not used.

The score shown stays explained: the learned utility is mapped back to the
engine's score scale within the need's pool, and the difference to the engine's
score is one more signal (``feedback``), so text part plus signals still add up
to it. On needs that have decisions the decisions themselves win: approved offers
come first (score 1, signal ``staff_approved``), rejected ones are left out
(:func:`matcher.decisions.pinned`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np

from matcher.decisions import (
    STAFF_APPROVED,
    Decision,
    decided_ndcg,
    ndcg_per_need,
    need_hash,
    pinned,
    read_decisions,
)
from matcher.pair_features import PAIR_FEATURES, PairContext, PoolRows, pair_features, pool_rows
from matcher.pairwise import fit_pairwise, to_score
from matcher.priors import PRIOR_FEATURES, count_priors, fitting_priors, priors
from matcher.types import Match, NotFittedError, Signal

__all__ = ["Decision", "FEATURES", "FeedbackRanker", "read_decisions", "pair_features",
           "candidate_pools", "pinned", "decided_ndcg"]

FEATURES = PAIR_FEATURES + PRIOR_FEATURES
# Regularisation strengths tried by cross-validation (inverse, as scikit-learn's C).
C_GRID = (0.001, 0.01, 0.1, 1.0)
CV_FOLDS = 5
# The learned order must beat the engine's by this many standard errors (of the
# per-need differences) in cross-validation, or the engine's order is kept. One
# standard error let the best of four strengths through on luck: over ten
# development splits of each learning half it lost up to .019 nDCG@10 (labelled)
# and .006 (labelled-hard); 1.5 lost nowhere and kept most of CSL's gain; 2 kept
# the engine almost everywhere.
SE_RULE = 1.5
LABELS = {"feedback": "按专员历史决定学习的调整", "staff_approved": STAFF_APPROVED}
# Kept under its old name for callers of the first layout.
_fitting_priors = fitting_priors


def candidate_pools(index, top: int | None = None) -> dict[str, list[Match]]:
    """Every open need's explained candidate pool (``index.candidates`` offers)."""
    return dict(index.rematch(top=top or index.candidates))


def _scored(X: np.ndarray, w: np.ndarray, rows: PoolRows, idx: np.ndarray) -> np.ndarray:
    return to_score(X @ w, w, rows.engine[idx], rows.Z[idx, 0], rows.spread[idx])


class FeedbackRanker:
    """Re-rank each need's candidate pool with a model fitted on staff decisions.

    Parameters
    ----------
    C : float or None, default=None
        Inverse regularisation strength of the pairwise logistic regression; None
        chooses it by cross-validation over the decided needs among
        :data:`C_GRID`, or keeps the engine's order unless one beats it there by
        more than ``se_rule`` standard errors.
    se_rule : float, default=1.5
        How many standard errors of the per-need differences the cross-validated
        gain over the engine must exceed (:data:`SE_RULE`).

    Attributes
    ----------
    C_ : float or None
        The strength used; None when the engine's order is kept.
    engine_only_ : bool
        True when the decisions did not show a better order than the engine's
        (or held no need with both an approval and a rejection).
    cv_ : dict
        Cross-validated nDCG@10 of the decided offers: ``"engine"`` and each C
        tried, ``"se"`` (per C, the standard error of its per-need difference to
        the engine) and ``"needs"`` (how many needs were scored); empty when ``C``
        was given.
    weights_ : ndarray
        Weight of each of :data:`FEATURES` on its standardised value.
    n_decisions_ : int

    Examples
    --------
    >>> from matcher import MatchIndex, Posting
    >>> idx = MatchIndex().fit([Posting("n1", "专利质押贷款")],
    ...                        [Posting("o1", "知识产权质押融资"), Posting("o2", "专利申请代理")])
    >>> r = FeedbackRanker(C=1.0).fit(idx, [Decision("n1", "o1", 1), Decision("n1", "o2", 0)])
    >>> [m.offer_id for m in r.rank(idx)["n1"]]
    ['o1', 'o2']
    >>> [m.offer_id for m in r.rank(idx, decisions=[Decision("n1", "o2", 0)])["n1"]]
    ['o1']
    """

    def __init__(self, *, C: float | None = None, se_rule: float = SE_RULE) -> None:
        self.C = C
        self.se_rule = se_rule

    # ------------------------------------------------------------------ fitting
    def fit(self, index, decisions: Sequence[Decision],
            pools: Mapping[str, list[Match]] | None = None) -> FeedbackRanker:
        """Fit on decisions about postings of ``index`` (both labels must occur)."""
        labels = {d.label for d in decisions}
        if labels != {0, 1}:
            raise ValueError("need at least one approved and one rejected decision to learn from")
        pools = pools if pools is not None else candidate_pools(index)
        ctx = PairContext(index)
        decisions = list(decisions)
        rows = pool_rows(ctx, [(d.need_id, d.offer_id) for d in decisions], pools)
        self.cv_: dict = {}
        C = self.C
        if C is None:
            self.cv_ = cv = self._cross_validate(index, decisions, rows)
            best = max(C_GRID, key=lambda c: (cv[c], -c))
            gain = cv[best] - cv["engine"]
            C = best if gain > 1e-12 and gain > self.se_rule * cv["se"][best] else None
        self.counts_ = count_priors(index, decisions)
        self.weights_ = np.zeros(len(FEATURES))
        self.C_ = None
        if C is not None:
            X = np.hstack([rows.Z, fitting_priors(index, decisions)])
            w = fit_pairwise(X, decisions, C)
            if w is not None:
                self.weights_, self.C_ = w, C
        self.engine_only_ = self.C_ is None
        self.n_decisions_ = len(decisions)
        return self

    def _cross_validate(self, index, decisions: Sequence[Decision], rows: PoolRows) -> dict:
        """Out-of-fold nDCG@10 of the decided offers, per C and for the engine alone,
        and the standard error of each C's per-need difference to the engine; folds
        by a hash of the need id, so a need's decisions stay together."""
        fold = np.array([need_hash(d.need_id, "cv") % CV_FOLDS for d in decisions])
        per_need: dict = {"engine": {}, **{c: {} for c in C_GRID}}
        for f in range(CV_FOLDS):
            tr, te = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
            test = [decisions[i] for i in te]
            engine = ndcg_per_need(rows.engine[te], test)
            train = [decisions[i] for i in tr]
            if not engine or {d.label for d in train} != {0, 1}:
                continue
            counts = count_priors(index, train)
            X_tr = np.hstack([rows.Z[tr], fitting_priors(index, train)])
            X_te = np.hstack([rows.Z[te], priors(index, [(d.need_id, d.offer_id) for d in test],
                                                 counts)])
            per_need["engine"].update(engine)
            for c in C_GRID:
                w = fit_pairwise(X_tr, train, c)
                s = rows.engine[te] if w is None else _scored(X_te, w, rows, te)
                per_need[c].update(ndcg_per_need(s, test))
        needs = sorted(per_need["engine"])
        base = np.array([per_need["engine"][n] for n in needs])
        out: dict = {"engine": float(base.mean()) if needs else 0.0, "needs": len(needs), "se": {}}
        for c in C_GRID:
            diff = np.array([per_need[c][n] for n in needs]) - base
            out[c] = float(base.mean() + diff.mean()) if needs else 0.0
            out["se"][c] = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else 0.0
        return out

    # ------------------------------------------------------------------ scoring
    def predict(self, index, pairs: Sequence[tuple[str, str]],
                pools: Mapping[str, list[Match]]) -> np.ndarray:
        """Each ``(need_id, offer_id)`` pair's learned score (the engine's score
        when the engine's order is kept); compare scores within a need."""
        self._check()
        return self._scores(PairContext(index), pairs, pools)

    def _scores(self, ctx: PairContext, pairs: Sequence[tuple[str, str]],
                pools: Mapping[str, list[Match]]) -> np.ndarray:
        if not len(pairs):
            return np.zeros(0)
        rows = pool_rows(ctx, pairs, pools)
        if self.engine_only_:
            return rows.engine
        X = np.hstack([rows.Z, priors(ctx.index, pairs, self.counts_)])
        return _scored(X, self.weights_, rows, np.arange(len(pairs)))

    def rank(self, index, *, top: int = 10, decisions: Sequence[Decision] = (),
             pools: Mapping[str, list[Match]] | None = None) -> dict[str, list[Match]]:
        """Every open need's best ``top`` offers by the model, then the decisions
        applied (see :func:`pinned`)."""
        self._check()
        pools = pools if pools is not None else candidate_pools(index)
        if self.engine_only_:
            return pinned(pools, decisions, top)
        pairs = [(n, m.offer_id) for n, ms in pools.items() for m in ms]
        scores = iter(self._scores(PairContext(index), pairs, pools).tolist())
        rescored = {}
        for n, ms in pools.items():
            rescored[n] = []
            for m in ms:
                s = next(scores)
                rescored[n].append(dataclasses.replace(m, score=s, signals=m.signals + (
                    Signal("feedback", LABELS["feedback"], s - m.score),)))
        return pinned(rescored, decisions, top)

    def _check(self) -> None:
        if not hasattr(self, "engine_only_"):
            raise NotFittedError("This FeedbackRanker is not fitted yet: call fit(index, decisions).")
