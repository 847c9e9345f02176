"""Permission-matrix entries for 重点企业包联: staff and admin only; an enterprise sees its own 诉求."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from tests.web.permission_entries import Entry
from web.presentation.times import default_today
from web.services.liaison import appeals, assignments

STAFF = frozenset({"staff", "admin"})
ENTERPRISE = frozenset({"enterprise"})
_APPEAL = {"category": "融资需求", "description": "权限测试诉求", "department": "区金融工作局",
           "deadline": (default_today() + timedelta(days=30)).isoformat()}

ENTRIES: list[Entry] = [
    Entry("GET", "/staff/liaison", STAFF),
    Entry("GET", "/staff/liaison/visits.xlsx", STAFF),
    Entry("GET", "/staff/liaison/appeals.xlsx", STAFF),
    Entry("GET", "/staff/liaison/{org_id}", STAFF),
    Entry("POST", "/staff/liaison/{org_id}/assignments", STAFF, {"user_id": "{liaison_staff_id}", "role": "helper"},
          note="the second allowed role repeats it: 409"),
    Entry("POST", "/staff/liaison/{org_id}/assignments/{assignment_id}/end", STAFF, {},
          note="the second allowed role finds it ended: 404"),
    Entry("POST", "/staff/liaison/{org_id}/schedule", STAFF, {"interval_days": "91", "starts_on": "2026-01-01"}),
    Entry("POST", "/staff/liaison/{org_id}/visits", STAFF,
          {"visited_on": "2026-01-15", "visitors": "权限测试", "summary": "权限测试走访"}),
    Entry("POST", "/staff/liaison/{org_id}/appeals", STAFF, _APPEAL),
    Entry("GET", "/staff/liaison/appeals/{appeal_id}", STAFF),
    Entry("POST", "/staff/liaison/appeals/{appeal_id}/steps", STAFF, {"to_status": "processing", "note": "权限测试"}),
    Entry("GET", "/enterprise/appeals", ENTERPRISE),
]


def placeholders(session: Session, world: Any) -> dict[str, Any]:
    from tests.factories import make_user

    staff = make_user(session, role="staff")
    helper = make_user(session, role="staff")
    a = assignments.assign(session, org_id=world.org_id, user_id=staff.id, role="lead", actor_id=staff.id)
    appeal = appeals.raise_appeal(session, org_id=world.org_id, actor_id=staff.id, values=_APPEAL)
    return {"assignment_id": a.id, "appeal_id": appeal.id, "liaison_staff_id": helper.id}
