"""A match's story as the parties read it, and the figures of a portal's start page."""

from __future__ import annotations

from sqlmodel import Session

from models.match import MatchStatus
from models.posting import NeedStatus, OfferStatus
from tests.factories import (
    make_match,
    make_match_event,
    make_need,
    make_offer,
    make_org,
    make_signed_contract,
)
from web.services.matches.portal_summary import portal_summary
from web.services.matches.story import match_story
from web.services.postings.side import NEED, OFFER

S = MatchStatus


def test_the_story_names_each_move_in_plain_words_with_the_contract(session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    match = make_match(session, need=make_need(session, org=ent), offer=make_offer(session, org=prov))
    for before, after in ((None, S.proposed), (S.proposed, S.approved), (S.approved, S.contracted),
                          (S.contracted, S.contracted), (S.contracted, S.closed)):
        make_match_event(session, match=match, from_status=before, to_status=after)
    contract = make_signed_contract(session, match=match)
    shown, steps = match_story(session, match_id=match.id)
    assert shown is not None and shown.id == contract.id
    assert [s.label for s in steps] == ["平台推荐", "服务专员审核通过，双方信息已公开", "签订技术合同",
                                        "技术合同信息已更正", "技术合同已作废，撮合结束"]


def test_a_match_without_moves_or_contract_has_an_empty_story(session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    match = make_match(session, need=make_need(session, org=ent), offer=make_offer(session, org=prov))
    assert match_story(session, match_id=match.id) == (None, [])


def test_the_start_page_counts_only_the_organisations_own(session: Session) -> None:
    ent, prov, elsewhere = make_org(session), make_org(session, kind="university"), make_org(session)
    need = make_need(session, org=ent)
    make_need(session, org=ent, status=NeedStatus.draft)
    make_need(session, org=elsewhere)
    offers = [make_offer(session, org=prov) for _ in range(3)]
    make_offer(session, org=prov, status=OfferStatus.withdrawn)
    for offer, status in zip(offers, (S.proposed, S.negotiating, S.withdrawn), strict=True):
        make_match(session, need=need, offer=offer, status=status)

    mine = portal_summary(session, NEED, org_id=ent.id)
    assert mine.open_postings == 1 and len(mine.recent_postings) == 2
    assert mine.match_counts == {S.proposed: 1, S.negotiating: 1, S.withdrawn: 1} and mine.in_progress == 1
    assert len(mine.recent_matches) == 2  # withdrawn proposals are not shown
    theirs = portal_summary(session, OFFER, org_id=prov.id)
    assert theirs.open_postings == 3 and len(theirs.recent_postings) == 4
