"""Where a notification's target opens, for the person reading it.

Services name what a notification is about (a match, a need, an offer); which page shows
it depends on who reads it, so the route names live here, next to the templates.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from models import Notification
from web.presentation.paths import route_path
from web.services.notifications import MATCH_LIST, Target

# (target kind, reader's role) -> (route name, path parameter or None for a page without one)
_PAGES: dict[tuple[str, str], tuple[str, str | None]] = {
    ("match", "enterprise"): ("enterprise_match_detail", "match_id"),
    ("match", "provider"): ("provider_match_detail", "match_id"),
    ("match", "staff"): ("staff_review_detail", "match_id"),
    ("need", "enterprise"): ("enterprise_posting_detail", "posting_id"),
    ("offer", "provider"): ("provider_posting_detail", "posting_id"),
    ("key_enterprise", "staff"): ("liaison_enterprise", "org_id"),
    ("appeal", "staff"): ("liaison_appeal_detail", "appeal_id"),
    ("appeal", "enterprise"): ("enterprise_appeals", None),
}
# The reader's own list of matches, by role.
_MATCH_LISTS: dict[str, str] = {"enterprise": "enterprise_matches", "provider": "provider_matches"}


def target_path(request: Request, target: Target | None, role: str) -> str | None:
    """The path of the page that shows ``target`` to a reader with ``role`` (None if none does)."""
    if target is not None and target.kind == MATCH_LIST and role in _MATCH_LISTS:
        path = route_path(request, _MATCH_LISTS[role])
        query = urlencode({k: v for k, v in (("status", target.status), ("q", target.q)) if v})
        return f"{path}?{query}" if query else path
    if target is None or (target.kind, role) not in _PAGES:
        return None
    name, param = _PAGES[(target.kind, role)]
    return route_path(request, name, **({param: str(target.id)} if param else {}))


def notification_path(request: Request, note: Notification, role: str) -> str | None:
    """Where "查看" on a notification leads."""
    return target_path(request, Target.decode(note.link), role)
