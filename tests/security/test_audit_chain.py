"""The audit log is append-only and tamper-evident: the database refuses edits and deletes, and
where someone gets round that (trigger dropped, file edited), verification names the entry."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from models import AuditChainHead, AuditLog, AuditPersonal, audit_chain
from tests.factories import make_user
from tests.web.conftest import login
from web.cli import app as cli
from web.services import audit
from web.services.accounts import auth


def _write(session: Session, n: int, *, start: int = 0) -> None:
    for i in range(start, start + n):
        audit.record(session, actor_id=None, action="test.write", object_type="system", detail={"i": i})
        session.commit()


def _tamper(engine: Engine, *statements: str) -> None:
    """What an intruder with database access does: get round the triggers, then change rows."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for name in ("auditlog_no_update", "auditlog_no_delete", "auditpersonal_no_update",
                         "auditchainhead_no_delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        else:
            for table in ("auditlog", "auditpersonal", "auditchainhead"):
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        for statement in statements:
            conn.execute(text(statement))
        if engine.dialect.name != "sqlite":
            for table in ("auditlog", "auditpersonal", "auditchainhead"):
                conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


def test_normal_use_builds_one_verified_chain(engine: Engine, session: Session) -> None:
    user = make_user(session, username="chain-user")
    auth.login(session, username="chain-user", password="Passw0rd-test", ip="10.1.2.3")
    _write(session, 3)
    for i in range(3):  # several entries in one transaction
        audit.record(session, actor_id=user.id, action="test.batch", object_type="system", detail={"n": i})
    session.commit()

    entries = session.exec(select(AuditLog).order_by(col(AuditLog.id))).all()
    assert [e.id for e in entries] == list(range(1, 8))
    assert entries[0].prev_hash == audit_chain.GENESIS
    assert all(b.prev_hash == a.row_hash for a, b in zip(entries, entries[1:], strict=False))
    report = audit.verify_chain(session)
    assert report.ok, report.problems
    assert (report.rows, report.last_id, report.last_hash) == (7, 7, entries[-1].row_hash)
    head = session.get(AuditChainHead, 1)
    assert head is not None and (head.last_id, head.rows) == (7, 7)
    # The login's personal fields sit beside the entry, not in it.
    login_entry = entries[0]
    assert login_entry.action == "auth.login" and login_entry.detail == {}
    assert login_entry.personal_digest
    personal = session.get(AuditPersonal, login_entry.id)
    assert personal is not None and personal.user_id == user.id
    assert personal.data == {"username": "chain-user", "ip": "10.1.2.3"}


