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

__all__ = ["block_topk", "candidate_pool", "product_topn"]

# A sample of every SAMPLE_STRIDE-th score bounds the k-th largest from below; used when the
# scores are many times more than the candidates wanted (else the exact way is as fast).
SAMPLE_STRIDE = 16


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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(query_row_in_block, offer_row, signal_scale)`` of each query's best
    ``top`` offers.

    Offers are ranked by the final score (text + signals) within each query's
    text pool of ``candidates``; ties by id. Rows are grouped by query, best first.
    The signal scale of a pair comes from its query's whole pool
    (:func:`matcher.signals.pool_scale`).
    """
    XT = offers.alive_columns()
    if Q.shape[0] == 0 or XT.shape[1] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    C = product_topn(Q, XT, max(candidates, top), n_threads)
    qi = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
    dj = C.indices.astype(np.int64)
    scale = sg.pool_scale(C.data, qi, C.shape[0], weights)
    est = sg.score_pairs(
        C.data.astype(np.float64), need_cat[qi], offers.cat[dj], need_region[qi],
        offers.region[dj], offers.credit[dj], cat_delta, weights, scale,
    )
    order = np.lexsort((offers.id_ranks()[dj], -est, qi))
    qi, dj, scale = qi[order], dj[order], scale[order]
    # Position of each pair within its query's run, to keep the first `top`.
    counts = np.bincount(qi, minlength=C.shape[0])
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    pos = np.arange(len(qi)) - starts[qi]
    keep = pos < top
    return qi[keep], dj[keep], scale[keep]


def candidate_pool(scores: np.ndarray, k: int) -> np.ndarray:
    """Ascending indices of the positive ``scores`` at or above the ``k``-th largest positive
    one (every positive one when there are at most ``k``): one query's text pool, ties kept.

    Selecting the k-th largest of a million scores costs milliseconds; the k-th largest of a
    strided sample cannot exceed it, so only the scores at or above that floor (a few times
    ``k``) go through the exact selection. Same answer as selecting over all positives.
    """
    if k > 0 and len(scores) >= 4 * SAMPLE_STRIDE * k:
        sample = scores[::SAMPLE_STRIDE]
        sample = sample[sample > 0]
        if len(sample) >= k:
            floor = np.partition(sample, len(sample) - k)[len(sample) - k]
            return _at_or_above_kth(np.flatnonzero(scores >= floor), scores, k)
    return _at_or_above_kth(np.flatnonzero(scores > 0), scores, k)


def _at_or_above_kth(pool: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    if len(pool) <= k:
        return pool
    values = scores[pool]
    kth = np.partition(values, len(values) - k)[len(values) - k]
    return pool[values >= kth]
