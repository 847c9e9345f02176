"""Learning to rank from staff decisions: pair features and a re-ranker.

The engine proposes a candidate pool per need (text plus signals). Staff then
approve or reject some pairs. :class:`FeedbackRanker` fits a logistic
regression (scikit-learn) on features of the decided pairs — each text block's
share of the cosine, a BM25 score, the engine's score and rank, category
relation, credit, region, title overlap — and re-scores every need's pool with
it, needs without decisions included: what it learns is how much each kind of
evidence is worth, not which offer suits which need.

The score shown stays explained: it is the model's probability that staff
would approve, and the difference to the engine's score is one more signal
(``feedback``), so text part plus signals still add up to it. On needs that have
decisions the decisions themselves win: approved offers come first (score 1,
signal ``staff_approved``), rejected ones are left out.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from matcher.expand import CONCEPT_PREFIX
from matcher.jsonl import InputError
from matcher.taxonomy import category_relation
from matcher.text import normalize
from matcher.types import Match, NotFittedError, Signal

__all__ = ["Decision", "FEATURES", "FeedbackRanker", "read_decisions", "pair_features",
           "candidate_pools", "pinned"]

PAIR_FEATURES = (
    "text", "word", "char", "concept", "bm25", "engine_score", "score_vs_top", "rank_recip",
    "category_same", "category_related", "category_unrelated", "credit_good", "credit_bad",
    "region_same", "title_overlap",
)
# Learned from the decisions themselves (leave-one-out while fitting): how often
# staff approve this offer, and pairs of these two categories, when proposed.
PRIOR_FEATURES = ("offer_prior", "offer_seen", "category_pair_prior")
FEATURES = PAIR_FEATURES + PRIOR_FEATURES
# Pseudo-counts of the priors: an offer decided once says little.
_PRIOR_STRENGTH = 3.0
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
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise InputError(f"{path}:{lineno}: expected a JSON object")
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
        tf = tf.tocoo()
        data = tf.data * 2.2 / (tf.data + norm[tf.row]) * bm25_idf[tf.col]
        self.bm25 = sp.csr_matrix((data, (tf.row, tf.col)), shape=tf.shape)
        present = vec.transform([needs.postings[i].tokens or () for i in needs.ids]).tocsr()
        present.data[:] = 1.0
        self.need_terms = present
        self.titles: dict[tuple[str, str], set[str]] = {}

    def title_bigrams(self, side: str, posting) -> set[str]:
        key = (side, posting.id)
        got = self.titles.get(key)
        if got is None:
            got = self.titles[key] = _bigrams(posting.title)
        return got


def pair_features(ctx: _PairContext, pairs: Sequence[tuple[str, str]],
                  pools: Mapping[str, list[Match]]) -> np.ndarray:
    """Feature rows (:data:`FEATURES`) for ``(need_id, offer_id)`` pairs of ``ctx.index``."""
    index = ctx.index
    needs, offers = index.needs_, index.offers_
    qi = np.array([needs.row_of[n] for n, _ in pairs], dtype=np.int64)
    dj = np.array([offers.row_of[o] for _, o in pairs], dtype=np.int64)
    out = np.zeros((len(pairs), len(PAIR_FEATURES)))
    if not len(pairs):
        return out
    prod = needs.rows()[qi].multiply(offers.rows()[dj]).tocsr()
    out[:, 1] = prod @ ctx.word
    out[:, 2] = prod @ ctx.char
    out[:, 3] = prod @ ctx.concept
    out[:, 0] = out[:, 1] + out[:, 2] + out[:, 3]
    out[:, 4] = np.asarray(ctx.need_terms[qi].multiply(ctx.bm25[dj]).sum(axis=1)).ravel()
    tw = index.weights_.text_weight
    for k, (n, o) in enumerate(pairs):
        pool = pools.get(n, [])
        top = pool[0].score if pool else 0.0
        pos = next((i for i, m in enumerate(pool) if m.offer_id == o), None)
        score = pool[pos].score if pos is not None else tw * out[k, 0]
        out[k, 5] = score
        out[k, 6] = score / top if top > 0 else 0.0
        out[k, 7] = 1.0 / (1 + (pos if pos is not None else len(pool)))
        need, offer = needs.postings[n], offers.postings[o]
        rel = category_relation(need.category, offer.category)
        out[k, 8:11] = [rel == "same", rel == "related", rel == "unrelated"]
        credit = (offer.credit or "").strip().lower()
        out[k, 11:13] = [credit == "good", credit == "bad"]
        out[k, 13] = bool(need.region and need.region.strip()
                          and need.region.strip() == (offer.region or "").strip())
        a, b = ctx.title_bigrams("n", need), ctx.title_bigrams("o", offer)
        out[k, 14] = len(a & b) / len(a | b) if a and b else 0.0
    # BM25 is unbounded: relative to the best in the need's pool, like the score.
    best: dict[str, float] = {}
    for k, (n, _) in enumerate(pairs):
        best[n] = max(best.get(n, 0.0), out[k, 4])
    out[:, 4] = [out[k, 4] / best[n] if best[n] > 0 else 0.0 for k, (n, _) in enumerate(pairs)]
    return out


class FeedbackRanker:
    """Re-rank each need's candidate pool with a model fitted on staff decisions.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength of the logistic regression.

    Attributes
    ----------
    model_ : sklearn Pipeline
        StandardScaler then LogisticRegression over :data:`FEATURES`.
    n_decisions_ : int

    Examples
    --------
    >>> from matcher import MatchIndex, Posting
    >>> idx = MatchIndex().fit([Posting("n1", "专利质押贷款")],
    ...                        [Posting("o1", "知识产权质押融资"), Posting("o2", "专利申请代理")])
    >>> r = FeedbackRanker().fit(idx, [Decision("n1", "o1", 1), Decision("n1", "o2", 0)])
    >>> [m.offer_id for m in r.rank(idx)["n1"]]
    ['o1', 'o2']
    >>> [m.offer_id for m in r.rank(idx, decisions=[Decision("n1", "o2", 0)])["n1"]]
    ['o1']
    """

    def __init__(self, *, C: float = 1.0) -> None:
        self.C = C

    def fit(self, index, decisions: Sequence[Decision],
            pools: Mapping[str, list[Match]] | None = None) -> FeedbackRanker:
        """Fit on decisions about postings of ``index`` (both labels must occur)."""
        labels = {d.label for d in decisions}
        if labels != {0, 1}:
            raise ValueError("need at least one approved and one rejected decision to learn from")
        pools = pools if pools is not None else candidate_pools(index)
        ctx = _PairContext(index)
        pairs = [(d.need_id, d.offer_id) for d in decisions]
        self._count_priors(index, decisions)
        X = np.hstack([pair_features(ctx, pairs, pools),
                       self._priors(index, pairs, leave_out=decisions)])
        y = np.array([d.label for d in decisions])
        w = np.array([d.weight for d in decisions], dtype=np.float64)
        self.model_ = make_pipeline(
            StandardScaler(), LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000))
        self.model_.fit(X, y, logisticregression__sample_weight=w)
        self.n_decisions_ = len(decisions)
        return self

    def predict(self, index, pairs: Sequence[tuple[str, str]],
                pools: Mapping[str, list[Match]]) -> np.ndarray:
        """Probability that staff approve each ``(need_id, offer_id)`` pair of ``index``."""
        self._check()
        return self._predict(_PairContext(index), pairs, pools)

    def _predict(self, ctx: _PairContext, pairs: Sequence[tuple[str, str]],
                 pools: Mapping[str, list[Match]]) -> np.ndarray:
        if not len(pairs):
            return np.zeros(0)
        X = np.hstack([pair_features(ctx, pairs, pools), self._priors(ctx.index, pairs)])
        return self.model_.predict_proba(X)[:, 1]

    def _count_priors(self, index, decisions: Sequence[Decision]) -> None:
        offer: dict[str, list[float]] = {}
        cats: dict[tuple, list[float]] = {}
        for d in decisions:
            for table, key in ((offer, d.offer_id), (cats, self._cat_key(index, (d.need_id, d.offer_id)))):
                c = table.setdefault(key, [0.0, 0.0])
                c[0] += d.label
                c[1] += 1
        self.base_rate_ = float(np.mean([d.label for d in decisions]))
        self.offer_counts_, self.category_counts_ = offer, cats

    @staticmethod
    def _cat_key(index, pair: tuple[str, str]) -> tuple:
        need, offer = index.needs_.postings[pair[0]], index.offers_.postings[pair[1]]
        return ((need.category or "").strip(), (offer.category or "").strip())

    def _priors(self, index, pairs: Sequence[tuple[str, str]],
                leave_out: Sequence[Decision] | None = None) -> np.ndarray:
        """Smoothed approval rates minus the base rate; a fitting pair's own decision
        is left out of its counts, or the model would learn to read its label."""
        out = np.zeros((len(pairs), len(PRIOR_FEATURES)))
        base, a = self.base_rate_, _PRIOR_STRENGTH
        for k, pair in enumerate(pairs):
            own = leave_out[k].label if leave_out is not None else None
            ok, on = self.offer_counts_.get(pair[1], (0.0, 0.0))
            ck, cn = self.category_counts_.get(self._cat_key(index, pair), (0.0, 0.0))
            if own is not None:
                ok, on, ck, cn = ok - own, on - 1, ck - own, cn - 1
            out[k] = [(ok + a * base) / (on + a) - base, np.log1p(on),
                      (ck + a * base) / (cn + a) - base]
        return out

    def rank(self, index, *, top: int = 10, decisions: Sequence[Decision] = (),
             pools: Mapping[str, list[Match]] | None = None) -> dict[str, list[Match]]:
        """Every open need's best ``top`` offers by the model, then the decisions
        applied (see :func:`pinned`)."""
        self._check()
        pools = pools if pools is not None else candidate_pools(index)
        pairs = [(n, m.offer_id) for n, ms in pools.items() for m in ms]
        proba = iter(self._predict(_PairContext(index), pairs, pools).tolist())
        rescored = {}
        for n, ms in pools.items():
            rescored[n] = []
            for m in ms:
                p = next(proba)
                rescored[n].append(dataclasses.replace(m, score=p, signals=m.signals + (
                    Signal("feedback", LABELS["feedback"], p - m.score),)))
        return pinned(rescored, decisions, top)

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("This FeedbackRanker is not fitted yet: call fit(index, decisions).")


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
