import pytest

from matcher import normalize, tokenize
from matcher.text import domain_terms, stop_words, tokenize_many


def test_nfkc_full_width_and_case():
    assert normalize("ＩＳＯ９００１，５Ｇ　ＡＩ") == "iso9001,5g ai"


def test_traditional_to_simplified():
    assert tokenize("專利質押貸款") == tokenize("专利质押贷款") == ["专利质押贷款"]


@pytest.mark.parametrize("term", ["知识产权质押", "投贷联动", "两化融合", "贯标", "工业互联网",
                                  "小批量试制", "检测认证", "技术入股", "产学研"])
def test_domain_terms_stay_whole(term):
    assert term in tokenize(f"我们希望在{term}方面开展合作")


def test_dictionary_size():
    assert len(domain_terms()) >= 300


def test_latin_and_digits_whole():
    toks = tokenize("5G模组、AI算法、ISO9001认证、3D打印、ＩＡＴＦ16949")
    assert {"5g模组", "ai", "iso9001", "3d打印", "iatf16949"} <= set(toks)
    assert tokenize("3D打印") == tokenize("３Ｄ打印") == ["3d打印"]


def test_stop_words_and_filler_removed():
    toks = tokenize("我们公司的需求：提供相关服务和企业合作，2021年100万元")
    assert toks == []
    assert {"的", "了", "和", "公司", "企业", "需求", "服务", "我们", "提供", "相关"} <= stop_words()


def test_empty_and_none_like():
    assert tokenize("") == []
    assert tokenize("   \n\t") == []


def test_tokenize_many_matches_single_process():
    texts = ["工业互联网平台建设", "专利质押贷款", "两化融合贯标"] * 400
    assert tokenize_many(texts, n_jobs=2, chunk_size=100) == [tuple(tokenize(t)) for t in texts]


def _reference_tokenize(text):
    """The uncached pipeline: zhconv and jieba over the whole text at once."""
    import unicodedata

    import zhconv

    from matcher.text import _MEANINGFUL, _SPACES, _segmenter

    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub(" ", zhconv.convert(text, "zh-cn").lower()).strip()
    stops = stop_words()
    return [t for t in (t.strip() for t in _segmenter().cut(text, HMM=True))
            if t and t not in stops and _MEANINGFUL.search(t)]


def test_cached_pieces_match_whole_text_pipeline():
    from matcher.gen import generate

    texts = [p.text for p in generate(300, kind="need", seed=7) + generate(300, kind="offer", seed=7)]
    texts += ["我幹什麼不干你事。人體內存在很多微生物", "伺服器,解析度;著作權(專利)/軟體!",
              "  㐀㐁 ，。x y\u3000Ｚ\t\n5G ＡＩ 3D打印 a-b_c.d %# ", "身分,證明。代表著[西元2020]"]
    texts += [t + t[::-1] for t in texts[:50]]  # the same clauses again: cache hits
    assert [tokenize(t) for t in texts] == [_reference_tokenize(t) for t in texts]


def test_zhconv_skip_is_exact():
    import zhconv

    from matcher.text import _may_convert

    for t in ["控制系统分布式存在", "控制枱", "乾燥", "矽谷", "人工智能", "我幹什麼不干你事", "abc 123"]:
        if not _may_convert(t):
            assert zhconv.convert(t, "zh-cn") == t


def test_tokenize_many_sends_joined_tokens_back_intact():
    texts = ["ISO9001认证 5G模组", "", "  ", "工业互联网、AI算法。专利质押"] * 300
    assert tokenize_many(texts, n_jobs=2, chunk_size=100) == [tuple(tokenize(t)) for t in texts]
