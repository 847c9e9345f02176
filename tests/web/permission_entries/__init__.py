"""Entries of the permission matrix (tests/web/test_permission_matrix.py).

Every route of the app (``app.routes`` minus /static, /openapi.json and the docs pages)
must have at least one Entry, or the matrix test fails and names the route. Each area
keeps its entries in its own module here, ``tests/web/permission_entries/<area>.py``,
defining ``ENTRIES: list[Entry]`` (``portal.py``, ``staff.py``, ``dashboard.py`` …);
every module in this package is picked up.

Entry format
------------
``Entry(method, path, allowed, data=None, note="")``

method
    "GET", "POST", "PATCH", "PUT" or "DELETE".
path
    The URL with placeholders filled from a small world the test builds: two
    enterprises (ent1 = the enterprise user's own, ent2 = another), two providers
    (prov1 own, prov2 other), one user per role. Placeholders:

    ``{own_need_id}`` ent1's open need · ``{other_need_id}`` ent2's open need ·
    ``{own_offer_id}`` prov1's open offer · ``{other_offer_id}`` prov2's ·
    ``{own_match_id}`` proposed match of ent1's need x prov1's offer (own for both
    the enterprise and the provider user) · ``{other_match_id}`` ent2 x prov2 ·
    ``{approved_match_id}`` an approved match ent1 x prov2 · ``{notification_id}``
    a notification addressed to the requesting user (per role) ·
    ``{other_notification_id}`` one addressed to ent2 · ``{qualification_id}`` /
    ``{other_qualification_id}`` of ent1 / ent2 · ``{user_id}`` a spare staff user
    (safe to disable) · ``{org_id}`` ent1 · ``{indicator_number}`` 1 · ``{actual_id}``
    a sample indicator actual · ``{enterprise_username}`` and ``{password}`` log in
    as the enterprise user. Placeholders in string values of ``data`` are filled
    too. A module may add its own by defining
    ``def placeholders(session, world) -> dict[str, str]`` (``world`` is the
    test's World object with the ids above as attributes).
allowed
    ``frozenset`` of roles among enterprise, provider, staff, official, admin that may
    use the route. Empty (``PUBLIC``) = everybody, anonymous included. ``ALL`` = every
    logged-in role.
data
    Form fields (pages) or the JSON body (paths under /api/) sent with the request.
    Requests always carry a valid CSRF token (header X-CSRF-Token) so that the test
    measures roles, not CSRF.
note
    Free text for readers.

What the test checks, for every entry x every role and anonymous
-----------------------------------------------------------------
- a role not in ``allowed`` gets 401 or 403 (anonymous on a page may instead be
  redirected to /login), and the database is unchanged afterwards;
- an allowed enterprise or provider user gets 404 (never 403) on a path holding an
  ``{other_...}`` placeholder, so ids of other organisations do not leak;
- otherwise an allowed role never gets 401/403 (or a 5xx).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

ROLES = ("enterprise", "provider", "staff", "official", "admin")
ALL: frozenset[str] = frozenset(ROLES)
PUBLIC: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Entry:
    method: str
    path: str
    allowed: frozenset[str]
    data: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    note: str = ""


def load_modules() -> list[Any]:
    """Every entries module of this package."""
    return [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]


def load_entries() -> list[Entry]:
    return [e for module in load_modules() for e in getattr(module, "ENTRIES", [])]
