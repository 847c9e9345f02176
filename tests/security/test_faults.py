"""A worker killed with SIGKILL in the middle of a stream of API writes: every acknowledged write
is there, none is there twice, none is half-written, checked against the clients' ledger
(web/faults/; the long run is `python -m web.faults`, see README)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from web.faults.kill_run import run

pytestmark = pytest.mark.slow


def test_sigkill_during_writes_loses_nothing_acknowledged(engine: Engine, tmp_path: Path) -> None:
    report = run(engine.url.render_as_string(hide_password=False), writes=30, kills=2, clients=3,
                 workers=2, workdir=tmp_path)
    assert report.ok, report.summary() + "\n" + (tmp_path / "server.log").read_text()[-3000:]
    assert report.kills_done == 2
    assert (tmp_path / "ledger.jsonl").read_text().count("\n") == 29
