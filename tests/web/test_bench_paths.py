"""The per-path CPU command: what it requests and what it refuses (the measuring itself needs a
server and minutes, so it is run by hand, not here)."""

from __future__ import annotations

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
