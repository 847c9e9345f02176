import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_matcher_imports_no_web_or_database():
    code = (
        "import sys, json, matcher, matcher.cli, matcher.index, matcher.persist;"
        "print(json.dumps(sorted(sys.modules)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=True)
    loaded = json.loads(proc.stdout)
    banned = ("sqlmodel", "fastapi", "sqlalchemy", "starlette", "models", "web")
    assert [m for m in loaded if m.split(".")[0] in banned] == []


def _matcher_imports() -> dict[str, set[str]]:
    """module -> the matcher modules it imports anywhere (top level or inside functions)."""
    import ast

    graph: dict[str, set[str]] = {}
    for path in (ROOT / "matcher").glob("*.py"):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "matcher":
                    deps.update(f"matcher.{a.name}" for a in node.names)
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[f"matcher.{path.stem}"] = {d for d in deps if d.startswith("matcher.")}
    return graph


def test_matcher_modules_import_no_cycle():
    graph = _matcher_imports()
    assert "matcher.cli" not in graph["matcher.bench"]  # the cycle this test was written for
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(mod: str, path: list[str]) -> None:
        state[mod] = 1
        for dep in sorted(graph.get(mod, ())):
            assert state.get(dep) != 1, " -> ".join(path + [mod, dep])
            if dep not in state:
                visit(dep, path + [mod])
        state[mod] = 2

    for mod in sorted(graph):
        if mod not in state:
            visit(mod, [])
