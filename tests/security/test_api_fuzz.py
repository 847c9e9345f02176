"""An in-process schemathesis run over every API operation as each role, sized for CI.

ZHENGQI_FUZZ_EXAMPLES raises the examples per operation and role (default 2); the long run
is `python -m tests.security.fuzz` (README).
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine

from tests.security.fuzz import fuzz, populate
from web.app import create_app
from web.settings import Settings

EXAMPLES = int(os.environ.get("ZHENGQI_FUZZ_EXAMPLES", "2"))


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_no_server_error_and_every_response_matches_its_schema(engine: Engine) -> None:
    populate(engine)
    app = create_app(Settings(database_url=str(engine.url), seed_on_start=False, mode="test"), engine=engine)
    report = fuzz(app, examples=EXAMPLES)
    assert report.calls > 100
    assert [f"[{f.role}] {f.operation}: {f.message}" for f in report.failures] == []
