"""Signals re-rank within the text's own scale; they do not outvote it (issue 14)."""

import math

from matcher import MatchIndex, Posting
from matcher.signals import SignalWeights

NEED = Posting("n", "注塑件缩痕翘曲", "注塑件表面缩痕、翘曲变形，想优化工艺", category="技术攻关")


def test_category_cannot_overturn_a_clear_text_lead():
    offers = [Posting("o1", "注塑工艺优化", "解决注塑件缩痕、翘曲变形", category="工业设计"),
              Posting("o2", "工艺咨询", "各类咨询服务", category="技术攻关")]
    ranked = MatchIndex().fit([NEED], offers).match_need(NEED)
    assert ranked[0].offer_id == "o1"
    # The old absolute weights let the category decide between these two.
    absolute = SignalWeights(category={"same": 0.3, "unrelated": -0.3}, pool_relative=False)
    old = MatchIndex(weights=absolute).fit([NEED], offers).match_need(NEED)
    assert old[0].offer_id == "o2"


def test_category_breaks_a_near_tie():
    offers = [Posting("o1", "注塑件缩痕翘曲", "注塑件表面缩痕、翘曲变形", category="工业设计"),
              Posting("o2", "注塑件缩痕翘曲", "注塑件表面缩痕、翘曲变形", category="技术攻关")]
    ranked = MatchIndex().fit([NEED], offers).match_need(NEED)
    assert [m.offer_id for m in ranked] == ["o2", "o1"]


def test_scaled_signals_still_add_up_in_both_paths():
    offers = [Posting(f"o{i}", f"注塑工艺{i}", "注塑件缩痕" * (i + 1), category=c, credit="good",
                      region="河北区")
              for i, c in enumerate(["技术攻关", "工业设计", "小批量试制"])]
    need = Posting("n", NEED.title, NEED.description, category="技术攻关", region="河北区")
    idx = MatchIndex().fit([need], offers)
    single = idx.match_need(need)
    batch = dict(idx.rematch())["n"]
    for m in single + batch:
        assert math.isclose(m.text_part + sum(s.delta for s in m.signals), m.score, abs_tol=1e-9)
    assert [m.offer_id for m in single] == [m.offer_id for m in batch]
    assert all(math.isclose(a.score, b.score, abs_tol=1e-6) for a, b in zip(single, batch, strict=True))


def test_signal_columns_add_up_exactly_and_share_sets():
    import numpy as np

    from matcher.signals import signal_columns

    w = SignalWeights()
    kinds = [("same", "good", True), ("unrelated", "bad", False), ("related", None, False)]
    kind = np.array([0, 0, 1, 2, 0])
    text_part = np.array([0.5, 0.5, 0.2, 0.3, 0.95])
    scale = np.array([0.5, 0.5, 0.5, 0.5, 1.0])
    score, at, sets = signal_columns(text_part, kinds, kind, w, scale)
    found = [sets[i] for i in at.tolist()]
    assert [[code for code, _, _ in f] for f in found] == [
        ["category_same", "credit_good", "region_same"],
        ["category_same", "credit_good", "region_same"],
        ["category_unrelated", "credit_bad"],
        [],  # related and no credit: weight 0, no signal shown
        ["category_same", "credit_good", "region_same", "clip"],
    ]
    assert at[0] == at[1] and len(sets) == 4  # the same pair kind and scale share one set
    for tp, s, f in zip(text_part.tolist(), score.tolist(), found, strict=True):
        assert tp + sum(d for _, _, d in f) == s  # exactly, clip included
    assert score[4] == 1.0
    assert found[2][0][1] == "服务类别不相关"
