"""Every route x every role (and anonymous) x own and other organisation.

The entries live in tests/web/permission_entries/ (format in its __init__). The test
fails when an app route has no entry, when a role outside an entry's ``allowed`` gets
anything but 401/403 (or changes the database), when another organisation's id gives
anything but 404 to an enterprise or provider, and when an allowed role is refused.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.routing import _IncludedRouter
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from models import Indicator, IndicatorActual, Match, Notification, Qualification, UserSession
from tests.factories import PASSWORD, make_need, make_offer, make_org, make_user
from tests.web.permission_entries import ROLES, Entry, load_entries, load_modules
from web.app import create_app
from web.services.indicators.plan import ensure_plan_indicators
from web.settings import Settings

EXCLUDED = ("/static", "/openapi.json", "/api/docs", "/docs/oauth2-redirect")
SKIP_TABLES = {"usersession", "loginattempt"}
ANON_CSRF = "anon-csrf-token"


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route, walking included routers."""
    out: set[tuple[str, str]] = set()

    def walk(routes: list[Any], prefix: str = "") -> None:
        for r in routes:
            if isinstance(r, _IncludedRouter):
                walk(r.original_router.routes, prefix + r.include_context.prefix)
                continue
            path = prefix + getattr(r, "path", "")
            if path.startswith(EXCLUDED):
                continue
            for m in getattr(r, "methods", None) or ():
                if m != "HEAD":
                    out.add((m, path))

    walk(app.routes)
    return out


def shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_route_has_an_entry() -> None:
    app = create_app(Settings(database_url="sqlite:///:memory:", seed_on_start=False, mode="test"))
    covered = {(e.method, shape(e.path)) for e in load_entries()}
    missing = sorted(f"{m} {p}" for m, p in app_routes(app) if (m, shape(p)) not in covered)
    assert not missing, "routes without a permission entry (add them to tests/web/permission_entries/):\n" \
        + "\n".join(missing)
    stale = sorted(f"{m} {p}" for m, p in covered if (m, p) not in {(m2, shape(p2)) for m2, p2 in app_routes(app)})
    assert not stale, "entries for routes that do not exist:\n" + "\n".join(stale)


@dataclass
class World:
    own_need_id: int
    other_need_id: int
    own_offer_id: int
    other_offer_id: int
    own_match_id: int
    other_match_id: int
    approved_match_id: int
    other_notification_id: int
    qualification_id: int
    other_qualification_id: int
    user_id: int
    org_id: int
    users: dict[str, Any]
    notifications: dict[str, int]
    extra: dict[str, str]


def build_world(session: Session) -> World:
    ent1, ent2 = make_org(session), make_org(session)
    prov1 = make_org(session, kind="university")
    prov2 = make_org(session, kind="intermediary")
    users = {
        "enterprise": make_user(session, role="enterprise", org=ent1),
        "provider": make_user(session, role="provider", org=prov1),
        "staff": make_user(session, role="staff"),
        "official": make_user(session, role="official"),
        "admin": make_user(session, role="admin"),
    }
    make_user(session, role="enterprise", org=ent2)
    spare = make_user(session, role="staff")
    n1, n2 = make_need(session, org=ent1), make_need(session, org=ent2)
    o1, o2 = make_offer(session, org=prov1), make_offer(session, org=prov2)
    m_own = Match(need_id=n1.id, offer_id=o1.id, score=0.5, reasons={"terms": [], "signals": []})
    m_other = Match(need_id=n2.id, offer_id=o2.id, score=0.5, reasons={"terms": [], "signals": []})
    m_appr = Match(need_id=n1.id, offer_id=o2.id, score=0.4, status="approved",
                   reasons={"terms": [], "signals": []})
    for m in (m_own, m_other, m_appr):
        session.add(m)
    session.commit()
    notes = {}
    for role, u in users.items():
        note = Notification(user_id=u.id, kind="system", title=f"给{role}的消息")
        session.add(note)
        session.commit()
        notes[role] = note.id
    other_note = Notification(org_id=ent2.id, kind="system", title="给ent2的消息")
    q1 = Qualification(org_id=ent1.id, kind="雏鹰", year_granted=2020)
    q2 = Qualification(org_id=ent2.id, kind="雏鹰", year_granted=2020)
    for row in (other_note, q1, q2):
        session.add(row)
    session.commit()
    now = datetime.now(UTC)
    for role, u in users.items():
        session.add(UserSession(id=hashlib.sha256(f"tok-{role}".encode()).hexdigest(), user_id=u.id,
                                csrf_token=f"csrf-{role}", expires_at=now + timedelta(hours=2)))
    session.commit()
    world = World(own_need_id=n1.id, other_need_id=n2.id, own_offer_id=o1.id, other_offer_id=o2.id,
                  own_match_id=m_own.id, other_match_id=m_other.id, approved_match_id=m_appr.id,
                  other_notification_id=other_note.id, qualification_id=q1.id,
                  other_qualification_id=q2.id, user_id=spare.id, org_id=ent1.id,
                  users={r: u.id for r, u in users.items()}, notifications=notes, extra={})
    ensure_plan_indicators(session)
    session.commit()
    indicator = session.exec(select(Indicator).where(Indicator.number == 1)).one()
    actual = IndicatorActual(indicator_id=indicator.id, year=2021, value=Decimal("1.2"), source="示例数据",
                             is_sample=True)
    session.add(actual)
    session.commit()
    world.extra.update({"actual_id": str(actual.id), "indicator_number": "1", "enterprise_username": users["enterprise"].username,
                        "password": PASSWORD})
    for module in load_modules():
        hook = getattr(module, "placeholders", None)
        if hook:
            world.extra.update({k: str(v) for k, v in hook(session, world).items()})
    return world


