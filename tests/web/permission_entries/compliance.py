"""Permission entries of the audit chain's check and export (and, below, personal data)."""

from __future__ import annotations

from tests.web.permission_entries import Entry

STAFF = frozenset({"staff", "admin"})

ENTRIES = [
    Entry("GET", "/staff/audit/verify", STAFF),
    Entry("GET", "/staff/audit/export.xlsx", STAFF),
    Entry("GET", "/api/v1/staff/audit/verify", STAFF),
]

OWN_ORG = frozenset({"enterprise", "provider"})
ALL_ROLES = frozenset({"enterprise", "provider", "staff", "official", "admin"})

ENTRIES += [
    Entry("GET", "/account/privacy", ALL_ROLES),
    Entry("POST", "/account/privacy/name", ALL_ROLES, data={"display_name": "新名字"}),
    Entry("POST", "/account/privacy/contacts", OWN_ORG,
          data={"contact_name": "王联系", "contact_phone": "022-26001234", "contact_email": "w@example.com"}),
    Entry("GET", "/account/privacy/export.json", ALL_ROLES),
    Entry("POST", "/account/privacy/erasure", OWN_ORG, data={"reason": "不再使用"}),
    Entry("GET", "/api/v1/me/personal-data", ALL_ROLES),
    Entry("POST", "/api/v1/me/personal-data/erasure-request", OWN_ORG, data={"reason": "不再使用"}),
    Entry("GET", "/staff/privacy", STAFF),
    Entry("POST", "/staff/privacy/{privacy_request_id}/erase", STAFF),
    Entry("POST", "/staff/privacy/{privacy_request_id}/reject", STAFF, data={"answer": "法律要求保留"}),
]


def placeholders(session, world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A pending deletion request of a spare enterprise user, for the staff routes."""
    from models import PrivacyRequest
    from tests.factories import make_org, make_user

    org = make_org(session)
    person = make_user(session, role="enterprise", org=org)
    req = PrivacyRequest(user_id=person.id, reason="测试")
    session.add(req)
    session.commit()
    session.refresh(req)
    return {"privacy_request_id": str(req.id)}
