"""One message per organisation for what one event caused, linking to what it is about;
and the daily digest a user may choose instead of immediate messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from models import Match, Notification
from tests.factories import make_need, make_offer, make_org, make_proposal, make_user
from web.presentation.times import DEFAULT_TIME_ZONE, local_zone
from web.services import notifications
from web.services.matches import review
from web.services.matching import proposals
from web.services.matching.worker import load_holder
from web.services.notifications import Target
from web.services.postings import lifecycle
from web.services.postings.side import NEED

SHANGHAI = local_zone(DEFAULT_TIME_ZONE)
VISION = [("AI视觉缺陷检测方案", "工业视觉零部件表面缺陷检测系统"),
          ("视觉检测设备改造", "零部件表面缺陷视觉检测产线改造"),
          ("缺陷检测算法服务", "基于深度学习的零部件表面缺陷检测算法"),
          ("表面缺陷检测咨询", "零部件表面缺陷检测方案咨询"),
          ("机器视觉检测平台", "机器视觉零部件缺陷检测平台")]


def _post_need(engine: Engine, ent_id: int, user_id: int) -> int:
    holder = load_holder(engine)
    with Session(engine) as s:
        need = lifecycle.create(s, holder, NEED, org_id=ent_id, actor_id=user_id, values={
            "title": "零部件表面缺陷视觉检测", "description": "需要零部件表面缺陷视觉检测方案",
            "category": "技术攻关"})
        return need.id or 0


def test_one_need_fitting_five_offers_of_one_provider_is_one_message(engine: Engine, session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    for title, text in VISION:
        make_offer(session, org=prov, title=title, description=text)
    need_id = _post_need(engine, ent.id, make_user(session, org=ent).id)
    assert len(session.exec(select(Match).where(Match.need_id == need_id)).all()) == 5
    note = session.exec(select(Notification).where(Notification.org_id == prov.id)).one()
    assert note.title == "新需求「零部件表面缺陷视觉检测」与您的 5 项服务匹配"
    # The provider's list of matches, searched for the new need (web.presentation.links: ?q=…).
    assert Target.decode(note.link) == Target.match_list(q="零部件表面缺陷视觉检测")
    assert "包括：" in note.body and "等" in note.body
    # The poster hears once that matching (after the write) is done, not once per recommendation.
    told = session.exec(select(Notification).where(Notification.org_id == ent.id)).all()
    assert [n.title for n in told] == ["您的需求「零部件表面缺陷视觉检测」已完成匹配，新增5条推荐服务"]


def test_each_provider_hears_once_with_a_link_to_the_recommendation(engine: Engine, session: Session) -> None:
    ent = make_org(session)
    provs = [make_org(session, kind="university") for _ in VISION]
    for prov, (title, text) in zip(provs, VISION, strict=True):
        make_offer(session, org=prov, title=title, description=text)
    need_id = _post_need(engine, ent.id, make_user(session, org=ent).id)
    for prov in provs:
        note = session.exec(select(Notification).where(Notification.org_id == prov.id)).one()
        match = session.exec(select(Match).where(Match.need_id == need_id, Match.id == note.match_id)).one()
        assert Target.decode(note.link) == Target("match", match.id or 0)
        assert note.title.startswith("新需求「零部件表面缺陷视觉检测」与您的服务「")


def test_a_batch_rematch_sends_each_organisation_one_message(session: Session) -> None:
    ents = [make_org(session) for _ in range(3)]
    prov = make_org(session, kind="university")
    for title, text in VISION:
        make_offer(session, org=prov, title=title, description=text)
    for ent in ents:
        make_need(session, org=ent, title="零部件表面缺陷视觉检测", description="需要表面缺陷视觉检测方案")
    created = proposals.rebuild_proposals(session)
    assert created >= 10
    notes = session.exec(select(Notification)).all()
    assert sorted(n.org_id for n in notes) == sorted([prov.id] + [e.id for e in ents])
    prov_note = next(n for n in notes if n.org_id == prov.id)
    assert prov_note.title == f"平台为您新推荐了 {created} 条需求"
    assert Target.decode(prov_note.link) == Target.match_list()
    # A second run proposes nothing new and says nothing.
    assert proposals.rebuild_proposals(session) == 0
    assert len(session.exec(select(Notification)).all()) == len(notes)


def test_bulk_approval_tells_each_organisation_once(session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    staff = make_user(session, role="staff")
    matches = [make_proposal(session, need=make_need(session, org=ent, title=f"需求{i}"),
                             offer=make_offer(session, org=prov, title=f"服务{i}")) for i in range(3)]
    review.bulk_decide(session, match_ids=[m.id for m in matches], actor_id=staff.id or 0, decision="approve")
    for org in (ent, prov):
        note = session.exec(select(Notification).where(Notification.org_id == org.id)).one()
        assert note.title == "3 条匹配已通过审核" and Target.decode(note.link) == Target.match_list(status="approved")
    single = make_proposal(session, need=make_need(session, org=ent, title="单条需求"),
                           offer=make_offer(session, org=prov, title="单条服务"))
    review.approve_match(session, match_id=single.id, actor_id=staff.id or 0)
    note = session.exec(select(Notification).where(Notification.match_id == single.id,
                                                   Notification.org_id == ent.id)).one()
    assert note.title == "匹配「单条需求」×「单条服务」已通过审核"
    assert Target.decode(note.link) == Target("match", single.id or 0)


@pytest.mark.parametrize(("now_utc", "cut_utc"), [
    (datetime(2026, 12, 2, 0, 0, tzinfo=UTC), datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),  # 08:00 exactly
    (datetime(2026, 12, 1, 23, 59, tzinfo=UTC), datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),  # 07:59 next day
    (datetime(2026, 12, 2, 15, 30, tzinfo=UTC), datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),  # 23:30 local
    (datetime(2026, 12, 2, 16, 30, tzinfo=UTC), datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),  # 00:30 local
])
def test_digest_cut_is_the_last_8_oclock_in_beijing(now_utc: datetime, cut_utc: datetime) -> None:
    assert notifications.digest_cut(now_utc, SHANGHAI) == cut_utc


def test_a_digest_user_sees_only_what_came_before_8(session: Session) -> None:
    org = make_org(session)
    user = make_user(session, org=org)
    early = notifications.notify(session, org_id=org.id, kind="system", title="昨天的消息")
    late = notifications.notify(session, org_id=org.id, kind="system", title="今天的消息")
    assert early is not None and late is not None
    early.created_at = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 07:00 local on 12-02
    late.created_at = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00 local on 12-02
    session.add_all([early, late])
    session.commit()
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    assert notifications.held_after(session, user_id=user.id or 0, tz=SHANGHAI, now=now) is None
    assert notifications.unread_count(session, user_id=user.id or 0, org_id=org.id) == 2
    with pytest.raises(notifications.ValidationFailed):
        notifications.set_notify_mode(session, user_id=user.id or 0, mode="hourly")
    notifications.set_notify_mode(session, user_id=user.id or 0, mode="daily")
    held = notifications.held_after(session, user_id=user.id or 0, tz=SHANGHAI, now=now)
    assert held == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    shown = notifications.list_inbox(session, user_id=user.id or 0, org_id=org.id, held=held)
    assert [n.title for n in shown.items] == ["昨天的消息"]
    assert notifications.unread_count(session, user_id=user.id or 0, org_id=org.id, held=held) == 1
    assert notifications.waiting_count(session, user_id=user.id or 0, org_id=org.id, held=held) == 1
