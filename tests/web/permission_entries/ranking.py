"""Permission-matrix entries for the ranking-model page: staff and admin; rollback admin only."""

from __future__ import annotations

from tests.web.permission_entries import Entry

STAFF = frozenset({"staff", "admin"})

ENTRIES: list[Entry] = [
    Entry("GET", "/staff/ranking", STAFF),
    Entry("POST", "/staff/ranking/train", STAFF, {},
          note="the small world has too few decisions: nothing is learned, 303 with how many more"),
    Entry("POST", "/staff/ranking/rollback", frozenset({"admin"}), {},
          note="no model is active: 303 with a message, nothing changes"),
]
