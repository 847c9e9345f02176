"""Learning to rank from staff decisions: pair features and a re-ranker.

The engine proposes a candidate pool per need (text plus signals). Staff then
approve or reject some pairs. :class:`FeedbackRanker` learns, from the decided
pairs, how much each kind of evidence is worth *beside the engine's score* and
re-scores every need's pool with it, needs without decisions included: what it
learns is how to weigh evidence, not which offer suits which need.

- Features (:data:`FEATURES`) describe a pair relative to its need's pool: the
  engine's score, each text block's part of the cosine (words, characters,
  concepts), a BM25 score, the share of the need's terms the offer covers and of
  the offer's terms the need covers, shared concepts, title overlap, length,
  category relation, credit, region, and how often staff approved the offer and
  the category pair. Each continuous feature is standardised within the need's
  pool, so needs with high and low cosines weigh alike.
- The learner is pairwise: a logistic regression (scikit-learn) on the feature
  differences of an approved and a rejected offer of the same need, each pair
  weighted by how much swapping the two would move nDCG (as LambdaRank does). The engine's
  score enters almost unpenalised, every other feature is shrunk towards zero,
  so a strongly regularised model *is* the engine's order.
- How far to move away from the engine (the regularisation ``C``) is chosen by
  cross-validation over the decided needs only (folds by a hash of the need id,
  nDCG@10 of each left-out need's decided offers). Unless the best ``C`` beats
  the plain engine there by more than one standard error of the per-need
  differences, the ranker keeps the engine's order (``engine_only_``): a
  re-ranker that does no better on decisions it was not fitted on is not used.
- The approval priors of the decisions a model is fitted on are counted from the
  decisions of needs in other folds, so that a pair's own label never shapes its
  feature.

The score shown stays explained: the learned utility is mapped back to the
engine's score scale within the need's pool, and the difference to the engine's
score is one more signal (``feedback``), so text part plus signals still add up
to it. On needs that have decisions the decisions themselves win: approved offers
come first (score 1, signal ``staff_approved``), rejected ones are left out.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from matcher.expand import CONCEPT_PREFIX
from matcher.jsonl import InputError, json_objects
from matcher.taxonomy import category_relation
from matcher.text import normalize
from matcher.types import Match, NotFittedError, Signal

__all__ = ["Decision", "FEATURES", "FeedbackRanker", "read_decisions", "pair_features",
           "candidate_pools", "pinned", "decided_ndcg"]

PAIR_FEATURES = (
    "engine_score", "text", "word", "char", "concept", "bm25", "need_word_coverage",
    "need_char_coverage", "offer_coverage", "shared_concepts", "title_overlap",
    "title_coverage", "offer_length", "category_same", "category_related",
    "category_unrelated", "credit_good", "credit_bad", "region_same",
)
# Learned from the decisions themselves (leave-one-out while fitting): how often
# staff approve this offer, and pairs of these two categories, when proposed.
PRIOR_FEATURES = ("offer_prior", "offer_seen", "category_pair_prior")
FEATURES = PAIR_FEATURES + PRIOR_FEATURES
# Yes/no features are used as they are; the others are standardised within the pool.
_BINARY = frozenset({"category_same", "category_related", "category_unrelated",
                     "credit_good", "credit_bad", "region_same"})
# Pseudo-counts of the priors: an offer decided once says little.
_PRIOR_STRENGTH = 3.0
# Regularisation strengths tried by cross-validation (inverse, as scikit-learn's C).
C_GRID = (0.001, 0.01, 0.1, 1.0)
CV_FOLDS = 5
# The learned order must beat the engine's by this many standard errors (of the
# per-need differences) in cross-validation, or the engine's order is kept.
_SE_RULE = 1.0
# The engine's score difference is multiplied by this before fitting, so that the
# L2 penalty on its weight is negligible: shrinking leads to the engine's order.
_ENGINE_SCALE = 100.0
_K = 10
DECISIONS = {"approved": 1, "rejected": 0}
LABELS = {"feedback": "按专员历史决定学习的调整", "staff_approved": "专员已批准"}


@dataclass(frozen=True)
class Decision:
    """One staff decision about a (need, offer) pair: ``label`` 1 approve, 0 reject."""

    need_id: str
    offer_id: str
    label: int
    weight: float = 1.0


def read_decisions(path: str | Path, need_ids: Iterable[str],
                   offer_ids: Iterable[str]) -> tuple[list[Decision], int]:
    """Read ``{"need_id", "offer_id", "decision": "approved"|"rejected"}`` lines.

    Returns the decisions about postings in the two files and the number of
    lines skipped because an id is not among them. A later line about the same
    pair replaces an earlier one (a decision can be revised).

    Raises
    ------
    InputError
        On a line that is not a JSON object, lacks an id, or has another decision.
    """
    path = Path(path)
    needs, offers = set(need_ids), set(offer_ids)
    found: dict[tuple[str, str], Decision] = {}
    skipped = 0
    for lineno, rec in json_objects(path):
        ids = []
        for key in ("need_id", "offer_id"):
            value = rec.get(key)
            if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) == "":
                raise InputError(f"{path}:{lineno}: missing \"{key}\"")
            ids.append(str(value))
        decision = rec.get("decision")
        if decision not in DECISIONS:
            raise InputError(f"{path}:{lineno}: \"decision\" must be \"approved\" or "
                             f"\"rejected\", not {json.dumps(decision, ensure_ascii=False)}")
        if ids[0] not in needs or ids[1] not in offers:
            skipped += 1
            continue
        found[(ids[0], ids[1])] = Decision(ids[0], ids[1], DECISIONS[decision])
    return list(found.values()), skipped


def candidate_pools(index, top: int | None = None) -> dict[str, list[Match]]:
    """Every open need's explained candidate pool (``index.candidates`` offers)."""
    return dict(index.rematch(top=top or index.candidates))