def fill(path: str, world: World, role: str | None) -> str:
    values = {k: str(v) for k, v in vars(world).items() if isinstance(v, int)}
    values.update(world.extra)
    values["notification_id"] = str(world.notifications[role or "enterprise"])
    names = [n for _, n, _, _ in string.Formatter().parse(path) if n]
    unknown = [n for n in names if n not in values]
    assert not unknown, f"{path}: unknown placeholder(s) {unknown}; see permission_entries/__init__.py"
    return path.format(**values)


def fingerprint(session: Session) -> dict[str, list]:
    session.expire_all()
    out = {}
    with session.get_bind().connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in SKIP_TABLES:
                continue
            rows = conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(map(str, r)) for r in rows]
    return out


def send(client: TestClient, entry: Entry, path: str, role: str | None, session: Session,
         world: World) -> Any:
    client.cookies.clear()
    if role is None:
        cookie, token = f"zq_csrf={ANON_CSRF}", ANON_CSRF
    else:
        # A previous entry may have logged this role out: bring its session back.
        sid = hashlib.sha256(f"tok-{role}".encode()).hexdigest()
        session.exec(text("UPDATE usersession SET revoked_at = NULL WHERE id = :sid").bindparams(sid=sid))
        session.commit()
        cookie, token = f"zq_session=tok-{role}; zq_csrf={ANON_CSRF}", f"csrf-{role}"
    headers = {"Cookie": cookie, "X-CSRF-Token": token}
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if entry.method != "GET":
        data = {k: fill(v, world, role) if isinstance(v, str) else v for k, v in (entry.data or {}).items()}
        kwargs["json" if path.startswith("/api/") else "data"] = data
    return client.request(entry.method, path, **kwargs)


def refused(response: Any, role: str | None, entry: Entry) -> bool:
    if response.status_code in (401, 403):
        return True
    return role is None and response.status_code == 303 and \
        response.headers.get("location", "").startswith("/login")


def test_permission_matrix(engine: Any, session: Session) -> None:
    world = build_world(session)
    app = create_app(Settings(database_url=str(engine.url), seed_on_start=False, mode="test"), engine=engine)
    problems: list[str] = []
    with TestClient(app) as client:
        entries = load_entries()
        # Refusals first, on an untouched world; then the allowed requests (which may change it).
        for entry in entries:
            for role in (None, *ROLES):
                if not entry.allowed or (role in entry.allowed):
                    continue
                path = fill(entry.path, world, role)
                before = fingerprint(session)
                r = send(client, entry, path, role, session, world)
                who = role or "anonymous"
                if not refused(r, role, entry):
                    problems.append(f"{entry.method} {entry.path} as {who}: expected 401/403, got {r.status_code}")
                elif fingerprint(session) != before:
                    problems.append(f"{entry.method} {entry.path} as {who}: refused but the database changed")
        for entry in entries:
            allowed = (None, *ROLES) if not entry.allowed else tuple(r for r in ROLES if r in entry.allowed)
            for role in allowed:
                path = fill(entry.path, world, role)
                r = send(client, entry, path, role, session, world)
                who = role or "anonymous"
                if "{other_" in entry.path and role in ("enterprise", "provider"):
                    if r.status_code != 404:
                        problems.append(f"{entry.method} {entry.path} as {who}: other organisation's id "
                                        f"must give 404, got {r.status_code}")
                elif r.status_code in (401, 403) or r.status_code >= 500:
                    problems.append(f"{entry.method} {entry.path} as {who}: allowed but got {r.status_code}")
    assert not problems, "\n".join(problems)


def test_world_has_what_entries_need(session: Session) -> None:
    world = build_world(session)
    assert session.exec(select(Match)).all()
    for entry in load_entries():
        fill(entry.path, world, "enterprise")
