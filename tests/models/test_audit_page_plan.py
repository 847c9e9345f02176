"""操作日志 pages are read newest first from the (created_at, id) index, not by sorting the
whole log, which grows with every change on the platform."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from web.services.audit import AuditFilters, newest_first


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # SQLite's plan does not depend on row counts
def test_the_newest_entries_are_read_from_the_index(engine: Engine) -> None:
    stmt = newest_first(AuditFilters(tz=ZoneInfo("Asia/Shanghai"))).limit(50)
    sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = " | ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "SCAN auditlog USING INDEX ix_auditlog_created_at_id" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
