"""The installed platform imports whole, and every package its code imports is declared.

The imports run in a fresh interpreter whose working directory is outside the checkout,
so a module resolves only through the installed distribution (a missing package-data
entry or an undeclared dependency fails here, not on a user's machine).
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("matcher", "models", "web", "seed_data")
# Modules whose import runs a program rather than defining one.
SCRIPTS = {"matcher.__main__"}

WALK = f"""
import importlib, pkgutil, sys
failed = []
count = 0
for name in {SHIPPED!r}:
    package = importlib.import_module(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        if info.name in {SCRIPTS!r}:
            continue
        try:
            importlib.import_module(info.name)
            count += 1
        except Exception as exc:
            failed.append(f"{{info.name}}: {{type(exc).__name__}}: {{exc}}")
print(count)
print("\\n".join(failed), file=sys.stderr)
sys.exit(1 if failed else 0)
"""


def test_every_shipped_module_imports_from_the_installed_distribution(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'walk.db'}"
    result = subprocess.run([sys.executable, "-c", WALK], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) > 60  # the walk really visited the tree


def _imported_top_levels() -> set[str]:
    names: set[str] = set()
    for package in SHIPPED:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts and "versions" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - set(SHIPPED) - {"__future__"}


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0].lower().replace("_", "-")
            for r in requirements}


def _undeclared(imported: set[str], declared: set[str]) -> dict[str, list[str]]:
    distributions = md.packages_distributions()
    missing = {}
    for name in sorted(imported):
        owners = {d.lower().replace("_", "-") for d in distributions.get(name, [name])}
        if not owners & declared:
            missing[name] = sorted(owners)
    return missing


def test_every_imported_package_is_declared_in_pyproject() -> None:
    missing = _undeclared(_imported_top_levels(), _declared())
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_the_declaration_check_can_fail() -> None:
    assert _undeclared({"zq_not_installed", "numpy"}, {"numpy"}) == {
        "zq_not_installed": ["zq-not-installed"]}


def test_pip_check_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
