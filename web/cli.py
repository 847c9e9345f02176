"""The `zhengqi` command: serve, migrate, seed, and the matcher's batch commands."""

from __future__ import annotations

import json

import typer

from matcher.cli import app as matcher_app
from web import cli_data

app = typer.Typer(
    help="河北区智慧政企服务平台 (zhengqi) command line.",
    no_args_is_help=True,
    add_completion=False,
)
# match / evaluate / bench live on the matcher side and never touch the database.
for command in matcher_app.registered_commands:
    app.registered_commands.append(command)
cli_data.register(app)  # audit verify/export, purge, backup, restore


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Worker processes (PostgreSQL recommended for >1)."),
) -> None:
    """Migrate (and on an empty database, seed the demo data), then serve the platform."""
    from pathlib import Path

    import uvicorn

    from models.db import make_engine
    from web.app import prepare_database
    from web.services.errors import DomainError
    from web.services.matching.worker import load_holder
    from web.settings import Settings

    settings = Settings()
    if problems := settings.production_problems():
        typer.echo("无法以生产模式启动 / refusing to start in production mode:", err=True)
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(2)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        prepare_database(engine, settings)  # once, before workers start
        # An index version for the workers to map: written here, once, if there is none.
        load_holder(engine, index_dir=Path(settings.index_dir) if settings.index_dir else None)
    except DomainError as exc:  # e.g. demo accounts left in a production database
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    typer.echo(f"河北区智慧政企服务平台: http://{host}:{port}/  (数据库: {_redacted(settings.database_url)})")
    # Behind a reverse proxy (see README), X-Forwarded-Proto makes request.url https, so
    # session cookies are marked Secure; only the proxy's addresses are believed.
    uvicorn.run("web.asgi:app", host=host, port=port, workers=workers, log_level="info",
                proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips,
                server_header=False)  # no "Server: uvicorn" banner


@app.command()
def migrate() -> None:
    """Migrate the database to the newest schema."""
    from models.db import make_engine
    from models.migrate import upgrade
    from web.settings import Settings

    upgrade(make_engine(Settings().sqlalchemy_url))
    typer.echo("数据库已迁移到最新版本")


@app.command()
def seed() -> None:
    """Load the demo data (idempotent: running it twice changes nothing)."""
    from models.db import make_engine
    from models.migrate import upgrade
    from web.app import match_policy
    from web.services.seed import load_demo
    from web.settings import Settings

    settings = Settings()
    if settings.is_production:
        typer.echo("生产模式（ZHENGQI_MODE=production）不允许加载演示数据和演示账号", err=True)
        raise typer.Exit(2)
    engine = make_engine(settings.sqlalchemy_url)
    upgrade(engine)
    report = load_demo(engine, mode=settings.mode, policy=match_policy(settings))
    typer.echo(report)