def _bigrams(text: str) -> set[str]:
    t = normalize(text)
    return {t[i : i + 2] for i in range(len(t) - 1) if not t[i : i + 2].isspace()}


def _need_hash(need_id: str, salt: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{salt}:{need_id}".encode()).digest()[:4], "big")


class _PairContext:
    """What every pair's features read, computed once per index."""

    def __init__(self, index) -> None:
        names = index.feature_names_.tolist()
        self.index = index
        self.char = np.asarray(index.char_columns_, dtype=np.float64)
        self.concept = np.array([f.startswith(CONCEPT_PREFIX) for f in names], dtype=np.float64)
        self.word = 1.0 - self.char - self.concept
        offers, needs = index.offers_, index.needs_
        vec = index.vectorizer_
        idf = vec.idf_.astype(np.float64)
        # BM25 (k1 1.2, b 0.75) over the same features, from raw term counts.
        raw = vec.transform([offers.postings[i].tokens or () for i in offers.ids]).tocsr()
        tf = raw.multiply(1.0 / idf).tocsr()
        length = np.asarray(tf.sum(axis=1)).ravel()
        avg = length.mean() if len(length) and length.mean() > 0 else 1.0
        norm = 1.2 * (0.25 + 0.75 * length / avg)
        # sklearn's smooth idf is ln((1 + n) / (1 + df)) + 1; recover df for BM25's idf.
        n = len(needs.ids) + len(offers.ids)
        df = (1 + n) / np.exp(idf - 1.0) - 1.0
        bm25_idf = np.log1p((n - df + 0.5) / (df + 0.5))
        coo = tf.tocoo()
        data = coo.data * 2.2 / (coo.data + norm[coo.row]) * bm25_idf[coo.col]
        self.bm25 = sp.csr_matrix((data, (coo.row, coo.col)), shape=coo.shape)
        self.offer_length = np.log1p(length)
        # Which features each posting has (0/1), and the same weighted by idf.
        self.offer_terms = (raw > 0).astype(np.float64).tocsr()
        present = vec.transform([needs.postings[i].tokens or () for i in needs.ids]).tocsr()
        present.data[:] = 1.0
        self.need_terms = present
        need_idf = present.multiply(idf).tocsr()
        self.need_idf = need_idf
        self.need_word_mass = need_idf @ self.word
        self.need_char_mass = need_idf @ self.char
        self.offer_idf = self.offer_terms.multiply(idf).tocsr()
        self.offer_mass = np.asarray(self.offer_idf.sum(axis=1)).ravel()
        self.titles: dict[tuple[str, str], set[str]] = {}

    def bigrams(self, key: str, posting, text: str) -> set[str]:
        got = self.titles.get((key, posting.id))
        if got is None:
            got = self.titles[(key, posting.id)] = _bigrams(text)
        return got


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros(len(part)), where=whole > 0)


