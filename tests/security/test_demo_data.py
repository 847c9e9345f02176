"""Production never runs with the demo accounts; `zhengqi removedemo` and `zhengqi createadmin`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, func, select
from typer.testing import CliRunner

from models import (
    Announcement,
    AnnouncementRead,
    AuditLog,
    AuditPersonal,
    DictChange,
    Match,
    Need,
    Notification,
    Organisation,
    User,
)
from tests.factories import make_need, make_org, make_user
from web.app import create_app, prepare_database
from web.cli import app as cli
from web.security.demo_data import DemoDataPresent, find_demo_data, remove_demo_data
from web.services import audit
from web.services.seed import DEMO_PASSWORD, load_demo
from web.settings import Settings

ADMIN_PASSWORD = "Zq-first-admin-2026"


def _count(session: Session, model) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(model)).one()


def _production(engine: Engine) -> Settings:
    return Settings(database_url=engine.url.render_as_string(hide_password=False), mode="production",
                    allowed_hosts="testserver")


def test_production_start_refuses_a_demo_database(engine: Engine, small_demo_dir: Path) -> None:
    load_demo(engine, data_dir=small_demo_dir, mode="demo")
    with pytest.raises(DemoDataPresent) as caught:
        prepare_database(engine, _production(engine))
    assert "zhengqi removedemo" in caught.value.message
    assert "演示账号 5 个" in caught.value.message
    # The app itself refuses to start, so demo-admin's published password never logs in.
    with pytest.raises(DemoDataPresent), TestClient(create_app(_production(engine), engine=engine)):
        pass


def test_serve_command_refuses_with_a_chinese_message(small_demo_dir: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    from models.db import make_engine

    engine = make_engine(url)
    load_demo(engine, data_dir=small_demo_dir, mode="demo") if prepare_database(
        engine, Settings(database_url=url, seed_on_start=False)) is None else None
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ZHENGQI_MODE", "production")
    monkeypatch.setenv("ZHENGQI_ALLOWED_HOSTS", "zhengqi.example")
    result = CliRunner().invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "拒绝启动" in result.output and "zhengqi removedemo" in result.output


def test_removedemo_keeps_real_data_and_unblocks_production(engine: Engine, small_demo_dir: Path,
                                                            session: Session) -> None:
    load_demo(engine, data_dir=small_demo_dir, mode="demo")
    demo_enterprise = session.exec(select(User).where(User.username == "demo-enterprise")).one()
    demo_match = session.exec(select(Match)).first()
    assert demo_match is not None
    real_org = make_org(session)
    real_user = make_user(session, org=real_org)
    # Real rows that point at demo rows: the pointer goes, the real row stays.
    real_need = make_need(session, org=real_org, created_by=demo_enterprise.id)
    session.add(Notification(org_id=real_org.id, kind="approved", title="示例", match_id=demo_match.id))
    audit.record(session, actor_id=real_user.id, action="org.update", object_type="organisation",
                 object_id=real_org.id)
    audit.record(session, actor_id=demo_enterprise.id, action="need.create", object_type="need")
    # Back-office rows: a demo staff member's announcement (read by a real user), a real one a
    # demo account read, a dictionary edit by the demo admin, a real record merged into a demo one.
    demo_staff = session.exec(select(User).where(User.username == "demo-staff")).one()
    demo_admin = session.exec(select(User).where(User.username == "demo-admin")).one()
    now = datetime.now(UTC)
    demo_notice = Announcement(title="示例公告", body="示例", category="notice", publish_at=now,
                               created_by=demo_staff.id)
    real_notice = Announcement(title="正式公告", body="正式", category="notice", publish_at=now,
                               created_by=real_user.id)
    session.add_all([demo_notice, real_notice])
    session.flush()
    session.add_all([AnnouncementRead(announcement_id=demo_notice.id, user_id=real_user.id),
                     AnnouncementRead(announcement_id=real_notice.id, user_id=demo_staff.id),
                     AnnouncementRead(announcement_id=real_notice.id, user_id=real_user.id),
                     DictChange(kind="category", code="技术攻关", action="update", actor_id=demo_admin.id)])
    demo_org_id = session.exec(select(Organisation.id).where(col(Organisation.is_demo).is_(True))).first()
    merged = make_org(session)
    merged.merged_into_id, merged.deactivated_at = demo_org_id, now
    session.add(merged)
    audit.record(session, actor_id=demo_enterprise.id, action="auth.login", object_type="user",
                 object_id=demo_enterprise.id, detail={"username": "demo-enterprise", "ip": "10.0.0.9"})
    session.commit()
    assert session.exec(select(AuditPersonal.data)).all() == [{"username": "demo-enterprise", "ip": "10.0.0.9"}]

    demo_enterprise_id = demo_enterprise.id
    removed = remove_demo_data(session)
    assert removed.accounts == 5 and removed.organisations == 7 and removed.matches >= 1
    session.expire_all()
    assert find_demo_data(session).any is False
    assert sorted(session.exec(select(Organisation.id)).all()) == sorted([real_org.id, merged.id])
    assert session.get(Organisation, merged.id).merged_into_id is None  # type: ignore[union-attr]
    assert session.exec(select(Announcement.title)).all() == ["正式公告"]
    assert session.exec(select(AnnouncementRead.user_id)).all() == [real_user.id]
    assert session.exec(select(DictChange.actor_id)).all() == [None]
    assert session.exec(select(User.id)).all() == [real_user.id]
    assert session.exec(select(Need.id)).all() == [real_need.id]
    assert session.get(Need, real_need.id).created_by is None  # type: ignore[union-attr]
    assert _count(session, Match) == 0 and _count(session, Notification) == 0
    # The audit log is append-only: the demo's entries stay as history, without the demo
    # accounts' personal fields, and the removal is the newest entry; the chain still holds.
    actions = session.exec(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert "org.update" in actions and "auth.login" in actions and actions[-1] == "demo.remove"
    assert session.exec(select(AuditPersonal).where(
        col(AuditPersonal.user_id) == demo_enterprise_id)).all() == []
    assert audit.verify_chain(session).ok
    prepare_database(engine, _production(engine))  # no longer refused


def test_removedemo_handles_every_pointer_at_users_and_organisations() -> None:
    """A new table pointing at accounts or organisations must be handled in remove_demo_data."""
    pointers = {f"{t.name}.{fk.parent.name}" for t in SQLModel.metadata.sorted_tables
                for fk in t.foreign_keys if fk.column.table.name in {"user", "organisation"}}
    assert pointers == {
        "contract.created_by", "idempotencykey.user_id", "indicatoractual.entered_by",
        "match.decided_by", "match.need_org_id", "match.offer_org_id",  # matches go with their postings
        "matchevent.actor_id", "need.created_by", "need.org_id",
        "notification.org_id", "notification.user_id", "offer.created_by", "offer.org_id",
        "privacyrequest.handled_by", "privacyrequest.user_id",
        "qualification.org_id", "relatedparty.org_id", "relatedparty.related_org_id",
        "contract.voided_by", "rating.created_by", "rating.rater_org_id", "rating.rated_org_id",
        "user.org_id", "usersession.user_id",
        # back office
        "announcement.created_by", "announcementread.user_id", "dictchange.actor_id",
        "organisation.merged_into_id",
        # cultivation and liaison
        "ruleset.created_by", "pool.created_by", "poolmember.org_id", "poolmember.added_by", "poolmember.left_by",
        "gapneed.org_id", "gapneed.recorded_by", "listingstep.org_id", "listingstep.updated_by",
        "liaisonassignment.org_id", "liaisonassignment.user_id", "liaisonassignment.assigned_by",
        "visitschedule.org_id", "visitschedule.set_by", "visit.org_id", "visit.recorded_by",
        "appeal.org_id", "appeal.created_by", "appealstep.actor_id",
    }


def _cli_env(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ZHENGQI_MODE", "production")
    monkeypatch.setenv("ZHENGQI_ALLOWED_HOSTS", "testserver")


def test_removedemo_command(engine: Engine, small_demo_dir: Path, session: Session,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    load_demo(engine, data_dir=small_demo_dir, mode="demo")
    _cli_env(monkeypatch, engine)
    refused = CliRunner().invoke(cli, ["removedemo"], input="n\n")
    assert refused.exit_code == 1 and find_demo_data(session).accounts == 5
    result = CliRunner().invoke(cli, ["removedemo"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "已删除演示账号 5 个" in result.output
    assert find_demo_data(session).any is False
    again = CliRunner().invoke(cli, ["removedemo", "--yes"])
    assert "未作更改" in again.output


def test_createadmin_prompts_for_the_password(engine: Engine, session: Session,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _cli_env(monkeypatch, engine)
    result = CliRunner().invoke(cli, ["createadmin", "--username", "root-admin"],
                                input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert ADMIN_PASSWORD not in result.output  # typed hidden, never echoed
    admin = session.exec(select(User).where(User.username == "root-admin")).one()
    assert admin.role == "admin" and not admin.is_demo
    assert session.exec(select(AuditLog.action)).all() == ["user.create"]
    # The first admin logs in to an empty production database.
    app = create_app(_production(engine), engine=engine)
    with TestClient(app) as client:
        from tests.web.conftest import csrf_from

        token = csrf_from(client.get("/login").text)
        r = client.post("/login", data={"username": "root-admin", "password": ADMIN_PASSWORD,
                                        "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303


def test_createadmin_takes_no_password_argument_and_refuses_weak_ones(
        engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _cli_env(monkeypatch, engine)
    on_line = CliRunner().invoke(cli, ["createadmin", "--username", "a1", "--password", ADMIN_PASSWORD])
    assert on_line.exit_code == 2 and "--password" in on_line.output
    weak = CliRunner().invoke(cli, ["createadmin", "--username", "root-admin"],
                              input=f"{DEMO_PASSWORD}\n{DEMO_PASSWORD}\n")
    assert weak.exit_code == 2 and "未创建" in weak.output
    mismatch = CliRunner().invoke(cli, ["createadmin", "--username", "root-admin"],
                                  input=f"{ADMIN_PASSWORD}\nother-Passw0rd-x\n")
    assert mismatch.exit_code != 0
    assert _count(session, User) == 0
