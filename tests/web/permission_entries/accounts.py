"""Permission-matrix entries for 个人中心, colleague accounts, 用户管理, 在线用户, 登录日志, 定时任务, 字典管理, 通知公告."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from models import Announcement, User, UserSession
from tests.factories import make_user
from tests.web.permission_entries import ALL, Entry

ADMIN = frozenset({"admin"})
ORG_MEMBERS = frozenset({"enterprise", "provider"})
STAFF = frozenset({"staff", "admin"})


def placeholders(session: Session, world: Any) -> dict[str, str]:
    """The enterprise and provider users administer their organisations; a colleague of the
    enterprise user, another organisation's user, and a spare live session."""
    for role in ("enterprise", "provider"):
        user = session.get(User, world.users[role])
        user.is_org_admin = True
        session.add(user)
    session.commit()
    colleague = make_user(session, role="enterprise", org_id=world.org_id)
    outsider = session.exec(select(User).where(User.role == "enterprise", User.org_id != world.org_id)).first()
    sid = hashlib.sha256(b"spare-session").hexdigest()
    session.add(UserSession(id=sid, user_id=world.user_id, csrf_token="spare",
                            expires_at=datetime.now(UTC) + timedelta(hours=1)))
    session.commit()
    notice = Announcement(title="全体公告", body="正文", category="notice", audience=[],
                          publish_at=datetime.now(UTC) - timedelta(hours=1))
    session.add(notice)
    session.commit()
    return {"colleague_id": colleague.id, "other_colleague_id": outsider.id, "spare_session_id": sid,
            "announcement_id": notice.id, "job_name": "purge_sessions", "dict_kind": "category",
            "dict_code": "技术攻关", "retire_kind": "reject_reason", "retire_code": "duplicate"}


ENTRIES: list[Entry] = [
    Entry("GET", "/account", ALL),
    Entry("GET", "/account/password", ALL),
    Entry("POST", "/account/password", ALL, {"old_password": "wrong", "new_password": "x", "confirm": "x"},
          note="a wrong old password: 422, nothing changes"),
    Entry("GET", "/account/colleagues", ORG_MEMBERS),
    Entry("POST", "/account/colleagues", ORG_MEMBERS, {"username": "", "display_name": ""},
          note="an empty username: 422"),
    Entry("POST", "/account/colleagues/{colleague_id}/active", ORG_MEMBERS, {"active": "0"},
          note="the enterprise user's colleague: 303 for them, 404 for the provider user"),
    Entry("POST", "/account/colleagues/{other_colleague_id}/active", ORG_MEMBERS, {"active": "0"}),
    Entry("GET", "/admin/users", ADMIN),
    Entry("POST", "/admin/users", ADMIN, {"username": "", "password": "", "role": "staff"}),
    Entry("GET", "/admin/users/{user_id}", ADMIN),
    Entry("POST", "/admin/users/{user_id}", ADMIN, {"display_name": "改名后的专员"}),
    Entry("POST", "/admin/users/{user_id}/active", ADMIN, {"active": "0"}),
    Entry("POST", "/admin/users/{user_id}/password-reset", ADMIN, {}),
    Entry("POST", "/admin/users/{user_id}/logout", ADMIN, {}),
    Entry("POST", "/admin/users/{user_id}/unlock", ADMIN, {}),
    Entry("POST", "/api/v1/users/{user_id}/unlock", ADMIN, {}),
    Entry("GET", "/admin/sessions", ADMIN),
    Entry("POST", "/admin/sessions/{spare_session_id}/end", ADMIN, {}),
    Entry("GET", "/admin/logins", ADMIN),
    Entry("GET", "/admin/logins.xlsx", ADMIN),
    Entry("GET", "/admin/jobs", ADMIN),
    Entry("POST", "/admin/jobs/{job_name}/run", ADMIN, {}),
    Entry("POST", "/admin/jobs/{job_name}/enabled", ADMIN, {"enabled": "1"}),
    Entry("GET", "/staff/announcements", STAFF),
    Entry("POST", "/staff/announcements", STAFF, {"title": "", "body": "", "category": "notice"},
          note="an empty title: 422"),
    Entry("POST", "/staff/announcements/{announcement_id}/withdraw", STAFF, {}),
    Entry("GET", "/announcements", ALL),
    Entry("POST", "/announcements/{announcement_id}/read", ALL, {},
          note="withdrawn by then (staff entries run first): 404 for every role, never 401/403"),
    Entry("POST", "/staff/organisations/{org_id}/merge", STAFF, {"target_credit_code": "", "note": "x"},
          note="no target: 422, nothing moves"),
    Entry("POST", "/staff/organisations/{org_id}/deactivate", STAFF, {"note": ""}, note="no reason: 422"),
    Entry("POST", "/staff/organisations/{org_id}/reactivate", STAFF, {}, note="not deactivated: no change"),
    Entry("GET", "/admin/dicts", ADMIN),
    Entry("GET", "/admin/dicts/{dict_kind}", ADMIN),
    Entry("POST", "/admin/dicts/{dict_kind}", ADMIN, {"label": ""}, note="an empty name: 422"),
    Entry("POST", "/admin/dicts/{dict_kind}/{dict_code}", ADMIN, {"label": "技术攻关", "description": "关键技术研发"}),
    Entry("POST", "/admin/dicts/{retire_kind}/{retire_code}/retire", ADMIN, {"retired": "1"}),
    Entry("POST", "/admin/dicts/{dict_kind}/{dict_code}/delete", ADMIN, {}, note="built in: 409, never deleted"),
]
