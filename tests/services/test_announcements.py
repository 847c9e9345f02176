"""通知公告: an announcement reaches exactly its audience, between its dates; read state per user."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, func, select

from models import Announcement, AuditLog
from tests.factories import make_org, make_user
from web.services import announcements
from web.services.errors import NotFound, ValidationFailed

BEIJING = ZoneInfo("Asia/Shanghai")
TODAY = datetime.now(BEIJING).date()


def _publish(session: Session, actor: int, audience: list[str], **values: str) -> Announcement:
    base = {"title": "科技型中小企业评价申报通知", "body": "请于月底前完成申报。", "category": "policy"}
    return announcements.publish(session, actor_id=actor, values={**base, **values}, audience=audience, tz=BEIJING,
                                  today=TODAY)


def test_audience_reaches_exactly_the_chosen_kinds(session: Session) -> None:
    staff = make_user(session, role="staff")
    ent = make_user(session, role="enterprise", org=make_org(session))
    uni = make_user(session, role="provider", org=make_org(session, kind="university"))
    bank = make_user(session, role="provider", org=make_org(session, kind="financial"))
    official = make_user(session, role="official")
    everyone = _publish(session, staff.id, [], title="平台升级公告", category="notice")
    to_ent = _publish(session, staff.id, ["enterprise"], title="高企认定培训")
    to_uni = _publish(session, staff.id, ["university", "research_institute"], title="成果转化对接会", category="event")

    def seen(user_id: int | None) -> set[int]:
        return {v.item.id for v in announcements.visible(session, user_id=user_id)}

    assert seen(ent.id) == {everyone.id, to_ent.id}
    assert seen(uni.id) == {everyone.id, to_uni.id}
    assert seen(bank.id) == {everyone.id}
    assert seen(None) == {everyone.id}  # the public home page
    assert seen(official.id) == seen(staff.id) == {everyone.id, to_ent.id, to_uni.id}
    with pytest.raises(NotFound):
        announcements.mark_read(session, user_id=bank.id, announcement_id=to_ent.id)
    assert session.exec(select(AuditLog).where(AuditLog.action == "announcement.publish")).all()


def test_dates_withdrawal_and_read_state(session: Session) -> None:
    staff = make_user(session, role="staff")
    ent = make_user(session, role="enterprise", org=make_org(session))
    later = _publish(session, staff.id, [], publish_on=str(TODAY + timedelta(days=3)))
    ending = _publish(session, staff.id, [], expires_on=str(TODAY))
    now = datetime.now(UTC)
    # publish_on is midnight Beijing time of that day; expires_on is still shown on its own day
    midnight = datetime.combine(TODAY, time.min, BEIJING)
    assert later.publish_at.replace(tzinfo=UTC) == midnight + timedelta(days=3)
    assert ending.expires_at.replace(tzinfo=UTC) == midnight + timedelta(days=1)
    assert {v.item.id for v in announcements.visible(session, user_id=ent.id, now=now)} == {ending.id}
    assert {v.item.id for v in announcements.visible(session, user_id=ent.id,
                                                    now=midnight + timedelta(days=3, hours=1))} == {later.id}
    live = _publish(session, staff.id, [], title="长期有效")
    assert announcements.unread_count(session, user_id=ent.id) >= 1
    announcements.mark_read(session, user_id=ent.id, announcement_id=live.id)
    announcements.mark_read(session, user_id=ent.id, announcement_id=live.id)  # twice is harmless
    assert next(v for v in announcements.visible(session, user_id=ent.id) if v.item.id == live.id).read
    other = make_user(session, role="enterprise", org=make_org(session))
    assert not next(v for v in announcements.visible(session, user_id=other.id) if v.item.id == live.id).read
    announcements.withdraw(session, actor_id=staff.id, announcement_id=live.id)
    assert live.id not in {v.item.id for v in announcements.visible(session, user_id=ent.id)}


def test_dates_are_days_in_the_platform_zone(session: Session) -> None:
    staff = make_user(session, role="staff")
    berlin = ZoneInfo("Europe/Berlin")
    today = datetime.now(berlin).date()
    row = announcements.publish(session, actor_id=staff.id, audience=[], tz=berlin, today=today, values={
        "title": "时区测试", "body": "正文", "category": "notice",
        "publish_on": str(today + timedelta(days=3)), "expires_on": str(today + timedelta(days=5))})
    assert row.publish_at.replace(tzinfo=UTC) == datetime.combine(today + timedelta(days=3), time.min, berlin)
    assert row.expires_at.replace(tzinfo=UTC) == datetime.combine(today + timedelta(days=6), time.min, berlin)


@pytest.mark.parametrize(("values", "audience", "field", "message"), [
    ({"title": ""}, [], "title", "请填写标题"),
    ({"title": "x" * 101}, [], "title", "100"),
    ({"body": ""}, [], "body", "请填写正文"),
    ({"category": "gossip"}, [], "category", "公告类型"),
    ({}, ["martians"], "audience", "未知的机构类型"),
    ({"publish_on": "2026-13-01"}, [], "publish_on", "YYYY-MM-DD"),
    ({"publish_on": str(TODAY - timedelta(days=1))}, [], "publish_on", "不能早于今天"),
    ({"publish_on": str(TODAY + timedelta(days=9)), "expires_on": str(TODAY + timedelta(days=5))}, [],
     "expires_on", "不能早于发布日期"),
])
def test_bad_input_is_refused_and_changes_nothing(session: Session, values: dict, audience: list[str],
                                                  field: str, message: str) -> None:
    staff = make_user(session, role="staff")
    with pytest.raises(ValidationFailed) as info:
        _publish(session, staff.id, audience, **values)
    assert message in info.value.errors[field]
    assert session.exec(select(func.count()).select_from(Announcement)).one() == 0
