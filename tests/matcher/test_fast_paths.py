"""The single-query fast paths give bit-identical numbers to the library calls they replace."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from matcher import MatchIndex, Posting
from matcher.bench_pool import over_all_positives, run
from matcher.features import pair_products, take_rows, tfidf_row, weighted_rows
from matcher.gen import generate
from matcher.topk import candidate_pool


@pytest.fixture(scope="module")
def fitted() -> tuple[MatchIndex, list[Posting]]:
    needs, offers = generate(150, kind="need", seed=11), generate(300, kind="offer", seed=11)
    index = MatchIndex().fit(needs, offers)
    # The stored postings carry their tokens.
    return index, list(index.needs_.postings.values()) + list(index.offers_.postings.values())


def _random(rows: int, cols: int, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    X = sp.random(rows, cols, density=0.05, format="csr", dtype=np.float32, random_state=rng)
    X.data = (X.data * rng.uniform(0.01, 50, X.nnz)).astype(np.float32)
    return X


def test_tfidf_row_equals_the_vectorizer(fitted):
    index, postings = fitted
    vec = index.vectorizer_
    for p in postings[:200]:
        fast = tfidf_row(vec.analyzer(p.tokens), vec.vocabulary_, vec.idf_, sublinear_tf=False,
                         n_features=len(index.term_names_))
        slow = vec.transform([p.tokens])
        assert fast.shape == slow.shape
        assert np.array_equal(fast.indices, slow.indices) and np.array_equal(fast.data, slow.data)


def test_single_transform_equals_the_batch_transform(fitted):
    index, postings = fitted
    many = index.transform(postings[:100], side="offer")
    for i, p in enumerate(postings[:100]):
        one = index.transform([p], side="offer")
        assert np.array_equal(one.indices, many[i].indices)
        assert np.array_equal(one.data, many[i].data)


def test_row_normalisation_is_scikit_learns_bit_for_bit():
    X = _random(500, 800, 1)
    ours = weighted_rows(X, np.ones(800, dtype=np.float32))
    theirs = normalize(X, copy=True)
    theirs.sort_indices()
    assert np.array_equal(ours.data, theirs.data) and np.array_equal(ours.indices, theirs.indices)


def test_take_rows_and_gather_equal_fancy_indexing(fitted):
    X = _random(300, 200, 2)
    rows = np.array([5, 0, 299, 5, 17])
    assert (take_rows(X, rows) != X[rows]).nnz == 0
    side = fitted[0].offers_
    assert (side.gather(np.array([3, 1, 2])) != side.X[[3, 1, 2]]).nnz == 0


def test_gather_mixes_main_and_delta_rows_in_order():
    index = MatchIndex().fit(generate(20, kind="need", seed=3), generate(30, kind="offer", seed=3))
    for p in generate(5, kind="offer", seed=4, prefix="extra"):
        index.add_offer(p)
    side = index.offers_
    rows = np.array([31, 0, 34, 2, 30])
    assert (side.gather(rows) != side.rows()[rows]).nnz == 0


def test_cosines_equal_scipys_product(fitted):
    index, postings = fitted
    side = index.offers_
    for p in postings[:50]:
        q = index.transform([p])
        want = side.XT[q.indices].T @ q.data.astype(np.float64)
        want[~side.alive] = 0.0
        assert np.array_equal(side.cosines(q), want)


def test_single_query_products_equal_scipys_multiply():
    Q, D = _random(1, 400, 5), _random(12, 400, 6)
    qi = np.zeros(12, dtype=np.int64)
    rows, cols, vals = pair_products(Q, qi, D)
    want = Q[qi].multiply(D).tocsr()
    want.eliminate_zeros()
    assert np.array_equal(vals, want.data) and np.array_equal(cols, want.indices)
    assert np.array_equal(rows, np.repeat(np.arange(12), np.diff(want.indptr)))


@pytest.mark.parametrize("n", [0, 7, 50, 3_199, 3_200, 20_000])
@pytest.mark.parametrize("seed", range(6))
def test_the_sampled_candidate_pool_is_the_exact_one(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = np.zeros(n)
    # Most offers share nothing with a need (0); scores rounded so that ties are common.
    hit = rng.random(n) < [0.6, 0.02, 0.3, 0.9, 0.001, 0.5][seed]
    scores[hit] = np.round(rng.gamma(2.0, 0.05, hit.sum()), [2, 3, 4, 2, 5, 1][seed])
    for k in (1, 10, 50, 400):
        assert np.array_equal(candidate_pool(scores, k), over_all_positives(scores, k)), (n, seed, k)


def test_the_sampled_floor_is_used_where_it_pays_and_still_keeps_every_tie() -> None:
    scores = np.zeros(100_000)
    scores[::3] = 0.5  # 33,334 equal scores: the floor is 0.5, every one of them is kept
    scores[[10, 20_000, 99_998]] = [0.9, 0.8, 0.7]  # none of them among the tied
    pool = candidate_pool(scores, 50)
    assert len(pool) == 33_334 + 3 and np.array_equal(pool, over_all_positives(scores, 50))


def test_the_pool_benchmark_swaps_both_ways_in_and_puts_the_engine_back() -> None:
    from matcher import index as index_module

    rep = run(4_000, queries=20, runs=1)  # above 4 x 16 x 50 scores: the sampled floor is used
    assert rep["same_top10"] is True
    assert set(rep["timings"]) == {"all positives", "sampled floor"}  # type: ignore[arg-type]
    assert index_module.candidate_pool is candidate_pool
