"""The matcher's docstring examples are part of the normal suite (pyproject's pytest settings)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pytest_collects_matcher_doctests():
    opts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pytest_opts = opts["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in pytest_opts["addopts"].split()
    assert "matcher" in pytest_opts["testpaths"]
    examples = sum(p.read_text(encoding="utf-8").count(">>> ")
                   for p in (ROOT / "matcher").glob("*.py"))
    assert examples >= 3  # there is something for the option to run
