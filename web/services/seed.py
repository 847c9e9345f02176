"""Demo data loader (placeholder until the foundation helper lands it)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from web.services.indicators_meta import ensure_plan_indicators


def load_demo(engine: Engine) -> str:
    with Session(engine) as session:
        ensure_plan_indicators(session)
        session.commit()
    return "indicators loaded"


def seed_if_empty(engine: Engine) -> None:
    load_demo(engine)