def pair_features(ctx: _PairContext, pairs: Sequence[tuple[str, str]],
                  pools: Mapping[str, list[Match]]) -> np.ndarray:
    """Raw feature rows (:data:`PAIR_FEATURES`) for ``(need_id, offer_id)`` pairs of
    ``ctx.index``; a pair outside its need's pool gets the engine's text part as score."""
    index = ctx.index
    needs, offers = index.needs_, index.offers_
    out = np.zeros((len(pairs), len(PAIR_FEATURES)))
    if not len(pairs):
        return out
    qi = np.array([needs.row_of[n] for n, _ in pairs], dtype=np.int64)
    dj = np.array([offers.row_of[o] for _, o in pairs], dtype=np.int64)
    prod = needs.rows()[qi].multiply(offers.rows()[dj]).tocsr()
    col = {name: i for i, name in enumerate(PAIR_FEATURES)}
    out[:, col["word"]] = prod @ ctx.word
    out[:, col["char"]] = prod @ ctx.char
    out[:, col["concept"]] = prod @ ctx.concept
    out[:, col["text"]] = out[:, col["word"]] + out[:, col["char"]] + out[:, col["concept"]]
    out[:, col["bm25"]] = np.asarray(ctx.need_terms[qi].multiply(ctx.bm25[dj]).sum(axis=1)).ravel()
    shared = ctx.need_idf[qi].multiply(ctx.offer_terms[dj]).tocsr()
    out[:, col["need_word_coverage"]] = _share(shared @ ctx.word, ctx.need_word_mass[qi])
    out[:, col["need_char_coverage"]] = _share(shared @ ctx.char, ctx.need_char_mass[qi])
    covered = np.asarray(ctx.offer_idf[dj].multiply(ctx.need_terms[qi]).sum(axis=1)).ravel()
    out[:, col["offer_coverage"]] = _share(covered, ctx.offer_mass[dj])
    both = ctx.need_terms[qi].multiply(ctx.offer_terms[dj]).tocsr()
    out[:, col["shared_concepts"]] = np.log1p(both @ ctx.concept)
    out[:, col["offer_length"]] = ctx.offer_length[dj]
    tw = index.weights_.text_weight
    score_of = {n: {m.offer_id: m.score for m in pools.get(n, [])} for n in {n for n, _ in pairs}}
    for k, (n, o) in enumerate(pairs):
        s = score_of[n].get(o)
        out[k, col["engine_score"]] = s if s is not None else tw * out[k, col["text"]]
        need, offer = needs.postings[n], offers.postings[o]
        rel = category_relation(need.category, offer.category)
        out[k, col["category_same"]:col["category_unrelated"] + 1] = [
            rel == "same", rel == "related", rel == "unrelated"]
        credit = (offer.credit or "").strip().lower()
        out[k, col["credit_good"]:col["credit_bad"] + 1] = [credit == "good", credit == "bad"]
        out[k, col["region_same"]] = bool(need.region and need.region.strip()
                                          and need.region.strip() == (offer.region or "").strip())
        a, b = ctx.bigrams("n", need, need.title), ctx.bigrams("o", offer, offer.title)
        out[k, col["title_overlap"]] = len(a & b) / len(a | b) if a and b else 0.0
        full = ctx.bigrams("nf", need, need.text)
        out[k, col["title_coverage"]] = len(b & full) / len(b) if b else 0.0
    return out


