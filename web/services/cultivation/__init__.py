"""Cultivation (培育): qualification rules as data, pools, 缺什么补什么 gaps, the indicator
pipeline and the listing pool's 一企一策."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session


def ensure_defaults(engine: Engine) -> None:
    """Install the national 高企 rule set and the plan's three pools if missing (startup)."""
    # Imported here: the submodules import this package.
    from web.services.cultivation.pools import ensure_builtin_pools
    from web.services.cultivation.rulesets import ensure_default_rule_sets

    with Session(engine) as session:
        ensure_default_rule_sets(session)
        ensure_builtin_pools(session)
        session.commit()
