"""Postings: the form, the lifecycle (post, draft, edit, close, publish, reopen) and reading them."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from matcher import tokenizer_version
from matcher.taxonomy import CATEGORIES
from models import AuditLog, Match, Need
from tests.factories import make_need, make_offer, make_org, make_user
from web.presentation.times import default_today
from web.services.errors import InvalidTransition, NotFound, ValidationFailed
from web.services.matching.worker import load_holder
from web.services.postings import lifecycle, listing
from web.services.postings.form import validate
from web.services.postings.side import NEED, OFFER

NEED_TEXT = {"title": "工业视觉检测", "description": "零部件表面缺陷检测方案", "category": "技术攻关"}


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize(("values", "field", "message"), [
    ({**NEED_TEXT, "title": ""}, "title", "请填写标题"),
    ({**NEED_TEXT, "title": "长" * 101}, "title", "标题不能超过100个字"),
    ({**NEED_TEXT, "description": ""}, "description", "请填写需求描述"),
    ({**NEED_TEXT, "category": "不存在的类别"}, "category", "请选择平台服务类别中的一项"),
    ({**NEED_TEXT, "deadline": "2022/01/01"}, "deadline", "截止日期格式应为 YYYY-MM-DD"),
    ({**NEED_TEXT, "budget_wan": "很多"}, "budget_wan", "预算"),
])
def test_form_names_the_field_in_chinese(values: dict, field: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        validate(NEED, values, categories=CATEGORIES)
    assert message in err.value.errors[field]


def test_form_refuses_a_past_deadline_and_keeps_clean_values() -> None:
    with pytest.raises(ValidationFailed, match="截止日期不能早于今天"):
        validate(OFFER, {**NEED_TEXT, "deadline": "2020-01-01"}, categories=CATEGORIES, today=date(2022, 1, 1))
    clean = validate(OFFER, {**NEED_TEXT, "title": "  视觉  ", "price_wan": "12.5"}, categories=CATEGORIES)
    assert clean["title"] == "视觉" and str(clean["price_wan"]) == "12.50" and "budget_wan" not in clean


def test_post_matches_at_once_stamps_tokens_and_audits(engine: Engine, session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    user = make_user(session, org=ent)
    offer = make_offer(session, org=prov)
    holder = load_holder(engine)
    with Session(engine) as s:
        need = lifecycle.create(s, holder, NEED, org_id=ent.id, actor_id=user.id, values=NEED_TEXT)
        need_id = need.id
        assert need.status == "open" and "视觉" in need.tokens.split()
        assert need.tokens_version == tokenizer_version()
    match = session.exec(select(Match).where(Match.need_id == need_id)).one()
    assert match.offer_id == offer.id and match.status == "proposed"
    assert [a.action for a in session.exec(select(AuditLog)).all()] == ["need.create"]


def test_a_draft_stays_private_until_published(engine: Engine, session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    user = make_user(session, org=ent)
    make_offer(session, org=prov)
    holder = load_holder(engine)
    with Session(engine) as s:
        draft = lifecycle.create(s, holder, NEED, org_id=ent.id, actor_id=user.id, values=NEED_TEXT, draft=True)
        draft_id = draft.id
        lifecycle.edit(s, holder, NEED, posting_id=draft_id, org_id=ent.id, actor_id=user.id,
                       values={**NEED_TEXT, "title": "草稿改名"})
    assert _count(session, Match) == 0 and NEED.key(draft_id) not in holder.index.needs_.postings
    with Session(engine) as s:
        lifecycle.publish(s, holder, NEED, posting_id=draft_id, org_id=ent.id, actor_id=user.id)
        with pytest.raises(InvalidTransition, match="不是草稿"):
            lifecycle.publish(s, holder, NEED, posting_id=draft_id, org_id=ent.id, actor_id=user.id)
    assert _count(session, Match) == 1


def test_close_withdraws_and_reopen_respects_the_deadline(engine: Engine, session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    user = make_user(session, org=ent)
    make_offer(session, org=prov)
    holder = load_holder(engine)
    with Session(engine) as s:
        need_id = lifecycle.create(s, holder, NEED, org_id=ent.id, actor_id=user.id, values=NEED_TEXT).id
        lifecycle.close(s, holder, NEED, posting_id=need_id, org_id=ent.id, actor_id=user.id)
        with pytest.raises(InvalidTransition, match="已经关闭"):
            lifecycle.close(s, holder, NEED, posting_id=need_id, org_id=ent.id, actor_id=user.id)
        with pytest.raises(InvalidTransition, match="已关闭，不能再修改"):
            lifecycle.edit(s, holder, NEED, posting_id=need_id, org_id=ent.id, actor_id=user.id, values=NEED_TEXT)
    assert session.exec(select(Match.status)).all() == ["withdrawn"]
    assert NEED.key(need_id) not in holder.index.needs_.postings
    past = make_need(session, org=ent, status="closed", deadline=default_today() - timedelta(days=1))
    with Session(engine) as s, pytest.raises(InvalidTransition, match="截止日期已过"):
        lifecycle.reopen(s, holder, NEED, posting_id=past.id, org_id=ent.id, actor_id=user.id)
    with Session(engine) as s:
        lifecycle.reopen(s, holder, NEED, posting_id=need_id, org_id=ent.id, actor_id=user.id)
    assert session.exec(select(Match.status)).all() == ["proposed"]


def test_bad_values_change_nothing(engine: Engine, session: Session) -> None:
    ent = make_org(session)
    user = make_user(session, org=ent)
    holder = load_holder(engine)
    with Session(engine) as s, pytest.raises(ValidationFailed):
        lifecycle.create(s, holder, NEED, org_id=ent.id, actor_id=user.id, values={**NEED_TEXT, "title": ""})
    assert _count(session, Need) == 0 and _count(session, AuditLog) == 0


def test_another_organisations_posting_is_not_found(session: Session) -> None:
    mine, theirs = make_org(session), make_org(session)
    need = make_need(session, org=theirs)
    with pytest.raises(NotFound, match="未找到该需求"):
        listing.get_own(session, NEED, posting_id=need.id, org_id=mine.id)
    with pytest.raises(NotFound):
        listing.get_own(session, NEED, posting_id=need.id, org_id=None)
    assert listing.get_own(session, NEED, posting_id=need.id, org_id=theirs.id).id == need.id


def test_staff_read_every_published_posting_but_no_draft(session: Session) -> None:
    org = make_org(session)
    open_need, draft = make_need(session, org=org), make_need(session, org=org, status="draft")
    assert listing.readable(session, NEED, posting_id=open_need.id, role="staff", org_id=None).id == open_need.id
    with pytest.raises(NotFound):
        listing.readable(session, NEED, posting_id=draft.id, role="staff", org_id=None)
    with pytest.raises(NotFound):
        listing.readable(session, NEED, posting_id=open_need.id, role="enterprise", org_id=org.id + 1)


def test_list_filters_pages_and_hides_drafts_from_staff(session: Session) -> None:
    org, other = make_org(session), make_org(session)
    a = make_need(session, org=org, title="视觉检测一")
    b = make_need(session, org=org, title="专利融资", description="专利质押贷款", category="科技金融")
    draft = make_need(session, org=org, title="视觉草稿", status="draft")
    make_need(session, org=other, title="视觉检测二")

    def ids(org_id: int | None, **kw: object) -> list[int]:
        return [r.id for r in listing.list_postings(session, NEED, org_id=org_id,
                                                    filters=listing.PostingFilter(**kw), tz=UTC).items]
    assert ids(org.id) == [draft.id, b.id, a.id]
    assert ids(org.id, q="视觉") == [draft.id, a.id]
    assert ids(org.id, category="科技金融") == [b.id]
    assert ids(org.id, status="draft") == [draft.id]
    assert draft.id not in ids(None) and len(ids(None)) == 3
    page = listing.list_postings(session, NEED, org_id=org.id, filters=listing.PostingFilter(), tz=UTC,
                                page=2, per_page=2)
    assert page.total == 3 and page.pages == 2 and [r.id for r in page.items] == [a.id]


def test_a_status_the_side_does_not_have_lists_nothing(session: Session) -> None:
    org = make_org(session)
    make_need(session, org=org)
    make_offer(session, org=make_org(session, kind="university"))
    for side, status in ((NEED, "withdrawn"), (OFFER, "closed"), (NEED, "bogus")):
        page = listing.list_postings(session, side, org_id=None, filters=listing.PostingFilter(status=status),
                                     tz=UTC)
        assert page.total == 0 and page.items == []
    assert listing.list_postings(session, OFFER, org_id=None,
                                 filters=listing.PostingFilter(status="open"), tz=UTC).total == 1
