import pytest

from matcher import normalize, tokenize, tokenizer_version
from matcher.text import domain_terms, stop_words, tokenize_many


def _csl_found() -> bool:
    from matcher.datasets import csl_dir

    try:
        csl_dir()
    except FileNotFoundError:
        return False
    return True


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


@pytest.fixture(scope="module")
def jieba_whole_text():
    """The uncached pipeline with jieba 0.42 as the cutter: zhconv and jieba over the
    whole text at once (the engine caches pieces and cuts with jieba-rs)."""
    import unicodedata

    import zhconv

    from matcher.bench_segmentation import jieba_segmenter
    from matcher.text import _SPACES, filter_tokens

    seg = jieba_segmenter()

    def tokenize_with_jieba(text):
        text = unicodedata.normalize("NFKC", text)
        text = _SPACES.sub(" ", zhconv.convert(text, "zh-cn").lower()).strip()
        return filter_tokens(seg.cut(text, HMM=True))

    return tokenize_with_jieba


def test_same_tokens_as_jieba_on_generated_and_tricky_text(jieba_whole_text):
    from matcher.gen import generate

    texts = [p.text for p in generate(300, kind="need", seed=7) + generate(300, kind="offer", seed=7)]
    texts += ["我幹什麼不干你事。人體內存在很多微生物", "伺服器,解析度;著作權(專利)/軟體!",
              "  㐀㐁 ，。x y\u3000Ｚ\t\n5G ＡＩ 3D打印 a-b_c.d %# ", "身分,證明。代表著[西元2020]"]
    texts += [t + t[::-1] for t in texts[:50]]  # the same clauses again: cache hits
    assert [tokenize(t) for t in texts] == [jieba_whole_text(t) for t in texts]


@pytest.mark.parametrize("text", [
    "采用HPLC-ESI-MS和RP-HPLC测定", "锆石U-Pb年龄", "质量1525.7kg的构件", "Navier-Stokes方程",
    "ET-1水平", "5G模组、ISO9001认证、3D打印", "ＩＳＯ９００１，５Ｇ　３Ｄ打印", "增长12.5%的ai芯片",
    "C++与C#开发", "r&d投入", "ls-dyna仿真", "ADSP-21160处理器",
])
def test_same_tokens_as_jieba_for_latin_and_digits(text, jieba_whole_text):
    assert tokenize(text) == jieba_whole_text(text)


@pytest.mark.parametrize("term", ["知识产权质押融资", "投贷联动", "两化融合", "贯标", "工业互联网",
                                  "小批量试制", "3d打印", "检测认证", "技术入股", "产学研"])
def test_domain_terms_same_as_jieba(term, jieba_whole_text):
    text = f"本公司拟开展{term}相关合作，{term}需求明确"
    assert tokenize(text) == jieba_whole_text(text)
    assert tokenize(text).count(term) == 2


@pytest.mark.skipif(not _csl_found(), reason="CSL dev split not on this machine")
def test_same_tokens_as_jieba_on_real_text(jieba_whole_text):
    from matcher.bench_segmentation import token_agreement
    from matcher.datasets import csl_texts

    texts = csl_texts()[:1500]
    agreement = token_agreement([jieba_whole_text(t) for t in texts], [tokenize(t) for t in texts])
    assert agreement == {"token_f1": 1.0, "identical_share": 1.0}


def test_same_tokens_in_a_fresh_interpreter():
    """Same text, same tokens in another process (a worker under spawn, a restart)."""
    import json
    import subprocess
    import sys

    texts = ["专利质押贷款与投贷联动", "HPLC-ESI-MS 5G模组 ３Ｄ打印", "工业互联网平台，两化融合贯标咨询"]
    code = ("import json, sys; from matcher import tokenize, tokenizer_version;"
            "print(json.dumps([tokenizer_version(), [tokenize(t) for t in json.load(sys.stdin)]]))")
    proc = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), text=True,
                          capture_output=True, check=True, timeout=120)
    version, tokens = json.loads(proc.stdout)
    assert version == tokenizer_version()
    assert tokens == [tokenize(t) for t in texts]


def test_tokenizer_version_names_the_cutter():
    from importlib.metadata import version

    assert tokenizer_version().startswith(f"rjieba-{version('rjieba')}+")
    assert "jieba-0.42" not in tokenizer_version()


def test_zhconv_skip_is_exact():
    import zhconv

    from matcher.text import _may_convert

    for t in ["控制系统分布式存在", "控制枱", "乾燥", "矽谷", "人工智能", "我幹什麼不干你事", "abc 123"]:
        if not _may_convert(t):
            assert zhconv.convert(t, "zh-cn") == t


def test_tokenize_many_sends_joined_tokens_back_intact():
    texts = ["ISO9001认证 5G模组", "", "  ", "工业互联网、AI算法。专利质押"] * 300
    assert tokenize_many(texts, n_jobs=2, chunk_size=100) == [tuple(tokenize(t)) for t in texts]
