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
    command = _readme_command("pip install -e '.[test]'")
    assert command.endswith("python -m pytest")
    ci_lines = [line.strip() for line in CI_RUN.read_text(encoding="utf-8").splitlines()]
    assert command in ci_lines, f".ci/run must run the README's test command verbatim: {command}"


def test_readme_start_command_serves() -> None:
    command = _readme_command("pip install -e . &&")
    assert command.endswith("zhengqi serve")


def test_ci_script_is_strict_executable_bash() -> None:
    text = CI_RUN.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert "ZHENGQI_REQUIRE_POSTGRES=1" in text
    assert '"$status" = 5' in text  # pytest's "no tests collected" counts as failure
    assert os.access(CI_RUN, os.X_OK)
    subprocess.run(["bash", "-n", str(CI_RUN)], check=True)


def test_readme_names_the_demo_accounts_and_password() -> None:
    from web.services.seed import DEMO_ACCOUNTS, DEMO_PASSWORD

    assert DEMO_PASSWORD in README
    for username, *_ in DEMO_ACCOUNTS:
        assert f"`{username}`" in README
