"""The `zhengqi` command: serve, migrate, seed, and the matcher's batch commands."""

from __future__ import annotations

import typer

from matcher.cli import app as matcher_app

app = typer.Typer(
    help="河北区智慧政企服务平台 (zhengqi) command line.",
    no_args_is_help=True,
    add_completion=False,
)
# match / evaluate / bench live on the matcher side and never touch the database.
for command in matcher_app.registered_commands:
    app.registered_commands.append(command)


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
    from web.services.matching.index_files import load_holder
    from web.settings import Settings

    settings = Settings()
    if problems := settings.production_problems():
        typer.echo("无法以生产模式启动 / refusing to start in production mode:", err=True)
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(2)
    engine = make_engine(settings.sqlalchemy_url)
    prepare_database(engine, settings)  # once, before workers start
    # An index version for the workers to map: written here, once, if there is none.
    load_holder(engine, index_dir=Path(settings.index_dir) if settings.index_dir else None)
    engine.dispose()
    typer.echo(f"河北区智慧政企服务平台: http://{host}:{port}/  (数据库: {_redacted(settings.database_url)})")
    # Behind a reverse proxy (see README), X-Forwarded-Proto makes request.url https, so
    # session cookies are marked Secure; only the proxy's addresses are believed.
    uvicorn.run("web.asgi:app", host=host, port=port, workers=workers, log_level="info",
                proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips)


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


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


if __name__ == "__main__":
    app()
