"""A served app sets the garbage collector for a server once started; any other app (tests,
commands that build one) leaves the process's collector alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from web import heap
from web.app import create_app
from web.settings import Settings


@pytest.fixture
def untouched_collector() -> Iterator[tuple[int, int, int]]:
    """The collector as the test process had it, put back whatever the test did."""
    before = gc.get_threshold()
    gc.unfreeze()
    yield before
    gc.unfreeze()
    gc.set_threshold(*before)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_server_process_freezes_its_start_and_collects_less_often(
        settings: Settings, engine: Engine, untouched_collector: tuple[int, int, int]) -> None:
    with TestClient(create_app(settings, engine=engine, server_process=True)) as c:
        assert c.get("/api/v1/health").status_code == 200
        assert gc.get_threshold()[0] == heap.YOUNG
        assert gc.get_freeze_count() > 10_000  # the modules, routes and templates of the app


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_any_other_app_leaves_the_collector_alone(
        settings: Settings, engine: Engine, untouched_collector: tuple[int, int, int]) -> None:
    with TestClient(create_app(settings, engine=engine)) as c:
        assert c.get("/api/v1/health").status_code == 200
        assert gc.get_threshold() == untouched_collector
        assert gc.get_freeze_count() == 0
