"""Permission entries of the audit chain's check and export (and, below, personal data)."""

from __future__ import annotations

from tests.web.permission_entries import Entry

STAFF = frozenset({"staff", "admin"})

ENTRIES = [
    Entry("GET", "/staff/audit/verify", STAFF),
    Entry("GET", "/staff/audit/export.xlsx", STAFF),
    Entry("GET", "/api/v1/staff/audit/verify", STAFF),
]