@dataclass
class _PoolRows:
    """Pair features standardised within each need's pool, for the pairs asked."""

    Z: np.ndarray          # (pairs, PAIR_FEATURES) standardised
    engine: np.ndarray     # the engine's score of each pair
    spread: np.ndarray     # the engine score's standard deviation in the pair's pool


def _pool_rows(ctx: _PairContext, pairs: Sequence[tuple[str, str]],
               pools: Mapping[str, list[Match]]) -> _PoolRows:
    """Features of ``pairs``, each continuous one centred and scaled by its mean and
    standard deviation over the need's candidate pool (pairs outside the pool are
    scaled like the pool; a need without a pool by its own pairs)."""
    rows: dict[tuple[str, str], int] = {}
    for n in dict.fromkeys(n for n, _ in pairs):
        for m in pools.get(n, []):
            rows.setdefault((n, m.offer_id), len(rows))
    n_pool = len(rows)
    for p in pairs:
        rows.setdefault(p, len(rows))
    keys = list(rows)
    X = pair_features(ctx, keys, pools)
    need_no = {n: i for i, n in enumerate(dict.fromkeys(n for n, _ in keys))}
    g = np.array([need_no[n] for n, _ in keys], dtype=np.int64)
    in_pool = np.arange(len(keys)) < n_pool
    has_pool = np.bincount(g[in_pool], minlength=len(need_no)) > 0
    use = in_pool | ~has_pool[g]
    cnt = np.bincount(g[use], minlength=len(need_no)).astype(np.float64)
    Z = np.array(X)
    spread = np.zeros(len(keys))
    for j, name in enumerate(PAIR_FEATURES):
        if name in _BINARY:
            continue
        v = X[:, j]
        mean = np.bincount(g[use], weights=v[use], minlength=len(need_no)) / np.maximum(cnt, 1)
        var = np.bincount(g[use], weights=v[use] ** 2, minlength=len(need_no)) / np.maximum(cnt, 1)
        std = np.sqrt(np.maximum(var - mean**2, 0.0))
        std[std < 1e-12] = 0.0
        Z[:, j] = np.divide(v - mean[g], std[g], out=np.zeros(len(v)), where=std[g] > 0)
        if name == "engine_score":
            spread = std[g]
    idx = np.array([rows[p] for p in pairs], dtype=np.int64)
    return _PoolRows(Z[idx], X[idx, 0], spread[idx])


def _ndcg_per_need(scores: Sequence[float], decisions: Sequence[Decision]) -> dict[str, float]:
    by_need: dict[str, list[tuple[float, str, int]]] = {}
    for s, d in zip(scores, decisions, strict=True):
        by_need.setdefault(d.need_id, []).append((float(s), d.offer_id, d.label))
    out = {}
    for need, items in by_need.items():
        labels = [lab for _, _, lab in items]
        if not (0 < sum(labels) < len(labels)):
            continue
        ranked = sorted(items, key=lambda t: (-t[0], t[1]))[:_K]
        dcg = sum(lab / math.log2(i + 2) for i, (_, _, lab) in enumerate(ranked))
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(sum(labels), _K)))
        out[need] = dcg / ideal
    return out


def decided_ndcg(scores: Sequence[float], decisions: Sequence[Decision]) -> tuple[float, int]:
    """Mean nDCG@10 of each need's decided offers ordered by ``scores`` (ties by
    offer id; gain 1 for an approval), over needs with both an approval and a
    rejection; returns ``(mean, needs)``, ``(0.0, 0)`` when there are none."""
    got = _ndcg_per_need(scores, decisions)
    return (sum(got.values()) / len(got) if got else 0.0), len(got)


