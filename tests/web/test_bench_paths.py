"""The per-path CPU command: what it requests and what it refuses (the measuring itself needs a
server and minutes, so it is run by hand, not here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.bench_load import paths
from web.bench_load.mix import READS, User


def test_every_read_of_the_mix_and_each_recommendation_view_is_measured() -> None:
    users = {role: User(role=role) for role in READS}
    users["enterprise"].own_ids, users["provider"].own_ids = [7], [9]
    calls = paths._calls(users)
    assert {p for _, p in calls} >= {p for ps in READS.values() for p in ps}
    assert {("enterprise", "/enterprise/needs/7"), ("provider", "/api/v1/offers/9/recommendations"),
            ("staff", "/staff/review")} <= set(calls)


@pytest.mark.parametrize("argv", [["--grow", "5001"], ["--grow", "-1"], ["--requests", "0"],
                                  ["--requests", "1001"]])
def test_unbounded_runs_are_refused_before_anything_starts(argv: list[str]) -> None:
    with pytest.raises(SystemExit, match="--grow 应在 0–5000 之间"):
        paths.main(argv)


def test_a_run_against_another_checkout_reports_the_ratio_path_by_path() -> None:
    rows = [(6.0, 8.0, "staff", "/staff/review"), (2.0, 2.0, "admin", "/api/v1/me")]
    lines = paths.report(rows, against=Path("../old"))
    assert lines[2] == "| 6.0 | 8.0 | 0.75 | staff | /staff/review |"
    assert lines[3] == "| 2.0 | 2.0 | 1.00 | admin | /api/v1/me |"
    assert lines[-1] == "| 4.0 | 5.0 | 0.80 | mean of the paths | |"
    alone = paths.report([(r[0], None, r[2], r[3]) for r in rows], against=None)
    assert alone[-1] == "| 4.0 | mean of the paths | |"


@pytest.mark.parametrize(("argv", "refusal"), [
    (["--against", ".", "--db", "postgres"], "--against 只支持 SQLite"),
    (["--against", "/nonexistent-checkout"], "不是本项目的检出"),
])
def test_a_comparison_it_cannot_make_is_refused_before_anything_starts(argv: list[str], refusal: str) -> None:
    with pytest.raises(SystemExit, match=refusal):
        paths.main(argv)


def test_statistics_stand_in_runs_only_where_autovacuum_is_off(pg_engine) -> None:
    import time

    from sqlalchemy import text

    from tests.conftest import PG_URL
    from web.bench_load.servers import AnalyzeStandIn

    sqlite = AnalyzeStandIn("sqlite:///nothing.db")
    sqlite.start()
    sqlite.stop()
    assert (sqlite.active, sqlite.runs) == (False, 0)
    with pg_engine.connect() as conn:
        off = conn.execute(text("SHOW autovacuum")).scalar() == "off"
    stand_in = AnalyzeStandIn(PG_URL, every=0.05)
    stand_in.start()
    try:
        if off:  # it analyzes at once, then on its interval
            deadline = time.monotonic() + 10
            while stand_in.runs < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        stand_in.stop()
    assert stand_in.active is off
    assert (stand_in.runs >= 2) if off else stand_in.runs == 0
