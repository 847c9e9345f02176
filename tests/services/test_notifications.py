"""Notifications: once per recipient and event, to staff, the inbox, reading them."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from models import Notification
from tests.factories import make_org, make_user
from web.services import notifications
from web.services.errors import NotFound
from web.services.notifications import Target


def _count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Notification)).one()


def test_a_dedupe_key_notifies_each_recipient_once(session: Session) -> None:
    a, b = make_org(session), make_org(session)
    for org in (a, a, b):
        notifications.notify(session, org_id=org.id, kind="approved", title="匹配已通过审核",
                             target=Target("match", 7), dedupe_key="approved:match:7")
    session.commit()
    assert _count(session) == 2
    assert {n.link for n in session.exec(select(Notification)).all()} == {"match:7"}


def test_staff_notices_reach_every_active_staff_member(session: Session) -> None:
    make_user(session, role="staff")
    make_user(session, role="staff", is_active=False)
    make_user(session, role="official")
    assert notifications.notify_staff(session, kind="interest", title="有意向", dedupe_key="interest:1:enterprise") == 1
    assert notifications.notify_staff(session, kind="interest", title="有意向", dedupe_key="interest:1:enterprise") == 0


def test_the_inbox_holds_own_and_organisation_notices_newest_first(session: Session) -> None:
    org, other = make_org(session), make_org(session)
    user = make_user(session, org=org)
    first = notifications.notify(session, org_id=org.id, kind="system", title="一")
    second = notifications.notify(session, user_id=user.id, kind="system", title="二")
    notifications.notify(session, org_id=other.id, kind="system", title="别人的")
    session.commit()
    page = notifications.list_inbox(session, user_id=user.id, org_id=org.id, per_page=1)
    assert page.total == 2 and page.pages == 2 and [n.title for n in page.items] == ["二"]
    assert notifications.unread_count(session, user_id=user.id, org_id=org.id) == 2
    notifications.mark_read(session, notification_id=first.id, user_id=user.id, org_id=org.id)  # type: ignore[union-attr]
    unread = notifications.list_inbox(session, user_id=user.id, org_id=org.id, unread_only=True)
    assert [n.id for n in unread.items] == [second.id]  # type: ignore[union-attr]
    assert notifications.mark_all_read(session, user_id=user.id, org_id=org.id) == 1
    assert notifications.unread_count(session, user_id=user.id, org_id=org.id) == 0


def test_another_users_notice_cannot_be_read(session: Session) -> None:
    org, other = make_org(session), make_org(session)
    user = make_user(session, org=org)
    theirs = notifications.notify(session, org_id=other.id, kind="system", title="别人的")
    session.commit()
    with pytest.raises(NotFound, match="未找到该消息"):
        notifications.mark_read(session, notification_id=theirs.id, user_id=user.id, org_id=org.id)  # type: ignore[union-attr]
    session.refresh(theirs)
    assert theirs.read_at is None  # type: ignore[union-attr]


@pytest.mark.parametrize(("raw", "expected"), [
    ("match:12", Target("match", 12)), ("offer:3", Target("offer", 3)), ("/provider/matches", None),
    ("match:x", None), ("user:1", None), (None, None),
])
def test_targets_round_trip_and_anything_else_is_none(raw: str | None, expected: Target | None) -> None:
    assert Target.decode(raw) == expected
    if expected is not None:
        assert Target.decode(expected.encode()) == expected
