from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher import MatchIndex, Posting, tokenize

WORDS = ["专利", "质押", "融资", "工业互联网", "3D打印", "小批量试制", "贯标", "ISO9001", "检测",
         "认证", "人才", "投贷联动", "两化融合", "的", "公司", "ＡＩ", "專利", "5G"]
CATS = [None, "科技金融", "知识产权", "检测认证", "其它"]
text = st.lists(st.sampled_from(WORDS), max_size=6).map("".join)
posting = st.builds(
    Posting, id=st.text("abcdef", min_size=1, max_size=3), title=text, description=text,
    category=st.sampled_from(CATS), region=st.sampled_from([None, "河北区", "和平区"]),
    credit=st.sampled_from([None, "good", "normal", "bad"]), is_open=st.booleans(),
)
side = st.lists(posting, min_size=1, max_size=8, unique_by=lambda p: p.id)
quick = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@quick
@given(st.text(max_size=40))
def test_tokenize_deterministic(s):
    assert tokenize(s) == tokenize(s)
    assert all(t and t == t.strip() for t in tokenize(s))


@quick
@given(side, side, posting)
def test_scores_bounded_closed_never_returned_deterministic(needs, offers, query):
    a = MatchIndex().fit(needs, offers)
    b = MatchIndex().fit(needs, offers)
    closed = {p.id for p in offers if not p.is_open}
    closed_needs = {p.id for p in needs if not p.is_open}
    ms = a.match_need(query, top=20)
    assert ms == b.match_need(query, top=20)
    assert all(0.0 <= m.score <= 1.0 for m in ms)
    assert not closed & {m.offer_id for m in ms}
    assert not closed_needs & {m.need_id for m in a.match_offer(query, top=20)}
    keys = [(-m.score, m.offer_id) for m in ms]
    assert keys == sorted(keys)
    for nid, got in a.rematch(top=20):
        assert nid not in closed_needs
        assert not closed & {m.offer_id for m in got}
        assert all(abs(m.text_part + sum(s.delta for s in m.signals) - m.score) < 1e-9
                   for m in got)