@app.command("createadmin")
def create_admin(
    username: str = typer.Option(..., prompt="管理员用户名", help="The new administrator's username."),
    display_name: str = typer.Option("系统管理员", help="Name shown in the platform."),
) -> None:
    """Create an administrator account; the password is typed at a prompt, never passed as an argument."""
    from models.db import make_engine, session_scope
    from models.migrate import upgrade
    from web.services.accounts import users
    from web.services.errors import DomainError
    from web.settings import Settings

    # Deliberately no --password option: arguments end up in shell history and `ps`.
    password = typer.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    engine = make_engine(Settings().sqlalchemy_url)
    upgrade(engine)
    try:
        with session_scope(engine) as session:
            user = users.create_account(session, actor_id=None, username=username, password=password,
                                        role="admin", display_name=display_name)
            created = user.username
    except DomainError as exc:
        typer.echo(f"未创建：{exc.message}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    typer.echo(f"管理员账号 {created} 已创建")


@app.command("removedemo")
def remove_demo(
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete every demo account and all demo data (before running in production)."""
    from models.db import make_engine, session_scope
    from models.migrate import upgrade
    from web.security.demo_data import find_demo_data, remove_demo_data
    from web.settings import Settings

    engine = make_engine(Settings().sqlalchemy_url)
    upgrade(engine)
    try:
        with session_scope(engine) as session:
            found = find_demo_data(session)
            if not found.any:
                typer.echo("数据库中没有演示账号或演示数据，未作更改")
                return
            if not yes and not typer.confirm(
                    f"将删除演示账号 {found.accounts} 个、演示机构 {found.organisations} 家及其全部数据，确定吗？"):
                raise typer.Exit(1)
            typer.echo(remove_demo_data(session).report())
    finally:
        engine.dispose()


@app.command()
def learn() -> None:
    """Train the ranking model on the stored staff decisions; activate it only if it is better."""
    from models.db import make_engine, session_scope
    from models.migrate import upgrade
    from web.services.matching.ranking_model import report_lines, train
    from web.settings import Settings

    settings = Settings()
    engine = make_engine(settings.sqlalchemy_url)
    upgrade(engine)
    try:
        with session_scope(engine) as session:
            outcome = train(session, settings, actor_id=None)
            session.commit()
    finally:
        engine.dispose()
    for line in report_lines(outcome):
        typer.echo(line)
    if outcome.too_few is not None:
        raise typer.Exit(1)


@app.command("calibrate-bands")
def calibrate_bands(
    write: bool = typer.Option(False, "--write", help="Write the result to strength_bands.json."),
) -> None:
    """Calibrate the match strength bands on the labelled sets (floors on tune, shares on test)."""
    from web.presentation.times import today
    from web.services.matches import strength
    from web.settings import Settings

    data = strength.calibrate(measured=today(Settings().tz))
    for line in strength.report_lines(data):
        typer.echo(line)
    if write:
        strength.write_bands(data)
        typer.echo(f"已写入 {strength.BANDS_FILE}")
    elif not strength.same_bands(data, json.loads(strength.BANDS_FILE.read_text(encoding="utf-8"))):
        typer.echo("与平台当前使用的分档不同；用 --write 更新", err=True)
        raise typer.Exit(1)


@app.command("refit-index")
def refit_index() -> None:
    """Refit the match index on the open postings and publish it as the next version.

    Running workers map the new version within seconds (the vocabulary takes in new
    words); they also run this job themselves when their index has drifted.
    """
    from pathlib import Path

    from models.db import make_engine
    from models.migrate import upgrade
    from web.services.matching.index_files import refit
    from web.settings import Settings

    settings = Settings()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        upgrade(engine)
        version = refit(engine, index_dir=Path(settings.index_dir) if settings.index_dir else None)
    finally:
        engine.dispose()
    typer.echo(f"匹配索引第 {version.version} 版已写入：{version.postings} 条信息，{version.path}")


@app.command("makemigration")
def make_migration(message: str = typer.Argument(..., help="Short description.")) -> None:
    """(Developers) autogenerate a migration from the models against a migrated database."""
    from models.db import make_engine
    from models.migrate import revision
    from web.settings import Settings

    revision(make_engine(Settings().sqlalchemy_url), message)


@app.command("run-jobs")
def run_jobs() -> None:
    """Run the 定时任务 that are due now, once (for cron when the web workers' scheduler is off)."""
    from models.db import make_engine
    from models.migrate import upgrade
    from web.scheduler import job_settings
    from web.services.jobs.runner import run_due, worker_id
    from web.settings import Settings

    settings = Settings()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        upgrade(engine)
        outcomes = run_due(engine, settings=job_settings(settings), worker=worker_id())
    finally:
        engine.dispose()
    for o in outcomes:
        typer.echo(f"{o.job}: {'成功' if o.ok else '失败'}（{o.duration_ms} ms）{o.result}")
    if not outcomes:
        typer.echo("没有到期的任务")
    if any(not o.ok for o in outcomes):
        raise typer.Exit(1)


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


if __name__ == "__main__":
    app()
