"""The concept dictionary: what fires, what does not, and how reasons show it."""

import pytest

from matcher import MatchIndex, Posting
from matcher.expand import EXPANDED_MARK, _Matcher, concepts_in, parse_concepts
from matcher.text import tokenize


def concepts(text: str) -> list[str]:
    return concepts_in(tokenize(text))


def test_symptoms_and_service_names_meet_on_one_concept():
    assert "失效分析" in concepts("外壳用了三个月就开裂，想弄清是材料还是工艺的问题")
    assert "失效分析" in concepts("金属与塑料零部件失效分析")
    assert "研发费用加计扣除" in concepts("研发投入不少，可税前扣除每年都被税务质疑")
    assert "知识产权质押融资" in concepts("专利质押贷款")
    assert "知识产权质押融资" in concepts("知识产权质押融资")


def test_the_two_emcs_stay_apart():
    energy = concepts("想采用EMC模式做余热回收，由节能公司投资")
    radio = concepts("产品做EMC测试时静电打到4kV就重启")
    assert "合同能源管理" in energy and "电磁兼容检测" not in energy
    assert "电磁兼容检测" in radio and "合同能源管理" not in radio


def test_latin_triggers_match_whole_tokens_only():
    assert "股权投资" in concepts("想找 VC 融资")
    assert "股权投资" not in concepts("PVC管材加工")


def test_shorter_trigger_inside_a_longer_one_also_fires():
    m = _Matcher({"a": ("电磁兼容",), "b": ("电磁",)})
    assert m(tokenize("电磁兼容")) == ["a", "b"]


@pytest.mark.parametrize("line", ["只有名字", "= 触发词", "名字 = | "])
def test_bad_dictionary_line_names_its_number(line):
    with pytest.raises(ValueError, match="synonyms.txt:2"):
        parse_concepts(["# comment", line])


def test_a_need_finds_a_service_it_shares_no_word_with_and_says_why():
    need = Posting("n1", "外壳用了三个月就开裂", "想弄清是材料还是工艺的问题")
    offers = [Posting("o1", "零部件失效分析", "断口形貌、金相组织检测"),
              Posting("o2", "品牌包装设计", "礼盒与标志设计")]
    top = MatchIndex().fit([need], offers).match_need(need)[0]
    assert top.offer_id == "o1"
    assert "失效分析" + EXPANDED_MARK in [t for t, _ in top.terms]
    plain = MatchIndex(concept_weight=None).fit([need], offers).match_need(need)
    assert all(m.offer_id != "o1" or EXPANDED_MARK not in "".join(t for t, _ in m.terms)
               for m in plain)


def test_expansion_terms_never_host_shared_characters():
    need = Posting("n1", "零件开裂", "")
    offer = Posting("o1", "失效分析", "失效件检测")
    m = MatchIndex().fit([need], [offer]).match_need(need)[0]
    # 失效 is shared text in neither posting's words; the expansion keeps only its own part.
    expansion = [c for t, c in m.terms if t.endswith(EXPANDED_MARK)]
    assert len(expansion) == 1
    assert sum(c for _, c in m.terms) <= m.text_score + 1e-9


def test_a_saved_index_keeps_its_concepts(tmp_path):
    need = Posting("n1", "外壳开裂", "")
    idx = MatchIndex().fit([need], [Posting("o1", "零部件失效分析", "")])
    idx.save(tmp_path / "index.bin")
    again = MatchIndex.load(tmp_path / "index.bin")
    terms = [t for t, _ in again.match_need(Posting("n2", "焊缝裂纹", ""))[0].terms]
    assert terms == ["失效分析" + EXPANDED_MARK]
