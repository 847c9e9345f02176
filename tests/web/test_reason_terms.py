"""Reason terms as the posting wrote them, never a fragment, no filler; a provider is not shown
its own credit standing as a reason."""

from __future__ import annotations

from sqlmodel import Session

from matcher.text import tokenize
from tests.factories import make_need, make_offer, make_org, make_proposal
from web.presentation.terms import shown_terms
from web.services.matches import portal_views
from web.services.postings.side import NEED, OFFER


def _tokens(text: str) -> str:
    return " ".join(tokenize(text))


def test_terms_are_whole_words_written_as_posted() -> None:
    need = "电子产品EMC测试与ISO 9001认证辅导，出具CNAS认可的检测报告"
    offer = "提供EMC整改、ISO体系认证辅导，基于CNAS实验室出具检测报告"
    raw = ["emc", "iso", "cnas", "业专", "出具", "基于", "检测报告", "检测", "认证辅导"]
    shown = shown_terms(raw, need_text=need, offer_text=offer, need_tokens=_tokens(need), offer_tokens=_tokens(offer))
    assert "EMC" in shown and "ISO" in shown and "CNAS" in shown
    assert "emc" not in shown and "业专" not in shown  # lower-cased code, fragment
    assert "出具" not in shown and "基于" not in shown  # filler, now a stop word
    assert "检测报告" in shown and "检测" not in shown  # inside a longer term


def test_stop_words_cover_the_filler_seen_as_reasons() -> None:
    for word in ("基于", "开发", "建议", "出具"):
        assert word not in tokenize(f"我们{word}客户需求")


def test_a_provider_is_not_told_its_own_credit(session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="intermediary")
    m = make_proposal(session, need=make_need(session, org=ent), offer=make_offer(session, org=prov),
                      reasons={"terms": [["视觉", 0.4]],
                               "signals": [["credit_good", "服务机构信用良好", 0.05], ["category", "类别相同", 0.1]]})
    as_provider = portal_views.portal_view(session, OFFER, match_id=m.id, org_id=prov.id)
    as_enterprise = portal_views.portal_view(session, NEED, match_id=m.id, org_id=ent.id)
    assert [s[1] for s in as_provider.signals] == ["类别相同"]
    assert "服务机构信用良好" in [s[1] for s in as_enterprise.signals]
