"""An organisation's matches are counted by status from the (side's organisation, status)
indexes alone: one organisation may hold thousands of matches, each row carrying its reasons."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import func

from models import Match
from models.match import MatchStatus
from web.services.matches.portal_views import org_match_columns
from web.services.postings.side import NEED, OFFER


def _plan(engine: Engine, stmt) -> str:
    sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        return " | ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # SQLite's plan does not depend on row counts
@pytest.mark.parametrize(("side", "index"), [(NEED, "ix_match_need_org_id_status"),
                                             (OFFER, "ix_match_offer_org_id_status")])
def test_counts_by_status_read_the_index_alone(engine: Engine, side, index: str) -> None:
    by_status = org_match_columns(side, 7, Match.status, func.count()).group_by(Match.status)
    assert f"USING COVERING INDEX {index}" in _plan(engine, by_status)
    listed = org_match_columns(side, 7, Match.id).where(Match.status != MatchStatus.withdrawn)
    assert f"USING COVERING INDEX {index}" in _plan(engine, listed)
