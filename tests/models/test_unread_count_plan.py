"""The navigation badge's unread count (every page) is answered from the (owner, read_at)
indexes: it reads the unread entries only, not every message an organisation ever had."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import col, func, select

from models import Notification
from web.services.notifications import _inbox_filter


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # SQLite's plan does not depend on row counts
def test_the_unread_count_searches_both_owner_and_read_at(engine: Engine) -> None:
    stmt = select(func.count()).select_from(Notification).where(
        _inbox_filter(3, 2), col(Notification.read_at).is_(None))
    sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = " | ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "ix_notification_org_id_read_at (org_id=? AND read_at=?)" in plan, plan
    assert "ix_notification_user_id_read_at (user_id=? AND read_at=?)" in plan, plan
