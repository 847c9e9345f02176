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