def test_the_database_refuses_to_change_or_delete_entries(engine: Engine, session: Session) -> None:
    make_user(session, username="refuse-user")
    auth.login(session, username="refuse-user", password="Passw0rd-test", ip="10.0.0.1")
    _write(session, 2)
    for statement in ("UPDATE auditlog SET action = 'x' WHERE id = 2", "DELETE FROM auditlog WHERE id = 3",
                      "DELETE FROM auditlog", "UPDATE auditpersonal SET data = '{}'",
                      "DELETE FROM auditchainhead"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert audit.verify_chain(session).ok
    # Erasing an entry's personal fields (a deletion request) is the one delete allowed.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auditpersonal"))
    report = audit.verify_chain(session)
    assert report.ok and report.erased == 1


def _rehash_row(engine: Engine, row_id: int, new_detail: str) -> str:
    with Session(engine) as s:
        e = s.get(AuditLog, row_id)
        assert e is not None
        e.detail = {"i": 99}
        new_hash = audit_chain.entry_hash(e)
        s.expunge(e)
    return f"UPDATE auditlog SET detail = '{new_detail}', row_hash = '{new_hash}' WHERE id = {row_id}"


ATTACKS: dict[str, tuple[Callable[[Engine], list[str]], str]] = {
    "edit a detail": (lambda e: ["UPDATE auditlog SET detail = '{\"i\": 99}' WHERE id = 3"], "#3：内容与其哈希不符"),
    "edit the actor": (lambda e: ["UPDATE auditlog SET actor_id = 1 WHERE id = 2"], "#2：内容与其哈希不符"),
    "backdate": (lambda e: ["UPDATE auditlog SET created_at = created_at - INTERVAL '1 day' WHERE id = 4"
                            if e.dialect.name != "sqlite" else
                            "UPDATE auditlog SET created_at = '2020-01-01 00:00:00.000000' WHERE id = 4"],
                 "#4：内容与其哈希不符"),
    "edit and recompute its hash": (lambda e: [_rehash_row(e, 3, '{"i": 99}')], "#4：与前一条记录（第 #3 条之后）衔接不上"),
    "delete one in the middle": (lambda e: ["DELETE FROM auditlog WHERE id = 3"], "#4：与前一条记录（第 #2 条之后）衔接不上"),
    "delete the first": (lambda e: ["DELETE FROM auditpersonal WHERE audit_id = 1", "DELETE FROM auditlog WHERE id = 1"],
                         "#2：与前一条记录（链的开头）衔接不上"),
    "delete the last": (lambda e: ["DELETE FROM auditlog WHERE id = 5"], "链头指向 #5，而最后一条记录是 #4"),
    "delete all": (lambda e: ["DELETE FROM auditpersonal", "DELETE FROM auditlog"], "链头指向 #5"),
    "change someone's recorded address": (lambda e: ["UPDATE auditpersonal SET data = '{\"username\": \"x\", \"ip\": \"1.1.1.1\"}'"],
                                          "#1：个人信息与记录的摘要不符"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_tampering_is_found_and_named(engine: Engine, session: Session, attack: str) -> None:
    make_user(session, username="tamper-user")
    auth.login(session, username="tamper-user", password="Passw0rd-test", ip="10.0.0.2")
    _write(session, 4)
    assert audit.verify_chain(session).ok
    statements, expected = ATTACKS[attack]
    _tamper(engine, *statements(engine))
    session.expire_all()
    report = audit.verify_chain(session)
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems
    assert "审计链校验失败" in report.summary()


def test_a_forged_entry_appended_at_the_end_is_found(engine: Engine, session: Session) -> None:
    _write(session, 3)
    last = session.exec(select(AuditLog).order_by(col(AuditLog.id).desc())).first()
    assert last is not None
    forged = AuditLog(id=4, action="match.approve", object_type="match", object_id=1, detail={},
                      created_at=datetime.now(UTC), prev_hash=last.row_hash)
    forged.row_hash = audit_chain.entry_hash(forged)  # a perfectly linked row...
    created = forged.created_at.strftime("%Y-%m-%d %H:%M:%S.%f")
    _tamper(engine, "INSERT INTO auditlog (id, action, object_type, object_id, detail, created_at, prev_hash, row_hash) "
                    f"VALUES (4, 'match.approve', 'match', 1, '{{}}', '{created}', '{forged.prev_hash}', '{forged.row_hash}')")
    report = audit.verify_chain(session)
    assert not report.ok  # ...that the head does not know
    assert any("链头指向 #3，而最后一条记录是 #4" in p for p in report.problems)


def test_rollback_drops_queued_entries_and_a_direct_add_is_chained(session: Session) -> None:
    audit.record(session, actor_id=None, action="test.rolled_back", object_type="system")
    session.rollback()
    session.add(AuditLog(action="test.direct", object_type="system", detail={"k": 1}))
    session.commit()
    entries = session.exec(select(AuditLog)).all()
    assert [(e.id, e.action) for e in entries] == [(1, "test.direct")]
    assert entries[0].row_hash and audit.verify_chain(session).ok


def test_parallel_writers_make_one_chain(engine: Engine, session: Session) -> None:
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            with Session(engine) as s:
                for i in range(5):
                    audit.record(s, actor_id=None, action="test.parallel", object_type="system",
                                 detail={"w": w, "i": i})
                    s.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit.verify_chain(session)
    assert report.ok, report.problems
    assert report.rows == 40 and session.exec(select(AuditLog.id).order_by(AuditLog.id)).all() == list(range(1, 41))


# ------------------------------------------------------------------ command, page, export
def _cli_env(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))


def test_audit_verify_command(engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _cli_env(monkeypatch, engine)
    _write(session, 3)
    ok = CliRunner().invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "审计链完整：共 3 条记录" in ok.output
    _tamper(engine, "DELETE FROM auditlog WHERE id = 2")
    broken = CliRunner().invoke(cli, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "审计链校验失败" in broken.output and "#3：与前一条记录" in broken.output


def test_export_for_auditors_in_beijing_time(engine: Engine, session: Session, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    audit_chain.append(session, AuditLog(action="match.approve", object_type="match", object_id=7,
                                         detail={"note": "=1+1"}, created_at=datetime(2026, 1, 1, 16, 30, tzinfo=UTC)))
    session.commit()
    _cli_env(monkeypatch, engine)
    out = tmp_path / "audit.xlsx"
    result = CliRunner().invoke(cli, ["audit", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    log = list(wb["审计日志"].values)
    assert log[0][:3] == ("编号", "时间", "操作人")  # in the platform's zone, Asia/Shanghai by default
    first = log[1]
    assert first[0] == 1 and first[1] == datetime(2026, 1, 2, 0, 30)  # 16:30 UTC is 00:30 next day in Beijing
    assert first[4] == "批准匹配" and first[8] == "说明：=1+1"
    entry = session.get(AuditLog, 1)
    assert entry is not None and first[9:] == (entry.prev_hash, entry.row_hash)
    check = dict(list(wb["完整性校验"].values)[1:])
    assert check["校验结果"] == "完整" and check["链头哈希"] == entry.row_hash
    # The export is itself on the record, and the chain still holds.
    assert session.exec(select(AuditLog.action).order_by(col(AuditLog.id).desc())).first() == "audit.export"
    assert audit.verify_chain(session).ok


def test_staff_see_the_check_and_export_others_do_not(engine: Engine, session: Session,
                                                      client: TestClient) -> None:
    make_user(session, username="audit-staff", role="staff")
    make_user(session, username="audit-ent", role="enterprise")
    _write(session, 2)
    login(client, "audit-staff")
    page = client.get("/staff/audit/verify")
    assert page.status_code == 200 and "完整性校验通过" in page.text
    assert client.get("/api/v1/staff/audit/verify").json()["ok"] is True
    exported = client.get("/staff/audit/export.xlsx?action=test")
    assert exported.status_code == 200
    rows = list(load_workbook(io.BytesIO(exported.content))["审计日志"].values)
    assert [r[5] for r in rows[1:]] == ["test.write", "test.write"]
    _tamper(engine, "UPDATE auditlog SET detail = '{}' WHERE id = 2")
    broken = client.get("/staff/audit/verify")
    assert "审计链校验失败" in broken.text and "#2：内容与其哈希不符" in broken.text
    assert client.get("/api/v1/staff/audit/verify").json()["ok"] is False
    client.cookies.clear()
    login(client, "audit-ent")
    assert client.get("/staff/audit/verify").status_code == 403
    assert client.get("/staff/audit/export.xlsx").status_code == 403