class FeedbackRanker:
    """Re-rank each need's candidate pool with a model fitted on staff decisions.

    Parameters
    ----------
    C : float or None, default=None
        Inverse regularisation strength of the pairwise logistic regression; None
        chooses it by cross-validation over the decided needs among
        :data:`C_GRID`, or keeps the engine's order unless one beats it there by
        more than a standard error.

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

    def __init__(self, *, C: float | None = None) -> None:
        self.C = C

    # ------------------------------------------------------------------ fitting
    def fit(self, index, decisions: Sequence[Decision],
            pools: Mapping[str, list[Match]] | None = None) -> FeedbackRanker:
        """Fit on decisions about postings of ``index`` (both labels must occur)."""
        labels = {d.label for d in decisions}
        if labels != {0, 1}:
            raise ValueError("need at least one approved and one rejected decision to learn from")
        pools = pools if pools is not None else candidate_pools(index)
        ctx = _PairContext(index)
        decisions = list(decisions)
        rows = _pool_rows(ctx, [(d.need_id, d.offer_id) for d in decisions], pools)
        self.cv_: dict = {}
        C = self.C
        if C is None:
            self.cv_ = cv = self._cross_validate(index, decisions, rows)
            best = max(C_GRID, key=lambda c: (cv[c], -c))
            gain = cv[best] - cv["engine"]
            C = best if gain > 1e-12 and gain > _SE_RULE * cv["se"][best] else None
        counts = _count_priors(index, decisions)
        self.counts_ = counts
        self.weights_ = np.zeros(len(FEATURES))
        self.C_ = None
        if C is not None:
            X = np.hstack([rows.Z, _fitting_priors(index, decisions)])
            w = _fit_pairwise(X, decisions, C)
            if w is not None:
                self.weights_, self.C_ = w, C
        self.engine_only_ = self.C_ is None
        self.n_decisions_ = len(decisions)
        return self

    def _cross_validate(self, index, decisions: Sequence[Decision], rows: _PoolRows) -> dict:
        """Out-of-fold nDCG@10 of the decided offers, per C and for the engine alone,
        and the standard error of each C's per-need difference to the engine; folds
        by a hash of the need id, so a need's decisions stay together."""
        fold = np.array([_need_hash(d.need_id, "cv") % CV_FOLDS for d in decisions])
        per_need: dict = {"engine": {}, **{c: {} for c in C_GRID}}
        for f in range(CV_FOLDS):
            tr, te = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
            test = [decisions[i] for i in te]
            engine = _ndcg_per_need(rows.engine[te], test)
            train = [decisions[i] for i in tr]
            if not engine or {d.label for d in train} != {0, 1}:
                continue
            counts = _count_priors(index, train)
            X_tr = np.hstack([rows.Z[tr], _fitting_priors(index, train)])
            X_te = np.hstack([rows.Z[te], _priors(index, test, counts)])
            per_need["engine"].update(engine)
            for c in C_GRID:
                w = _fit_pairwise(X_tr, train, c)
                s = rows.engine[te] if w is None else _to_score(X_te @ w, w, rows, te)
                per_need[c].update(_ndcg_per_need(s, test))
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
        return self._scores(_PairContext(index), pairs, pools)

    def _scores(self, ctx: _PairContext, pairs: Sequence[tuple[str, str]],
                pools: Mapping[str, list[Match]]) -> np.ndarray:
        if not len(pairs):
            return np.zeros(0)
        rows = _pool_rows(ctx, pairs, pools)
        if self.engine_only_:
            return rows.engine
        X = np.hstack([rows.Z, _priors(ctx.index, pairs, self.counts_)])
        return _to_score(X @ self.weights_, self.weights_, rows, np.arange(len(pairs)))

    def rank(self, index, *, top: int = 10, decisions: Sequence[Decision] = (),
             pools: Mapping[str, list[Match]] | None = None) -> dict[str, list[Match]]:
        """Every open need's best ``top`` offers by the model, then the decisions
        applied (see :func:`pinned`)."""
        self._check()
        pools = pools if pools is not None else candidate_pools(index)
        if self.engine_only_:
            return pinned(pools, decisions, top)
        pairs = [(n, m.offer_id) for n, ms in pools.items() for m in ms]
        scores = iter(self._scores(_PairContext(index), pairs, pools).tolist())
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


