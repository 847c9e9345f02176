"""Application factory: wires engine, migrations, seed, routers, templates and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from models.db import make_engine
from models.migrate import upgrade
from web import heap
from web.api_docs import install_api_docs
from web.deps import ANON_CSRF_COOKIE, SESSION_COOKIE
from web.errors import error_response, install_error_handlers
from web.hosts import AllowedHostsMiddleware
from web.openapi_errors import declare_error_responses
from web.presentation.templates import make_templates
from web.routes import all_routers
from web.scheduler import Scheduler
from web.security.anon_csrf import AnonCsrfCookie
from web.security.body_guard import BodyGuard
from web.security.demo_data import refuse_demo_data
from web.security.headers import SecurityHeaders
from web.security.idempotency import Idempotency
from web.services.cultivation.pools import ensure_defaults
from web.services.matching.background import Follower
from web.services.matching.index import MatchPolicy
from web.services.matching.reranking import ProposalReranker
from web.services.matching.resegment import resegment_in_background
from web.services.matching.worker import load_holder
from web.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"


class ConfigurationError(RuntimeError):
    """Settings that must not start the platform; ``problems`` say, in Chinese, what to set."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def match_policy(settings: Settings) -> MatchPolicy:
    """The match settings the services work with, from the platform's settings."""
    return MatchPolicy(threshold=settings.match_threshold, top=settings.match_top_k)


def prepare_database(engine: Engine, settings: Settings) -> None:
    """Migrate to head and install the shipped rule set and pools; in demo mode load the demo
    data into an empty database, in production refuse to go on while demo accounts or demo
    data exist."""
    upgrade(engine)
    ensure_defaults(engine)
    if settings.is_production:
        refuse_demo_data(engine)
    elif settings.seed_on_start:
        from web.services.seed import seed_if_empty

        seed_if_empty(engine, mode=settings.mode, policy=match_policy(settings))


def create_app(settings: Settings | None = None, *, engine: Engine | None = None,
               server_process: bool = False) -> FastAPI:
    """Build the FastAPI app for ``settings`` (an engine may be passed in by tests).

    ``server_process``: the app is all its process serves (a uvicorn worker), so the garbage
    collector is set for a server once it has started (:mod:`web.heap`)."""
    settings = settings or Settings()
    if problems := settings.production_problems():
        raise ConfigurationError(problems)
    engine = engine or make_engine(settings.sqlalchemy_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        prepare_database(engine, settings)
        index_dir = Path(settings.index_dir) if settings.index_dir else None
        app.state.index = load_holder(engine, index_dir=index_dir, policy=match_policy(settings))
        # Stored tokens of an older tokenizer are segmented again off the request path.
        app.state.resegmenting = resegment_in_background(engine, app.state.index)
        app.state.index.reranker = ProposalReranker(engine, app.state.index, settings)
        follower = Follower(engine, app.state.index)
        if settings.match_in_background:
            follower.start()
        scheduler = Scheduler(engine, settings) if settings.runs_scheduler else None
        if scheduler is not None:
            scheduler.start()
        if server_process:
            heap.settle()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            follower.stop()
            app.state.index.reranker.close()

    app = FastAPI(
        title="河北区智慧政企服务平台 API",
        version="1",
        description="zhengqi：企业需求与服务机构供给的智能匹配、审核撮合与科技指标监测。",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url=None,  # served by install_api_docs from local files
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.templates = make_templates(settings.tz)

    # Innermost: the anonymous form token (the body guard outside already refuses oversized bodies).
    app.add_middleware(AnonCsrfCookie, cookie=ANON_CSRF_COOKIE)
    # Inside the body guard (it reads whole bodies), outside everything that touches the database.
    app.add_middleware(Idempotency, ttl=timedelta(hours=settings.idempotency_hours), session_cookie=SESSION_COOKIE)
    app.add_middleware(BodyGuard, max_bytes=lambda: settings.max_upload_bytes, render=error_response)
    app.add_middleware(SecurityHeaders, session_cookie=SESSION_COOKIE)
    # Outermost: a forged Host never reaches a handler that builds links from it.
    app.add_middleware(AllowedHostsMiddleware, allowed=settings.allowed_hosts)
    install_api_docs(app)
    declare_error_responses(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    for router in all_routers():
        app.include_router(router)
    return app


__all__ = ["ConfigurationError", "create_app", "match_policy", "prepare_database"]
