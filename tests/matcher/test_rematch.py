"""The full rematch: serial, multi-process and single-query paths agree."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from matcher import MatchIndex
from matcher.gen import generate
from matcher.parallel import fork_available


@pytest.fixture(scope="module")
def gen_index() -> MatchIndex:
    needs = generate(500, kind="need", seed=11)
    offers = generate(700, kind="offer", seed=11)
    offers[3] = dataclasses.replace(offers[3], is_open=False)
    idx = MatchIndex().fit(needs, offers)
    for p in generate(30, kind="offer", seed=12, prefix="late"):
        idx.add_offer(p)  # delta rows
    idx.remove(offers[5].id)
    return idx


def test_rematch_equals_match_need(gen_index):
    batch = dict(gen_index.rematch(top=10, block_size=64))
    needs = list(gen_index.needs_.postings.values())
    for need in needs[::25]:
        single = gen_index.match_need(need, top=10)
        got = batch[need.id]
        assert [m.offer_id for m in got] == [m.offer_id for m in single]
        for a, b in zip(got, single, strict=True):
            assert a.score == pytest.approx(b.score, abs=1e-6)
            assert [t.term for t in a.terms] == [t.term for t in b.terms]
            assert [t.contribution for t in a.terms] == pytest.approx(
                [t.contribution for t in b.terms], abs=1e-6)
            assert a.signals == b.signals or [s.code for s in a.signals] == [
                s.code for s in b.signals]


@pytest.mark.skipif(not fork_available(), reason="multi-process rematch needs fork")
@pytest.mark.parametrize("explain", [True, False])
def test_rematch_processes_identical_to_serial(gen_index, explain):
    serial = list(gen_index.rematch(top=10, n_jobs=1, block_size=64, explain=explain))
    multi = list(gen_index.rematch(top=10, n_jobs=2, block_size=64, explain=explain))
    assert multi == serial
    assert len(serial) == 500


def test_rematch_explained_scores_match_unexplained(gen_index):
    plain = dict(gen_index.rematch(top=5, explain=False))
    for nid, ms in gen_index.rematch(top=5):
        assert [m.offer_id for m in ms] == [m.offer_id for m in plain[nid]]
        assert all(m.terms for m in ms if m.text_score > 0)


def test_tf_saturation_option(tmp_path):
    needs = generate(60, kind="need", seed=3)
    offers = generate(80, kind="offer", seed=3)
    # offer_tf_k1 (default 8) would override tf_k1 on the offer side.
    plain = MatchIndex(offer_tf_k1=None).fit(needs, offers)
    sat = MatchIndex(tf_k1=1.2, offer_tf_k1=None).fit(needs, offers)
    assert (sat.offers_.X != plain.offers_.X).nnz > 0
    ms = sat.match_need(needs[0])
    assert ms and all(0.0 <= m.score <= 1.0 for m in ms)
    sat.save(tmp_path / "i.zq")
    again = MatchIndex.load(tmp_path / "i.zq")
    assert again.tf_k1 == 1.2
    assert [m.offer_id for m in again.match_need(needs[0])] == [m.offer_id for m in ms]


def test_asymmetric_and_block_options():
    needs = generate(60, kind="need", seed=4)
    offers = generate(80, kind="offer", seed=4)
    idx = MatchIndex(block_norm=True, char_weight=1.2, offer_tf_k1=8.0,
                     need_idf_power=1.25).fit(needs, offers)
    for X in (idx.needs_.X, idx.offers_.X):
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        assert np.allclose(norms[norms > 0], 1.0, atol=1e-5)
    ms = idx.match_need(needs[0])
    assert ms and all(0.0 <= m.score <= 1.0 for m in ms)
    # A stored need matched again as new gets the same (need-side) vector.
    again = idx.match_need(dataclasses.replace(needs[0], id="new"))
    assert [m.offer_id for m in again] == [m.offer_id for m in ms]


def test_an_index_with_no_offers_yet_answers_empty() -> None:
    """A new platform has needs but no offers: fitting and matching must still work."""
    from matcher import MatchIndex, Posting

    index = MatchIndex().fit([Posting(id="n1", title="视觉检测", description="表面缺陷")], [])
    assert index.match_need(Posting(id="n2", title="视觉检测"), top=5) == []


def test_an_empty_corpus_fits_and_grows() -> None:
    """The platform's first start: nothing posted yet, then a need arrives."""
    from matcher import MatchIndex, Posting

    index = MatchIndex().fit([], [])
    index.add_need(Posting(id="n1", title="视觉检测"))
    assert index.match_need(Posting(id="n1", title="视觉检测"), top=5) == []


def test_reason_terms_are_words_not_bigrams_across_words() -> None:
    from matcher.explain import fold_terms

    names = ["虚拟", "调试", "拟调", "调"]
    entries = [(2, 0.3, True), (0, 0.2, False), (1, 0.1, False), (3, 0.05, True)]
    terms = fold_terms(entries, names, 5)
    assert [t for t, _ in terms] == ["虚拟", "调试"]
    assert abs(dict(terms)["调试"] - 0.15) < 1e-12  # 调 joins the word that holds it
    # With no shared word at all, the character overlap is shown rather than nothing.
    assert [t for t, _ in fold_terms([(2, 0.3, True)], names, 5)] == ["拟调"]


@pytest.mark.skipif(not fork_available(), reason="multi-process rematch needs fork")
def test_the_heap_is_frozen_only_while_workers_run(gen_index):
    import gc

    from matcher.parallel import forked_pool

    gc.unfreeze()  # as an ordinary process starts, whatever ran before in this one
    with forked_pool(2) as pool:
        assert gc.get_freeze_count() > 0
        assert pool.apply(gc.get_freeze_count) > 0  # the workers never walk the index
    assert gc.get_freeze_count() == 0
    list(gen_index.rematch(top=3, n_jobs=2, block_size=64))
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a process that froze its own heap (the web server) keeps it frozen
    try:
        with forked_pool(2):
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
