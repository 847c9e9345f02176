"""Commands that keep the data safe: audit verify/export, purge (and backup/restore)."""

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
    """Export the audit log for auditors as Excel (Beijing time, hashes, a verification sheet)."""
    from models.db import session_scope
    from web.services import audit

    first, last = _date(date_from, "--from"), _date(date_to, "--to")
    engine = _engine()
    try:
        with session_scope(engine) as session:
            data = audit.export_xlsx(session, actor_id=None, action=action, date_from=first, date_to=last)
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


def register(app: typer.Typer) -> None:
    """Add these commands to the `zhengqi` command."""
    app.add_typer(audit_app, name="audit")
    app.command("purge")(purge)