def _to_score(utility: np.ndarray, w: np.ndarray, rows: _PoolRows, idx: np.ndarray) -> np.ndarray:
    """The learned utility back on the engine's score scale, pool by pool: the pool's
    mean engine score plus the utility in units of the pool's score spread, per unit
    of the engine's weight (so with the other weights at zero it is the engine's score
    again); clipped to [0, 1]. Order within a need is the utility's."""
    w_engine = w[0] if w[0] > 1e-9 else max(float(np.abs(w).max()), 1e-9)
    spread = rows.spread[idx]
    mean = rows.engine[idx] - spread * rows.Z[idx, 0]
    spread = np.where(spread > 0, spread, 0.01)
    return np.clip(mean + spread * utility / w_engine, 0.0, 1.0)


def _fit_pairwise(X: np.ndarray, decisions: Sequence[Decision], C: float) -> np.ndarray | None:
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


def _count_priors(index, decisions: Sequence[Decision]) -> dict:
    """Approvals and decisions per offer and per (need category, offer category)."""
    offer: dict[str, list[float]] = {}
    cats: dict[tuple, list[float]] = {}
    for d in decisions:
        for table, key in ((offer, d.offer_id), (cats, _cat_key(index, (d.need_id, d.offer_id)))):
            c = table.setdefault(key, [0.0, 0.0])
            c[0] += d.label
            c[1] += 1
    return {"base": float(np.mean([d.label for d in decisions])), "offer": offer, "category": cats}


def _fitting_priors(index, decisions: Sequence[Decision]) -> np.ndarray:
    """Priors of the decisions a model is fitted on, each counted from the decisions
    of needs in the other folds (by a hash of the need id): counted with its own
    label a prior would give the label away, and counted without just its own
    (leave one out) it would lean against it."""
    fold = np.array([_need_hash(d.need_id, "prior") % CV_FOLDS for d in decisions])
    out = np.zeros((len(decisions), len(PRIOR_FEATURES)))
    for f in range(CV_FOLDS):
        inside = np.flatnonzero(fold == f)
        others = [decisions[i] for i in np.flatnonzero(fold != f)]
        if len(inside) and others:
            out[inside] = _priors(index, [decisions[i] for i in inside],
                                  _count_priors(index, others))
    return out


def _cat_key(index, pair: tuple[str, str]) -> tuple:
    need, offer = index.needs_.postings[pair[0]], index.offers_.postings[pair[1]]
    return ((need.category or "").strip(), (offer.category or "").strip())


def _priors(index, items: Sequence, counts: dict, leave_out: bool = False) -> np.ndarray:
    """Smoothed approval rates minus the base rate, per pair (``items``: pairs or
    decisions; with ``leave_out`` a decision's own label is taken out of the counts,
    or the model would learn to read its label)."""
    out = np.zeros((len(items), len(PRIOR_FEATURES)))
    base, a = counts["base"], _PRIOR_STRENGTH
    for k, item in enumerate(items):
        pair = (item.need_id, item.offer_id) if isinstance(item, Decision) else item
        ok, on = counts["offer"].get(pair[1], (0.0, 0.0))
        ck, cn = counts["category"].get(_cat_key(index, pair), (0.0, 0.0))
        if leave_out:
            own = item.label
            ok, on, ck, cn = ok - own, on - 1, ck - own, cn - 1
        out[k] = [(ok + a * base) / (on + a) - base, np.log1p(on),
                  (ck + a * base) / (cn + a) - base]
    return out


def pinned(pools: Mapping[str, list[Match]], decisions: Sequence[Decision],
           top: int) -> dict[str, list[Match]]:
    """Ranked pools with the decisions applied, best ``top`` each: approved pairs
    first (score 1, signal ``staff_approved``), rejected ones left out."""
    decided = {(d.need_id, d.offer_id): d.label for d in decisions}
    out = {}
    for n, ms in pools.items():
        kept = []
        for m in ms:
            label = decided.get((n, m.offer_id))
            if label == 0:
                continue
            if label == 1:
                m = dataclasses.replace(m, score=1.0, signals=m.signals + (
                    Signal("staff_approved", LABELS["staff_approved"], 1.0 - m.score),))
            kept.append(m)
        kept.sort(key=lambda m: (-m.score, m.offer_id))
        out[n] = kept[:top]
    return out
