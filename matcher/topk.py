"""Blocked top-k sparse products: a block of needs against all offers, never dense N x M.

``sparse_dot_topn`` multiplies a block of query rows by the offers' transposed
matrix while keeping only the best ``candidates`` per row (C++ with threads),
so memory is O(block x candidates). Where it has no wheel (Linux aarch64 gets
only 0.3.x, without ``sp_matmul_topn``), scipy multiplies the block and the best
``candidates`` per row are kept afterwards: same pools, more memory per block.
The structured signals then re-rank that pool, vectorised over all pairs of the
block.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matcher import signals as sg
from matcher.store import Side

try:
    from sparse_dot_topn import sp_matmul_topn
except ImportError:  # no wheel for this platform, or a 0.3.x without sp_matmul_topn
    sp_matmul_topn = None

__all__ = ["block_topk", "alive_columns", "cached_id_ranks", "product_topn"]


def _scipy_topn(A: sp.csr_matrix, B: sp.csr_matrix, top_n: int) -> sp.csr_matrix:
    """``A @ B`` keeping each row's ``top_n`` largest positive entries (ties: lower column)."""
    C = (A @ B).tocsr()
    C.sort_indices()
    rows = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
    order = np.lexsort((C.indices, -C.data, rows))
    counts = np.diff(C.indptr)
    pos = np.arange(len(order)) - np.repeat(C.indptr[:-1], counts)
    keep = order[(pos < top_n) & (C.data[order] > 0)]
    keep.sort()  # back to row-major, column-sorted order
    out = sp.csr_matrix((C.data[keep], C.indices[keep], np.concatenate(
        ([0], np.cumsum(np.bincount(rows[keep], minlength=C.shape[0]))))), shape=C.shape)
    return out


def product_topn(A: sp.csr_matrix, B: sp.csr_matrix, top_n: int, n_threads: int = 1) -> sp.csr_matrix:
    """Each row of ``A @ B`` cut to its ``top_n`` best entries, through sparse_dot_topn when
    it is installed and scipy otherwise."""
    if sp_matmul_topn is None:
        return _scipy_topn(A, B, top_n)
    return sp_matmul_topn(A, B, top_n=top_n, threshold=0.0,
                          n_threads=n_threads if n_threads > 1 else None)


def alive_columns(side: Side) -> sp.csr_matrix:
    """The side's transposed matrix with closed/removed postings zeroed out (cached per state)."""
    key = (id(side.XT), side.alive.tobytes().__hash__())
    cache = getattr(side, "_alive_cache", None)
    if cache is not None and cache[0] == key:
        return cache[1]
    XT = side.XT
    if not side.alive.all():
        XT = (XT @ sp.diags(side.alive.astype(np.float32))).tocsr()
        XT.eliminate_zeros()
    side._alive_cache = (key, XT)
    return XT


def id_ranks(side: Side) -> np.ndarray:
    """Rank of each row's id in sorted id order, for a vectorised id tie-break."""
    order = sorted(range(len(side.ids)), key=side.ids.__getitem__)
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order))
    return ranks


def cached_id_ranks(side: Side) -> np.ndarray:
    """:func:`id_ranks`, cached on the side until its rows change."""
    ranks = getattr(side, "_rank_cache", None)
    if ranks is None or len(ranks[1]) != len(side.ids) or ranks[0] is not side.XT:
        ranks = (side.XT, id_ranks(side))
        side._rank_cache = ranks
    return ranks[1]


def block_topk(
    Q: sp.csr_matrix,
    offers: Side,
    *,
    top: int,
    candidates: int,
    need_cat: np.ndarray,
    need_region: np.ndarray,
    cat_delta: np.ndarray,
    weights: sg.SignalWeights,
    n_threads: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(query_row_in_block, offer_row)`` of each query's best ``top`` offers.

    Offers are ranked by the final score (text + signals) within each query's
    text pool of ``candidates``; ties by id. Rows are grouped by query, best first.
    """
    XT = alive_columns(offers)
    if Q.shape[0] == 0 or XT.shape[1] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    C = product_topn(Q, XT, max(candidates, top), n_threads)
    qi = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
    dj = C.indices.astype(np.int64)
    est = sg.score_pairs(
        C.data.astype(np.float64), need_cat[qi], offers.cat[dj], need_region[qi],
        offers.region[dj], offers.credit[dj], cat_delta, weights,
    )
    order = np.lexsort((cached_id_ranks(offers)[dj], -est, qi))
    qi, dj = qi[order], dj[order]
    # Position of each pair within its query's run, to keep the first `top`.
    counts = np.bincount(qi, minlength=C.shape[0])
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    pos = np.arange(len(qi)) - starts[qi]
    keep = pos < top
    return qi[keep], dj[keep]
