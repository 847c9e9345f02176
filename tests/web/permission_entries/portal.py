"""Permission entries of the public pages, accounts, the enterprise and provider portals,
the inbox, account administration and their JSON API (see __init__ for the format)."""

from __future__ import annotations

from tests.web.permission_entries import ALL, PUBLIC, Entry

E = frozenset({"enterprise"})
P = frozenset({"provider"})
EP = frozenset({"enterprise", "provider"})
ADMIN = frozenset({"admin"})

NEED = {"title": "新的技术需求", "description": "需要视觉检测方案", "category": "技术攻关"}
OFFER = {"title": "新的服务", "description": "提供视觉检测方案", "category": "技术攻关"}
PROFILE = {"contact_name": "王工", "contact_phone": "022-26001111", "share_contacts": "1"}
QUAL = {"kind": "雏鹰", "year_granted": "2021"}

ENTRIES: list[Entry] = [
    # public pages and API basics
    Entry("GET", "/", PUBLIC),
    Entry("GET", "/login", PUBLIC),
    Entry("POST", "/login", PUBLIC, {"username": "{enterprise_username}", "password": "{password}"}),
    Entry("POST", "/logout", PUBLIC),
    Entry("GET", "/register", PUBLIC),
    Entry("POST", "/register", PUBLIC, {"name": ""}, note="invalid form: 422, nothing created"),
    Entry("GET", "/api/v1/csrf-token", PUBLIC),
    Entry("POST", "/api/v1/register", PUBLIC, {"name": ""}, note="invalid body: 422, nothing created"),
    Entry("GET", "/api/v1/health", PUBLIC),
    Entry("GET", "/api/v1/categories", PUBLIC),
    Entry("GET", "/api/v1/themes", PUBLIC),
    Entry("GET", "/api/v1/indicators", PUBLIC),
]

for role, base, items, own, other, data in (
    ("enterprise", "/enterprise", "needs", "{own_need_id}", "{other_need_id}", NEED),
    ("provider", "/provider", "offers", "{own_offer_id}", "{other_offer_id}", OFFER),
):
    who = frozenset({role})
    ENTRIES += [
        Entry("GET", base, who),
        Entry("GET", f"{base}/{items}", who),
        Entry("GET", f"{base}/{items}/new", who),
        Entry("POST", f"{base}/{items}", who, data),
        Entry("GET", f"{base}/{items}/{own}", who),
        Entry("GET", f"{base}/{items}/{other}", who),
        Entry("GET", f"{base}/{items}/{own}/edit", who),
        Entry("GET", f"{base}/{items}/{other}/edit", who),
        Entry("POST", f"{base}/{items}/{own}/edit", who, data),
        Entry("POST", f"{base}/{items}/{other}/edit", who, data),
        Entry("POST", f"{base}/{items}/{other}/close", who),
        Entry("POST", f"{base}/{items}/{own}/close", who),
        Entry("POST", f"{base}/{items}/{other}/reopen", who),
        Entry("POST", f"{base}/{items}/{own}/reopen", who),
        Entry("POST", f"{base}/{items}/{other}/publish", who),
        Entry("POST", f"{base}/{items}/{own}/publish", who, note="not a draft: 409"),
        Entry("GET", f"{base}/matches", who),
        Entry("GET", f"{base}/matches/{{own_match_id}}", who),
        Entry("GET", f"{base}/matches/{{other_match_id}}", who),
        Entry("POST", f"{base}/matches/{{other_match_id}}/interest", who),
        Entry("POST", f"{base}/matches/{{own_match_id}}/interest", who),
        Entry("POST", f"{base}/matches/{{other_match_id}}/interest/withdraw", who),
        Entry("POST", f"{base}/matches/{{own_match_id}}/interest/withdraw", who,
              note="409 unless interest was expressed"),
        Entry("POST", f"{base}/matches/{{other_match_id}}/rating", who, {"score": "5"}),
        Entry("POST", f"{base}/matches/{{own_match_id}}/rating", who, {"score": "5"},
              note="409 until the match is contracted"),
        Entry("GET", f"{base}/profile", who),
        Entry("POST", f"{base}/profile", who, PROFILE),
    ]

ENTRIES += [
    Entry("POST", "/enterprise/profile/qualifications", E, QUAL),
    Entry("POST", "/enterprise/profile/qualifications/{other_qualification_id}/delete", E),
    Entry("POST", "/enterprise/profile/qualifications/{qualification_id}/delete", E),
    # inbox
    Entry("GET", "/favicon.ico", PUBLIC),
    Entry("GET", "/inbox", ALL),
    Entry("POST", "/inbox/{other_notification_id}/read", ALL,
          note="404 for everyone: nobody but ent2 may read it"),
    Entry("POST", "/inbox/{notification_id}/read", ALL),
    Entry("POST", "/inbox/read-all", ALL),
    Entry("POST", "/inbox/mode", ALL, {"notify_mode": "daily"}, note="changes only the caller's own setting"),
    # account administration
    Entry("GET", "/api/v1/users", ADMIN),
    Entry("POST", "/api/v1/users", ADMIN, {"username": "", "role": "staff"}),
    Entry("PATCH", "/api/v1/users/{user_id}", ADMIN, {"is_active": True}),
    # me
    Entry("GET", "/api/v1/me", ALL),
    Entry("PATCH", "/api/v1/me/organisation", EP, PROFILE),
    # notifications API
    Entry("GET", "/api/v1/notifications", ALL),
    Entry("GET", "/api/v1/notifications/unread-count", ALL),
    Entry("POST", "/api/v1/notifications/{other_notification_id}/read", ALL),
    Entry("POST", "/api/v1/notifications/{notification_id}/read", ALL),
    Entry("POST", "/api/v1/notifications/read-all", ALL),
    # matches API
    Entry("GET", "/api/v1/matches", EP),
    Entry("GET", "/api/v1/matches/{own_match_id}", EP),
    Entry("GET", "/api/v1/matches/{other_match_id}", EP),
    Entry("POST", "/api/v1/matches/{other_match_id}/interest", EP),
    Entry("POST", "/api/v1/matches/{own_match_id}/interest", EP),
]

for role, items, own, other, data in (
    ("enterprise", "needs", "{own_need_id}", "{other_need_id}", NEED),
    ("provider", "offers", "{own_offer_id}", "{other_offer_id}", OFFER),
):
    who, readers = frozenset({role}), frozenset({role, "staff"})
    ENTRIES += [
        Entry("GET", f"/api/v1/{items}", readers),
        Entry("POST", f"/api/v1/{items}", who, data),
        Entry("GET", f"/api/v1/{items}/{own}", readers),
        Entry("GET", f"/api/v1/{items}/{other}", readers, note="staff may read any posting"),
        Entry("PATCH", f"/api/v1/{items}/{own}", who, data),
        Entry("PATCH", f"/api/v1/{items}/{other}", who, data),
        Entry("GET", f"/api/v1/{items}/{own}/recommendations", who),
        Entry("GET", f"/api/v1/{items}/{other}/recommendations", who),
        Entry("POST", f"/api/v1/{items}/{other}/close", who),
        Entry("POST", f"/api/v1/{items}/{own}/close", who),
        Entry("POST", f"/api/v1/{items}/{other}/reopen", who),
        Entry("POST", f"/api/v1/{items}/{own}/reopen", who),
        Entry("POST", f"/api/v1/{items}/{other}/publish", who),
        Entry("POST", f"/api/v1/{items}/{own}/publish", who, note="not a draft: 409"),
    ]
