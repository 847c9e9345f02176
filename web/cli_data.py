"""Commands that keep the data safe: audit verify/export, purge, backup and restore."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import typer

audit_app = typer.Typer(help="审计日志：完整性校验与导出 / the audit log: verify and export.",
                        no_args_is_help=True, add_completion=False)


def _engine():  # type: ignore[no-untyped-def]
    from models.db import make_engine
    from models.migrate import upgrade
    from web.settings import Settings

    engine = make_engine(Settings().sqlalchemy_url)
    upgrade(engine)
    return engine


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"{name} 应为 YYYY-MM-DD 格式的日期", err=True)
        raise typer.Exit(2) from None


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit log's hash chain; exit 1 and name each entry found edited, inserted or deleted."""
    from models.db import read_engine, session_scope
    from web.services import audit

    engine = _engine()
    try:
        with session_scope(read_engine(engine)) as session:
            report = audit.verify_chain(session)
    finally:
        engine.dispose()
    typer.echo(report.summary())
    for problem in report.problems:
        typer.echo(f"  - {problem}")
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    out: Path = typer.Option(..., "--out", help="The .xlsx file to write."),
    date_from: str | None = typer.Option(None, "--from", help="First day (YYYY-MM-DD, UTC dates)."),
    date_to: str | None = typer.Option(None, "--to", help="Last day (YYYY-MM-DD)."),
    action: str | None = typer.Option(None, help="Only this action (e.g. auth.login) or area (auth)."),
) -> None:
    """Export the audit log for auditors as Excel (the platform's time zone, hashes, a verification sheet)."""
    from models.db import session_scope
    from web.services import audit
    from web.settings import Settings

    first, last = _date(date_from, "--from"), _date(date_to, "--to")
    engine = _engine()
    try:
        with session_scope(engine) as session:
            filters = audit.AuditFilters(tz=Settings().tz, action=action, date_from=first, date_to=last)
            data = audit.export_xlsx(session, actor_id=None, filters=filters)
    finally:
        engine.dispose()
    out.write_bytes(data)
    typer.echo(f"审计日志已导出到 {out}")


def purge() -> None:
    """Delete ended sessions, old login records (kept ≥ 180 days), idle counters; never the audit log."""
    from models.db import session_scope
    from web.security.purge import purge_expired
    from web.settings import Settings

    settings = Settings()
    engine = _engine()
    try:
        with session_scope(engine) as session:
            purged = purge_expired(session, now=datetime.now(UTC),
                                   session_retention_days=settings.session_retention_days,
                                   login_log_retention_days=settings.login_log_retention_days)
    finally:
        engine.dispose()
    typer.echo(purged.report())


def backup(out: Path = typer.Argument(..., help="The backup file to write.")) -> None:
    """Back up the database: SQLite with its online backup API, PostgreSQL with pg_dump (custom format)."""
    from web.security.backup import BackupError
    from web.security.backup import backup as run_backup
    from web.settings import Settings

    settings = Settings()
    try:
        outcome = run_backup(settings.sqlalchemy_url, out)
    except BackupError as exc:
        typer.echo(f"备份失败 / backup failed: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(outcome.report("已备份"))
    typer.echo(f"排序模型文件在 {settings.model_dir}（ZHENGQI_MODEL_DIR），不在数据库里，请一并复制保存。")


def restore(
    source: Path = typer.Argument(..., help="A file written by `zhengqi backup`."),
    force: bool = typer.Option(False, "--force", help="Overwrite a database that already holds data."),
) -> None:
    """Restore a backup into the database; refuses one that holds data unless --force."""
    from models.db import make_engine, read_engine, session_scope
    from models.migrate import upgrade
    from web.security.backup import BackupError
    from web.security.backup import restore as run_restore
    from web.services import audit
    from web.settings import Settings

    url = Settings().sqlalchemy_url
    try:
        outcome = run_restore(url, source, force=force)
    except BackupError as exc:
        typer.echo(f"未恢复 / not restored: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(outcome.report("已恢复，来自备份") + "（恢复时请先停止平台）")
    engine = make_engine(url)
    try:
        upgrade(engine)  # a backup from an earlier version is brought up to this one
        with session_scope(read_engine(engine)) as session:
            typer.echo(audit.verify_chain(session).summary())
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add these commands to the `zhengqi` command."""
    app.add_typer(audit_app, name="audit")
    app.command("purge")(purge)
    app.command("backup")(backup)
    app.command("restore")(restore)
