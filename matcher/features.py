"""From tokens to weighted, L2-normalised TF-IDF rows, and the per-term reasons.

Features are the tokens themselves (words) plus character 1-2-grams over the
CJK text left after segmentation and stop words, marked with :data:`CHAR_PREFIX`. Character n-grams make
paraphrases meet (专利质押贷款 / 知识产权质押融资 share 质押, 融资 ...), which
word features alone miss and which is why BM25 over characters beats word-only
TF-IDF on short needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher.expand import CONCEPT_PREFIX, load_concepts

__all__ = [
    "CHAR_PREFIX",
    "FeatureAnalyzer",
    "explain_pairs",
    "make_vectorizer",
    "pair_products",
    "take_rows",
    "tfidf_row",
    "weighted_rows",
]

# Marks character n-gram features so they never collide with a one-char word;
# "~" never survives tokenize() as part of a token.
CHAR_PREFIX = "~"
_CJK = re.compile(r"[\u3400-\u9fff]+")


class FeatureAnalyzer:
    """Turn a token sequence into word features plus in-token character n-grams.

    A module-level class (not a lambda) so that the fitted vectorizer pickles
    and multiprocessing can ship it.

    Parameters
    ----------
    char_ngrams : tuple of int or None
        Inclusive (min_n, max_n) of character n-grams over the CJK runs of the
        joined tokens; None for words only.
    concepts : bool
        Add the domain dictionary's concepts found in the tokens
        (:mod:`matcher.expand`), marked with ``CONCEPT_PREFIX``. The dictionary is
        read when the analyzer is made and travels with it (a saved index keeps
        the concepts it was fitted with until it is refitted).
    """

    def __init__(self, char_ngrams: tuple[int, int] | None = (1, 2), concepts: bool = False):
        self.char_ngrams = char_ngrams
        self.concepts = concepts
        self.concept_table = load_concepts() if concepts else None

    def __call__(self, tokens: Sequence[str]) -> list[str]:
        feats = list(tokens)
        table = getattr(self, "concept_table", None)  # absent on analyzers saved before it
        if table is not None:
            feats.extend(CONCEPT_PREFIX + c for c in table(tokens))
        if not self.char_ngrams:
            return feats
        lo, hi = self.char_ngrams
        # N-grams run across token boundaries (stop words already removed):
        # a paraphrase that jieba splits differently in two postings still
        # shares its character pairs. Latin/digit tokens break the runs.
        for run in _CJK.findall("".join(tokens)):
            for n in range(lo, min(hi, len(run)) + 1):
                feats.extend(CHAR_PREFIX + run[i : i + n] for i in range(len(run) - n + 1))
        return feats

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, FeatureAnalyzer) and other.char_ngrams == self.char_ngrams
                and getattr(other, "concepts", False) == getattr(self, "concepts", False))

    def __repr__(self) -> str:
        return (f"FeatureAnalyzer(char_ngrams={self.char_ngrams!r}, "
                f"concepts={getattr(self, 'concepts', False)!r})")


def make_vectorizer(
    *, char_ngrams: tuple[int, int] | None, sublinear_tf: bool, max_df: float, min_df: int,
    concepts: bool = False,
) -> TfidfVectorizer:
    """A TfidfVectorizer over token tuples; never sees raw text (no token_pattern)."""
    return TfidfVectorizer(
        analyzer=FeatureAnalyzer(char_ngrams, concepts),
        token_pattern=None,
        lowercase=False,
        sublinear_tf=sublinear_tf,
        max_df=max_df,
        min_df=min_df,
        norm=None,  # normalised after the word/char block weighting below
        dtype=np.float32,
    )


def char_mask(vocabulary: dict[str, int]) -> np.ndarray:
    """Boolean mask over columns: True where the feature is a character n-gram."""
    mask = np.zeros(len(vocabulary), dtype=bool)
    for feat, col in vocabulary.items():
        if feat.startswith(CHAR_PREFIX):
            mask[col] = True
    return mask


def weighted_rows(raw: sp.csr_matrix, col_weight: np.ndarray, *, idf: np.ndarray | None = None,
                  k1: float | None = None, idf_power: float = 1.0,
                  is_char: np.ndarray | None = None) -> sp.csr_matrix:
    """Weigh TF-IDF rows, then L2-normalise them (float32 CSR).

    With ``k1`` (and the vectorizer's ``idf``), the raw term frequency is first
    saturated BM25-style, ``tf * (k1 + 1) / (tf + k1)``; the row's L2 norm then
    plays the part of BM25's length normalisation. ``idf_power`` raises the idf
    factor (1 is plain TF-IDF). With ``is_char`` (the character n-gram columns)
    the word block and the character block of each row are L2-normalised on
    their own first, so that the block weight (``col_weight``) sets their shares
    of the cosine whatever a posting's length or script; otherwise the weights
    apply to the raw TF-IDF values. Rows always end with unit L2 norm.
    """
    raw = sp.csr_matrix(raw, dtype=np.float32, copy=True)
    if idf is not None and raw.nnz and (k1 is not None or idf_power != 1.0):
        w = idf.astype(np.float32)[raw.indices]
        tf = raw.data / w
        if k1 is not None:
            tf = tf * np.float32(k1 + 1) / (tf + np.float32(k1))
        raw.data = (tf * w ** np.float32(idf_power)).astype(np.float32)
    if is_char is not None and raw.nnz:
        n = raw.shape[0]
        rows = np.repeat(np.arange(n), np.diff(raw.indptr))
        block = is_char[raw.indices].astype(np.int64)
        sq = np.bincount(rows * 2 + block, weights=raw.data.astype(np.float64) ** 2,
                         minlength=2 * n)
        norm = np.sqrt(sq)[rows * 2 + block]
        raw.data = (raw.data / norm).astype(np.float32)
    raw.data *= col_weight[raw.indices]
    raw.data = _l2_normalised(raw.indptr, raw.data)
    raw.sort_indices()
    return raw


def _l2_normalised(indptr: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation of CSR data with scikit-learn's arithmetic (float32
    squares summed in float64, divided in float64), bit for bit, without its
    per-call input validation (which costs more than the work for one row)."""
    if not len(data):
        return data
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    norm = np.sqrt(np.bincount(rows, weights=(data * data).astype(np.float64),
                               minlength=len(indptr) - 1))
    norm[norm == 0.0] = 1.0
    return (data / norm[rows]).astype(np.float32)


def tfidf_row(features: Sequence[str], vocabulary: dict[str, int], idf: np.ndarray, *,
              sublinear_tf: bool, n_features: int) -> sp.csr_matrix:
    """One document's raw TF-IDF row, as the fitted ``TfidfVectorizer.transform``
    computes it (float32 counts of known features, sublinear tf, times idf; no
    norm), without its per-call validation: the hot step of a single query."""
    counts: dict[int, int] = {}
    for f in features:
        j = vocabulary.get(f)
        if j is not None:
            counts[j] = counts.get(j, 0) + 1
    cols = np.array(sorted(counts), dtype=np.int32)
    data = np.array([counts[c] for c in cols.tolist()], dtype=np.float32)
    if sublinear_tf:
        np.log(data, data)
        data += np.float32(1.0)
    data *= idf[cols]
    return sp.csr_matrix((data, cols, np.array([0, len(cols)], dtype=np.int32)),
                         shape=(1, n_features))


def take_rows(X: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """``X[rows]`` for a CSR matrix, gathered with numpy alone (scipy's fancy
    indexing costs ~0.1 ms a call, most of a single query's budget)."""
    rows = np.asarray(rows, dtype=np.int64)
    starts = X.indptr[rows].astype(np.int64)
    lens = X.indptr[rows + 1] - starts
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    pos = np.repeat(starts - indptr[:-1], lens) + np.arange(indptr[-1])
    out = sp.csr_matrix((X.data[pos], X.indices[pos], indptr), shape=(len(rows), X.shape[1]))
    out.has_sorted_indices = X.has_sorted_indices
    return out


def pair_products(Q: sp.csr_matrix, qi: np.ndarray, D: sp.csr_matrix
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nonzero products ``Q[qi[k], t] * D[k, t]`` as ``(k, t, product)`` arrays, ordered
    by ``k`` then ``t``: the per-term contributions of each pair's cosine.

    ``D`` holds the target rows already gathered, one per pair. When every pair has
    the same query (a single query), the query row is spread densely and looked up,
    which gives the same float32 products as scipy's elementwise multiply.
    """
    n = len(qi)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32)
    if (qi == qi[0]).all():
        dense = np.zeros(Q.shape[1], dtype=np.float32)
        s, e = Q.indptr[qi[0]], Q.indptr[qi[0] + 1]
        dense[Q.indices[s:e]] = Q.data[s:e]
        vals = D.data * dense[D.indices]
        keep = vals != 0
        rows = np.repeat(np.arange(n), np.diff(D.indptr))[keep]
        return rows, D.indices[keep], vals[keep]
    prod = Q[qi].multiply(D).tocsr()
    prod.sum_duplicates()
    return np.repeat(np.arange(n), np.diff(prod.indptr)), prod.indices, prod.data


def explain_pairs(
    rows: np.ndarray, cols: np.ndarray, products: np.ndarray, n: int, n_terms: int,
    is_char: np.ndarray,
) -> tuple[np.ndarray, list[list[tuple[int, float, bool]]]]:
    """Exact cosines and top contributing columns of ``n`` pairs, from their term
    products (:func:`pair_products`).

    For L2-normalised rows the cosine is ``sum_t q_t * d_t``; each product is that
    term's contribution, so the listed contributions plus the unlisted rest add up
    to the cosine. Each listed entry is ``(column, contribution, is a character
    n-gram)``, at most ``n_terms`` per pair, largest first (ties: lower column).
    """
    if n == 0:
        return np.zeros(0), []
    data = products.astype(np.float64)
    cos = np.bincount(rows, weights=data, minlength=n)
    order = np.lexsort((cols, -data, rows))
    starts = np.searchsorted(rows, np.arange(n))
    rank = np.arange(len(order)) - starts[rows]
    keep = order[rank < n_terms]
    kc = cols[keep]
    terms: list[list[tuple[int, float, bool]]] = [[] for _ in range(n)]
    for r, c, v, ch in zip(rows[keep].tolist(), kc.tolist(), data[keep].tolist(),
                           is_char[kc].tolist(), strict=True):
        terms[r].append((c, v, ch))
    return cos, terms
