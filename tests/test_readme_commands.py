"""README.md's commands are the single truth: .ci/run runs the README's test command."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_RUN = ROOT / ".ci" / "run"


def _fenced_commands(markdown: str) -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", markdown, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def _readme_command(prefix: str) -> str:
    found = [c for c in _fenced_commands(README) if c.startswith(prefix)]
    assert len(found) == 1, f"README.md should show exactly one command starting {prefix!r}: {found}"
    return found[0]


def test_ci_runs_the_readme_test_command() -> None:
    command = _readme_command("pip install -c deploy/requirements.lock -e '.[test]'")
    assert command.endswith("python -m pytest")
    ci_lines = [line.strip() for line in CI_RUN.read_text(encoding="utf-8").splitlines()]
    assert command in ci_lines, f".ci/run must run the README's test command verbatim: {command}"


def test_readme_start_command_serves() -> None:
    command = _readme_command("pip install -c deploy/requirements.lock -e . &&")
    assert command.endswith("zhengqi serve")


def test_ci_script_is_strict_executable_bash() -> None:
    text = CI_RUN.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert "ZHENGQI_REQUIRE_POSTGRES=1" in text
    assert "python3 -m venv .venv-ci" in text  # the test command runs in a brand-new virtualenv
    assert "ruff check ." in text and "pip check" in text
    assert "--no-index --find-links" in text
    assert '"$status" = 5' in text  # pytest's "no tests collected" counts as failure
    assert os.access(CI_RUN, os.X_OK)
    subprocess.run(["bash", "-n", str(CI_RUN)], check=True)


def test_readme_names_the_demo_accounts_and_password() -> None:
    from web.services.seed import DEMO_ACCOUNTS, DEMO_PASSWORD

    assert DEMO_PASSWORD in README
    for username, *_ in DEMO_ACCOUNTS:
        assert f"`{username}`" in README


def test_the_lock_pins_every_declared_requirement_within_its_bounds() -> None:
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "deploy" / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["dependencies"] + [r for extra in project["optional-dependencies"].values()
                                          for r in extra]
    problems = []
    for text in declared:
        req = Requirement(text)
        if req.name == "zhengqi" or (req.marker and not req.marker.evaluate()):
            continue
        pinned = pins.get(canonicalize_name(req.name))
        if pinned is None or not req.specifier.contains(pinned, prereleases=True):
            problems.append(f"{text}: locked {pinned}")
    assert not problems, "deploy/requirements.lock is out of step with pyproject.toml " \
        "(run deploy/lock.sh):\n" + "\n".join(problems)


def test_deploy_examples_describe_a_valid_production_start(monkeypatch) -> None:
    import shlex

    import typer

    from web.cli import app
    from web.settings import Settings

    for line in (ROOT / "deploy" / "zhengqi.env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            assert key == "DATABASE_URL" or key.lower().removeprefix("zhengqi_") in Settings.model_fields, key
            monkeypatch.setenv(key, value)
    assert Settings().is_production and Settings().production_problems() == []
    group = typer.main.get_command(app)
    unit = (ROOT / "deploy" / "zhengqi.service").read_text(encoding="utf-8")
    commands = [line.split("=", 1)[1] for line in unit.splitlines() if line.startswith("ExecStart")]
    assert len(commands) == 2
    for command in commands:
        name, *args = shlex.split(command)[1:]
        # Parsing without running: an unknown command or option fails here.
        group.get_command(None, name).make_context(name, args)
