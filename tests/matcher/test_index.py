import dataclasses
import math
import pickle

import pytest

from matcher import IndexVersionError, MatchIndex, NotFittedError, Posting
from matcher.persist import VERSION
from tests.matcher.conftest import NEEDS, OFFERS


def test_match_need_ranks_relevant_offer_first(index):
    assert index.match_need(NEEDS[0])[0].offer_id == "o1"
    assert index.match_need(NEEDS[1])[0].offer_id == "o2"
    assert index.match_need(NEEDS[2])[0].offer_id == "o3"


def test_other_direction(index):
    assert index.match_offer(OFFERS[0])[0].need_id == "n1"
    assert index.match_offer(OFFERS[1])[0].need_id == "n2"


def test_new_need_not_in_index_no_refit(index):
    vocab = len(index.feature_names_)
    ms = index.match_need(Posting("new", "需要知识产权质押融资"))
    assert ms[0].offer_id == "o1" and len(index.feature_names_) == vocab


def test_closed_offer_never_returned(index):
    for need in NEEDS:
        assert all(m.offer_id != "o4" for m in index.match_need(need, top=50))
    assert all(m.offer_id != "o4" for _, ms in index.rematch(top=50) for m in ms)


def test_empty_need_matches_nothing(index):
    assert index.match_need(NEEDS[3]) == []


def test_reasons_add_up_to_score(index):
    for need in NEEDS:
        for m in index.match_need(need):
            assert 0.0 <= m.score <= 1.0
            assert math.isclose(m.text_part + sum(s.delta for s in m.signals), m.score,
                                abs_tol=1e-9)
            assert math.isclose(m.text_part, index.weights_.text_weight * m.text_score)
            assert sum(c for _, c in m.terms) <= m.text_score + 1e-6
            assert all(c > 0 for _, c in m.terms)
    m = index.match_need(NEEDS[0])[0]
    codes = {s.code for s in m.signals}
    assert {"category_same", "credit_good", "region_same"} <= codes
    d = m.to_dict()
    assert d["offer_id"] == "o1" and d["terms"][0]["term"] and d["signals"][0]["label_zh"]


def test_bad_credit_lowers_score(index):
    m = [m for m in index.match_need(NEEDS[2]) if m.offer_id == "o3"][0]
    assert any(s.code == "credit_bad" and s.delta < 0 for s in m.signals)


def test_ties_broken_by_id():
    offers = [Posting(i, "工业互联网平台", "两化融合") for i in ("b", "c", "a")]
    idx = MatchIndex().fit([Posting("n", "工业互联网")], offers)
    ms = idx.match_need(Posting("q", "工业互联网"))
    assert [m.offer_id for m in ms] == ["a", "b", "c"]
    assert len({m.score for m in ms}) == 1
    assert [m.offer_id for m in dict(idx.rematch())["n"]] == ["a", "b", "c"]


def test_top_limits_and_order(index):
    ms = index.match_need(Posting("q", "小批量试制 3D打印 质押融资 认证"), top=2)
    assert len(ms) == 2
    assert ms[0].score >= ms[1].score


def test_rematch_agrees_with_single_queries(index):
    batch = dict(index.rematch(top=3))
    assert list(batch) == ["n1", "n2", "n3", "n4"]
    for need in NEEDS:
        single = index.match_need(need, top=3)
        assert [m.offer_id for m in batch[need.id]] == [m.offer_id for m in single]


def test_unfitted_error():
    with pytest.raises(NotFittedError, match="not fitted"):
        MatchIndex().match_need(Posting("x", "专利"))
    with pytest.raises(NotFittedError):
        list(MatchIndex().rematch())


def test_init_only_stores_params():
    idx = MatchIndex(char_weight=0.3, candidates=7)
    assert idx.get_params()["char_weight"] == 0.3
    assert not [k for k in vars(idx) if k.endswith("_")]
    assert idx.fit(NEEDS, OFFERS) is idx


def test_incremental_add_update_remove(fresh_index):
    idx = fresh_index
    idx.add_offer(Posting("o9", "两化融合贯标咨询", "两化融合管理体系贯标"))
    assert idx.match_need(Posting("q", "两化融合贯标"))[0].offer_id == "o9"
    # update by id: closing it hides it
    idx.add_offer(Posting("o9", "两化融合贯标咨询", "两化融合管理体系贯标", is_open=False))
    assert all(m.offer_id != "o9" for m in idx.match_need(Posting("q", "两化融合贯标")))
    # reopen, then remove
    idx.add_offer(Posting("o9", "两化融合贯标咨询", "两化融合管理体系贯标"))
    assert idx.remove("o9") is True
    assert idx.remove("o9") is False
    assert all(m.offer_id != "o9" for m in idx.match_need(Posting("q", "两化融合贯标")))
    idx.add_need(Posting("n9", "投贷联动融资", ""))
    assert idx.match_offer(OFFERS[4])[0].need_id == "n9"
    assert "n9" in dict(idx.rematch())


def test_many_adds_compact_and_stay_correct(fresh_index):
    for i in range(300):
        fresh_index.add_offer(Posting(f"x{i:03d}", "工业互联网平台", "企业上云"))
    ms = fresh_index.match_need(Posting("q", "工业互联网平台 企业上云"), top=3)
    assert [m.offer_id for m in ms] == ["x000", "x001", "x002"]


