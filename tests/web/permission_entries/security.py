"""Permission entries of the hardening routes: unlocking an account's login delays."""

from __future__ import annotations

from tests.web.permission_entries import Entry

ADMIN = frozenset({"admin"})

ENTRIES = [
    Entry("POST", "/admin/users/{user_id}/unlock", ADMIN),
    Entry("POST", "/api/v1/users/{user_id}/unlock", ADMIN),
]
