"""What the re-ranker knows about a (need, offer) pair besides the engine's score.

:data:`PAIR_FEATURES` describe a pair from the postings alone: the engine's
score, each text block's part of the cosine (words, characters, concepts), a
BM25 score, the share of the need's terms the offer covers and of the offer's
terms the need covers, shared concepts, title overlap, length, category
relation, credit and region. :func:`pool_rows` standardises each continuous one
within the need's candidate pool, so needs with high and low cosines weigh alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matcher.expand import CONCEPT_PREFIX
from matcher.taxonomy import category_relation
from matcher.text import normalize
from matcher.types import Match

__all__ = ["PAIR_FEATURES", "PairContext", "PoolRows", "pair_features", "pool_rows"]

PAIR_FEATURES = (
    "engine_score", "text", "word", "char", "concept", "bm25", "need_word_coverage",
    "need_char_coverage", "offer_coverage", "shared_concepts", "title_overlap",
    "title_coverage", "offer_length", "category_same", "category_related",
    "category_unrelated", "credit_good", "credit_bad", "region_same",
)
# Yes/no features are used as they are; the others are standardised within the pool.
_BINARY = frozenset({"category_same", "category_related", "category_unrelated",
                     "credit_good", "credit_bad", "region_same"})


def _bigrams(text: str) -> set[str]:
    t = normalize(text)
    return {t[i : i + 2] for i in range(len(t) - 1) if not t[i : i + 2].isspace()}


class PairContext:
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


def pair_features(ctx: PairContext, pairs: Sequence[tuple[str, str]],
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
class PoolRows:
    """Pair features standardised within each need's pool, for the pairs asked."""

    Z: np.ndarray          # (pairs, PAIR_FEATURES) standardised
    engine: np.ndarray     # the engine's score of each pair
    spread: np.ndarray     # the engine score's standard deviation in the pair's pool


def pool_rows(ctx: PairContext, pairs: Sequence[tuple[str, str]],
              pools: Mapping[str, list[Match]]) -> PoolRows:
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
    return PoolRows(Z[idx], X[idx, 0], spread[idx])