def test_refit_reuses_tokens(fresh_index, monkeypatch):
    fresh_index.add_offer(Posting("o9", "石墨烯涂层", "石墨烯"))
    import matcher.index as mi

    monkeypatch.setattr(mi, "tokenize_many", lambda *a, **k: pytest.fail("re-segmented"))
    fresh_index.refit()
    assert "石墨烯" in set(fresh_index.feature_names_)


def test_pretokenized_posting_not_resegmented(index, monkeypatch):
    import matcher.index as mi

    monkeypatch.setattr(mi, "tokenize", lambda *a: pytest.fail("re-segmented"))
    ms = index.match_need(Posting("q", "ignored", tokens=("小批量试制",)))
    assert ms[0].offer_id == "o2"


def test_save_load_roundtrip(index, tmp_path):
    path = tmp_path / "idx.bin"
    index.save(path)
    loaded = MatchIndex.load(path)
    for need in NEEDS:
        assert loaded.match_need(need) == index.match_need(need)


def test_load_other_version(index, tmp_path):
    path = tmp_path / "idx.bin"
    index.save(path)
    raw = path.read_bytes().replace(f'"version": {VERSION}'.encode(), b'"version": 999', 1)
    path.write_bytes(raw)
    with pytest.raises(IndexVersionError, match="version 999.*refit"):
        MatchIndex.load(path)
    other = tmp_path / "junk.bin"
    other.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(IndexVersionError, match="not a zhengqi match index"):
        MatchIndex.load(other)


def test_duplicate_ids_in_fit():
    with pytest.raises(ValueError, match="duplicate"):
        MatchIndex().fit([Posting("a"), Posting("a")], [])


def test_all_empty_corpus():
    idx = MatchIndex().fit([Posting("n")], [Posting("o")])
    assert idx.match_need(Posting("q", "专利")) == []
    assert dict(idx.rematch()) == {"n": []}


def _rewrite_header(path, **changes):
    import json

    head, _, body = path.read_bytes().partition(b"\n")
    header = json.loads(head)
    header.update(changes)
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)


def test_saved_header_records_tokenizer_and_libraries(index, tmp_path):
    from matcher import tokenizer_version
    from matcher.persist import library_versions, read_header

    index.save(tmp_path / "idx.bin")
    header = read_header(tmp_path / "idx.bin")
    assert header["tokenizer"] == tokenizer_version() == index.tokenizer_version_
    assert header["libraries"] == library_versions()
    assert set(header["libraries"]) == {"scikit-learn", "numpy", "scipy"}


def test_index_from_another_tokenizer_is_refused_or_resegmented(index, tmp_path):
    path = tmp_path / "idx.bin"
    index.save(path)
    # An index whose stored tokens came from another segmentation (old cutter or
    # dictionary): here every stored posting carries one bogus token.
    stale = MatchIndex.load(path)
    for side in (stale.needs_, stale.offers_):
        for pid, p in list(side.postings.items()):
            side.postings[pid] = dataclasses.replace(p, tokens=("旧分词",))
    stale.tokenizer_version_ = "jieba-0.41+dict-000000000000"
    stale.save(path)
    with pytest.raises(IndexVersionError, match="jieba-0.41.*resegment=True"):
        MatchIndex.load(path)
    again = MatchIndex.load(path, resegment=True)
    assert again.tokenizer_version_ == index.tokenizer_version_
    assert "旧分词" not in set(again.feature_names_)
    for need in NEEDS:
        assert again.match_need(need) == index.match_need(need)


def test_index_from_other_library_versions_is_refused(index, tmp_path):
    from matcher.persist import library_versions

    path = tmp_path / "idx.bin"
    index.save(path)
    _rewrite_header(path, libraries={**library_versions(), "scikit-learn": "0.24.2"})
    with pytest.raises(IndexVersionError, match="scikit-learn 0.24.2"):
        MatchIndex.load(path)
    index.save(path)
    _rewrite_header(path, libraries={**library_versions(), "numpy": "1.0.0"})
    numpy_major = library_versions()["numpy"].split(".")[0]
    if numpy_major != "1":
        with pytest.raises(IndexVersionError, match="numpy 1.0.0"):
            MatchIndex.load(path)


def test_pickled_index_leaves_caches_behind(index):
    index.match_need(NEEDS[0])
    index.rematch(top=1)
    list(index.rematch(top=1))
    state = pickle.loads(pickle.dumps(index))
    assert getattr(state, "_category_deltas", None) is None
    assert state.offers_._alive_xt is None and state.offers_._id_ranks is None
    assert index.offers_._id_ranks is not None  # the live index keeps its caches
    assert state.match_need(NEEDS[0]) == index.match_need(NEEDS[0])


def test_hundreds_of_identical_postings_still_fit_and_match() -> None:
    # Every term is then in more postings than max_df allows; pruning all of them used to
    # make the refit fail ("After pruning, no terms remain") and keep a stale index.
    needs = [Posting(f"n{i}", "零部件表面缺陷视觉检测", "需要AI视觉检测方案替代人工目检") for i in range(250)]
    offers = [Posting(f"o{i}", "机器视觉质检解决方案", "提供深度学习表面缺陷检测") for i in range(250)]
    index = MatchIndex().fit(needs, offers)
    top = index.match_need(needs[0], top=3)
    assert len(top) == 3 and top[0].score > 0
