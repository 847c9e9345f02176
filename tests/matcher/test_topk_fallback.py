"""The pure-scipy top-n product (platforms without sparse_dot_topn) keeps the same pools."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from matcher import topk


def _random(rows: int, cols: int, seed: int) -> sp.csr_matrix:
    return sp.random(rows, cols, density=0.2, format="csr", dtype=np.float32,
                     random_state=np.random.default_rng(seed))


@pytest.mark.parametrize("top_n", [1, 3, 50])
def test_scipy_path_keeps_each_rows_best_entries(top_n: int) -> None:
    A, B = _random(30, 40, 1), _random(40, 60, 2)
    got = topk._scipy_topn(A, B, top_n).toarray()
    full = (A @ B).toarray()
    for row, want in zip(got, full, strict=True):
        kept = np.flatnonzero(row)
        assert len(kept) == min(top_n, np.count_nonzero(want))
        assert np.allclose(row[kept], want[kept])
        if len(kept) < np.count_nonzero(want):  # what was dropped is no better than what was kept
            assert want[np.setdiff1d(np.flatnonzero(want), kept)].max() <= row[kept].min()


@pytest.mark.skipif(topk.sp_matmul_topn is None, reason="sparse_dot_topn not installed here")
def test_scipy_path_agrees_with_sparse_dot_topn() -> None:
    A, B = _random(25, 30, 3), _random(30, 80, 4)
    fast = topk.product_topn(A, B, 5)
    slow = topk._scipy_topn(A, B, 5)
    assert np.allclose(fast.toarray(), slow.toarray(), atol=1e-6)


def test_whole_rematch_is_the_same_without_sparse_dot_topn(monkeypatch: pytest.MonkeyPatch) -> None:
    from matcher import MatchIndex
    from tests.matcher.conftest import NEEDS, OFFERS

    def ranked() -> list[list[tuple[str, float]]]:
        index = MatchIndex().fit(NEEDS, OFFERS)
        return [[(m.offer_id, round(m.score, 5)) for m in matches]
                for _, matches in index.rematch(top=3, n_jobs=1)]

    with_library = ranked()
    monkeypatch.setattr(topk, "sp_matmul_topn", None)
    assert ranked() == with_library
    assert any(with_library)  # the comparison is over real matches, not empty lists
