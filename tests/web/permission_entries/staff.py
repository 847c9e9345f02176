"""Permission-matrix entries for the staff routes: only staff and admin get through."""

from __future__ import annotations

from typing import Any

from tests.web.permission_entries import Entry

STAFF = frozenset({"staff", "admin"})

ENTRIES: list[Entry] = [
    # pages
    Entry("GET", "/staff/review", STAFF),
    Entry("GET", "/staff/review/export.xlsx", STAFF),
    Entry("GET", "/staff/review/manual", STAFF),
    Entry("POST", "/staff/review/manual", STAFF, {"need_id": 999999, "offer_id": 999999},
          note="data is not filled from the world: unknown ids, so an allowed role gets 404"),
    Entry("POST", "/staff/review/bulk", STAFF, {"decision": "approve", "match_ids": [999999]},
          note="an unknown id is skipped: 303 back to the queue"),
    Entry("GET", "/staff/review/{own_match_id}", STAFF),
    Entry("POST", "/staff/review/{own_match_id}/approve", STAFF, {}),
    Entry("POST", "/staff/review/{other_match_id}/reject", STAFF, {"reason_code": "irrelevant"}),
    Entry("GET", "/staff/feedback", STAFF),
    Entry("GET", "/staff/portraits/{org_id}/edit", STAFF),
    Entry("POST", "/staff/portraits/{org_id}/edit", STAFF, {"name": ""}, note="422: name missing"),
    Entry("POST", "/staff/portraits/{org_id}/related", STAFF, {"related": ""}, note="422: nothing named"),
    Entry("POST", "/staff/portraits/{org_id}/related/{missing_id}/delete", STAFF, note="404: no such row"),
    Entry("GET", "/staff/pipeline", STAFF),
    Entry("GET", "/staff/pipeline/export.xlsx", STAFF),
    Entry("GET", "/staff/contracts/export.xlsx", STAFF),
    Entry("GET", "/staff/pipeline/{approved_match_id}", STAFF),
    Entry("POST", "/staff/pipeline/{approved_match_id}/move", STAFF, {"to_status": "contacted"}),
    Entry("POST", "/staff/pipeline/{approved_match_id}/contract/correct", STAFF, {"reason": "核对"},
          note="404: no contract yet"),
    Entry("POST", "/staff/pipeline/{approved_match_id}/contract/void", STAFF, {"reason": "核对"},
          note="404: no contract yet"),
    Entry("GET", "/staff/portraits", STAFF),
    Entry("GET", "/staff/portraits/{org_id}", STAFF),
    Entry("GET", "/staff/audit", STAFF),
    Entry("GET", "/staff/audit/export.xlsx", STAFF),
    # JSON API
    Entry("GET", "/api/v1/staff/queue", STAFF),
    Entry("GET", "/api/v1/staff/matches/{own_match_id}", STAFF),
    Entry("POST", "/api/v1/staff/matches/{own_match_id}/approve", STAFF, {}),
    Entry("POST", "/api/v1/staff/matches/{other_match_id}/reject", STAFF, {"reason_code": "irrelevant"}),
    Entry("POST", "/api/v1/staff/matches/bulk", STAFF, {"decision": "approve", "match_ids": [999999]}),
    Entry("POST", "/api/v1/staff/matches", STAFF, {"need_id": 999999, "offer_id": 999999}),
    Entry("POST", "/api/v1/staff/matches/{approved_match_id}/move", STAFF, {"to_status": "contacted"}),
    Entry("GET", "/api/v1/staff/pipeline", STAFF),
    Entry("GET", "/api/v1/staff/feedback/approval-stats", STAFF),
    Entry("GET", "/api/v1/staff/portraits/{org_id}", STAFF),
    Entry("GET", "/api/v1/staff/audit", STAFF),
]


def placeholders(session: Any, world: Any) -> dict[str, str]:
    """An id no row has (deleting it is a 404 for staff, refused for everyone else)."""
    return {"missing_id": "999999"}
