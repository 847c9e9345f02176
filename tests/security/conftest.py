"""Fixtures for the hardening tests: the web app and client fixtures, and a small demo data set."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.services.conftest import small_demo, write_demo
from tests.web.conftest import client, settings  # noqa: F401  (fixtures)


@pytest.fixture
def small_demo_dir(tmp_path: Path) -> Path:
    return write_demo(tmp_path / "demo", small_demo())
