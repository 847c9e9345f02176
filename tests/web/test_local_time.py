"""One time zone for every page, message and export: the same moment reads the same everywhere
(Asia/Shanghai by default, ZHENGQI_TIME_ZONE to change it)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from models import AuditLog, MatchEvent, User
from tests.factories import make_need, make_offer, make_org, make_proposal, make_user
from tests.web.conftest import login
from web.app import create_app
from web.presentation import times
from web.presentation.times import local_zone
from web.services import notifications
from web.settings import Settings

MOMENT = datetime(2022, 6, 1, 6, 22, tzinfo=UTC)  # 14:22 in Beijing


def _world(session: Session) -> dict:
    ent = make_org(session)
    prov = make_org(session, kind="intermediary")
    need = make_need(session, org=ent, created_at=MOMENT)
    m = make_proposal(session, need=need, offer=make_offer(session, org=prov), created_at=MOMENT)
    approved = make_proposal(session, need=need, status="approved", created_at=MOMENT)
    session.add(MatchEvent(match_id=approved.id, to_status="approved", from_status="proposed", created_at=MOMENT))
    note = notifications.notify(session, org_id=ent.id, kind="system", title="测试消息")
    assert note is not None
    note.created_at = MOMENT
    session.add(note)
    staff = make_user(session, role="staff", username="zone_staff")
    make_user(session, role="official", username="zone_sleeper", last_login_at=MOMENT)  # never logs in here
    session.add(AuditLog(actor_id=staff.id, action="match.approve", object_type="match", object_id=m.id,
                         created_at=MOMENT))
    session.commit()
    return {"ent_user": make_user(session, org=ent).username, "need": need, "match": m, "approved": approved,
            "admin": make_user(session, role="admin").username}


def _pages(client: TestClient, w: dict) -> dict[str, str]:
    login(client, w["ent_user"])
    out = {"posting": client.get(f"/enterprise/needs/{w['need'].id}").text,
           "postings": client.get("/enterprise/needs").text, "inbox": client.get("/inbox").text}
    client.cookies.clear()
    login(client, "zone_staff")
    out["review"] = client.get(f"/staff/review/{w['match'].id}").text
    out["pipeline"] = client.get(f"/staff/pipeline/{w['approved'].id}").text
    out["audit"] = client.get("/staff/audit").text
    queue = load_workbook(io.BytesIO(client.get("/staff/review/export.xlsx").content)).active
    out["queue.xlsx"] = str([c.value for c in queue[2]])
    client.cookies.clear()
    login(client, w["admin"])
    out["users"] = client.get("/admin/users").text
    return out


def test_every_page_and_export_shows_beijing_time(client: TestClient, session: Session) -> None:
    pages = _pages(client, _world(session))
    for name in ("posting", "inbox", "review", "pipeline", "audit", "users"):
        assert "2022-06-01 14:22" in pages[name], name
        assert "06:22" not in pages[name], name
    assert "2022-06-01" in pages["postings"]
    assert "datetime.datetime(2022, 6, 1, 14, 22)" in pages["queue.xlsx"]


@pytest.fixture
def utc_client(engine: Engine) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=str(engine.url), seed_on_start=False, mode="test", time_zone="UTC"),
                     engine=engine)
    with TestClient(app) as c:
        yield c


def test_the_zone_is_a_setting(utc_client: TestClient, session: Session) -> None:
    pages = _pages(utc_client, _world(session))
    for name in ("posting", "inbox", "review", "audit", "users"):
        assert "2022-06-01 06:22" in pages[name], name
    assert "datetime.datetime(2022, 6, 1, 6, 22)" in pages["queue.xlsx"]


def test_an_unknown_zone_is_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="未知的时区“Mars/Olympus”"):
        Settings(time_zone="Mars/Olympus")


def test_last_login_is_stored_in_utc(session: Session) -> None:
    user = make_user(session, last_login_at=MOMENT)
    session.expire_all()
    stored = session.get(User, user.id).last_login_at
    assert stored is not None and stored.replace(tzinfo=stored.tzinfo or UTC) == MOMENT


def test_today_is_the_platform_zones_date(beijing_today: date) -> None:
    assert times.today(local_zone("Asia/Shanghai")) == beijing_today
    assert times.today(local_zone("UTC")) == beijing_today - timedelta(days=1)


def test_the_zone_label_follows_the_setting() -> None:
    assert times.zone_label(Settings().tz) == "北京时间"
    assert times.zone_label(times._FIXED_ZONES["Asia/Shanghai"]) == "北京时间"
    assert times.zone_label(Settings(time_zone="Europe/Berlin").tz) == "Europe/Berlin"


def test_pages_name_the_configured_zone(utc_client: TestClient, session: Session) -> None:
    admin = make_user(session, role="admin").username
    login(utc_client, admin)
    pages = {path: utc_client.get(path).text for path in ("/admin/jobs", "/admin/logins", "/account/privacy")}
    assert "每天 02:00（UTC）" in pages["/admin/jobs"] and "时间均为UTC。" in pages["/admin/jobs"]
    assert "时间（UTC）" in pages["/admin/logins"] and "时间（UTC）" in pages["/account/privacy"]
    assert not [path for path, text in pages.items() if "北京时间" in text]
