"""Migrations: an empty database upgrades to head, the models agree, and it downgrades cleanly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

from models.db import make_engine
from models.migrate import MIGRATIONS_DIR, pending_model_changes, upgrade
from tests.conftest import PG_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all (PostgreSQL: a fresh schema on the test server)."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield eng
        eng.dispose()
        return
    request.getfixturevalue("pg_engine")  # skips or fails exactly as the shared fixture does
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    eng = make_engine(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_empty_database_to_head(empty_engine: Engine) -> None:
    assert _tables(empty_engine) == set()
    upgrade(empty_engine)
    assert _tables(empty_engine) == set(SQLModel.metadata.tables)
    assert pending_model_changes(empty_engine) == []


def test_upgrade_is_idempotent_and_downgrade_reverses(empty_engine: Engine) -> None:
    from alembic import command

    from models.migrate import alembic_config

    upgrade(empty_engine)
    upgrade(empty_engine)  # a second start on a migrated database is a no-op
    cfg = alembic_config(empty_engine)
    with empty_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert _tables(empty_engine) == set()
    upgrade(empty_engine)
    assert pending_model_changes(empty_engine) == []


def test_shared_engine_fixture_is_at_head(engine: Engine) -> None:
    assert pending_model_changes(engine) == []


def test_migration_files_are_date_prefixed() -> None:
    names = [p.name for p in (MIGRATIONS_DIR / "versions").glob("*.py")]
    assert names and all(n[:8].isdigit() and n[8] == "_" for n in names)


def test_audit_entries_written_before_the_chain_are_sealed_into_it(empty_engine: Engine) -> None:
    """Upgrading a database with earlier entries chains them in id order and moves the login
    usernames and addresses they held beside them; the database then refuses edits."""
    from sqlmodel import Session, col, select

    from models import AuditLog, AuditPersonal
    from models.audit_chain import verify

    upgrade(empty_engine, "7c41e2b9a0d3")
    with empty_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO auditlog (id, actor_id, action, object_type, object_id, detail, created_at) VALUES "
            "(1, NULL, 'auth.login_failed', 'user', NULL, '{\"username\": \"nobody\", \"ip\": \"10.0.0.1\"}', "
            "'2026-11-30 01:02:03.456789'),"
            "(2, NULL, 'match.approve', 'match', 5, '{\"note\": \"好\"}', '2026-11-30 02:00:00'),"
            "(4, NULL, 'user.unlock', 'user', 9, '{\"username\": \"alice\", \"counters\": 2}', '2026-11-30 03:00:00')"))
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        report = verify(session)
        assert report.ok and report.rows == 3 and report.last_id == 4, report.problems
        entries = session.exec(select(AuditLog).order_by(col(AuditLog.id))).all()
        assert [e.detail for e in entries] == [{}, {"note": "好"}, {"counters": 2}]
        personal = {p.audit_id: (p.user_id, p.data) for p in session.exec(select(AuditPersonal))}
        assert personal == {1: (None, {"username": "nobody", "ip": "10.0.0.1"}), 4: (9, {"username": "alice"})}
    with pytest.raises(Exception, match="append-only"), empty_engine.begin() as conn:
        conn.execute(text("UPDATE auditlog SET detail = '{}' WHERE id = 2"))


def test_postings_written_before_the_status_checks_keep_their_statuses(empty_engine: Engine) -> None:
    """The platform only ever wrote these statuses: the CHECK constraints take every row."""
    from sqlalchemy.exc import IntegrityError
    from sqlmodel import Session, select

    from models import Need, Offer
    from models.posting import NeedStatus, OfferStatus
    from tests.factories import make_need, make_offer, make_org

    upgrade(empty_engine, "cfeb460d1bfa")
    with Session(empty_engine) as session:
        org = make_org(session)
        for need_status in NeedStatus:
            make_need(session, org=org, status=need_status)
        for offer_status in OfferStatus:
            make_offer(session, org=org, status=offer_status)
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        assert sorted(n.status for n in session.exec(select(Need))) == sorted(NeedStatus)
        assert sorted(o.status for o in session.exec(select(Offer))) == sorted(OfferStatus)
    with pytest.raises(IntegrityError), empty_engine.begin() as conn:
        conn.execute(text("UPDATE offer SET status = 'closed'"))


def test_matches_made_before_the_owner_columns_take_their_postings_owners(empty_engine: Engine) -> None:
    """Existing matches get need_org_id / offer_org_id from their postings; new ones on insert."""
    from sqlmodel import Session, select

    from models import Match
    from tests.factories import make_need, make_offer, make_org

    upgrade(empty_engine, "5b9e2c7d4a61")
    with Session(empty_engine) as session:
        ent, prov = make_org(session), make_org(session, kind="university")
        need, offer = make_need(session, org=ent), make_offer(session, org=prov)
        ids = (need.id, offer.id, ent.id, prov.id)
    with empty_engine.begin() as conn:  # the old table has no owner columns: a plain insert
        conn.execute(text("INSERT INTO \"match\" (need_id, offer_id, score, text_score, reasons, status, source, "
                          "enterprise_interested, provider_interested, created_at) VALUES "
                          f"({ids[0]}, {ids[1]}, 0.5, 0.5, '{{}}', 'proposed', 'engine', false, false, "
                          "CURRENT_TIMESTAMP)"))
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        match = session.exec(select(Match)).one()
        assert (match.need_org_id, match.offer_org_id) == (ids[2], ids[3])
