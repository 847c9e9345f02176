import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def write(path: Path, *records) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                            for r in records), encoding="utf-8")
    return path


@pytest.fixture()
def files(tmp_path):
    needs = write(tmp_path / "needs.jsonl",
                  {"id": "n2", "title": "专利质押融资", "description": "需要专利质押贷款",
                   "category": "科技金融", "extra": {"x": 1}},
                  {"id": "n1", "title": "", "description": ""},
                  {"id": "n3", "title": "3D打印", "category": "不在分类表里"})
    offers = write(tmp_path / "offers.jsonl",
                   {"id": "o1", "title": "知识产权质押融资", "description": "银行", "category": "科技金融"},
                   {"id": "o2", "title": "３Ｄ打印 小批量试制", "description": "", "category": "不在分类表里"},
                   {"id": "o3", "title": "3D打印", "is_open": False})
    return needs, offers


def test_match_output_format_and_order(files, tmp_path):
    needs, offers = files
    out = tmp_path / "out" / "res.jsonl"
    res = runner.invoke(app, ["match", "--needs", str(needs), "--offers", str(offers),
                              "--top", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["need_id"] for x in lines] == ["n2", "n1", "n3"]
    assert lines[0]["matches"][0]["offer_id"] == "o1"
    assert set(lines[0]["matches"][0]) == {"offer_id", "score", "terms"}
    assert all(isinstance(t, str) for t in lines[0]["matches"][0]["terms"])
    assert lines[1]["matches"] == []
    assert [m["offer_id"] for m in lines[2]["matches"]] == ["o2"]  # o3 is closed


def test_match_to_stdout(files):
    needs, offers = files
    res = runner.invoke(app, ["match", "--needs", str(needs), "--offers", str(offers)])
    assert res.exit_code == 0
    assert len(res.stdout.splitlines()) == 3


@pytest.mark.parametrize("bad, message", [
    ('{"id": "o1"}\nnot json\n', "offers.jsonl:2: not valid JSON"),
    ('{"id": "o1"}\n{"title": "x"}\n', 'offers.jsonl:2: missing "id"'),
    ('{"id": "o1"}\n\n{"id": "o1"}\n', "offers.jsonl:3: duplicate id 'o1' (first on line 1)"),
    ('[1, 2]\n', "offers.jsonl:1: expected a JSON object"),
])
def test_bad_input_names_file_and_line(files, tmp_path, bad, message):
    needs, _ = files
    offers = tmp_path / "offers.jsonl"
    offers.write_text(bad, encoding="utf-8")
    out = tmp_path / "res.jsonl"
    out.write_text("previous\n")
    res = runner.invoke(app, ["match", "--needs", str(needs), "--offers", str(offers),
                              "--out", str(out)])
    assert res.exit_code == 2
    assert message in res.stderr
    assert res.stdout == ""
    assert out.read_text() == "previous\n"  # nothing half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["needs.jsonl", "offers.jsonl", "res.jsonl"]


def test_missing_file(tmp_path, files):
    needs, _ = files
    res = runner.invoke(app, ["match", "--needs", str(needs), "--offers", str(tmp_path / "nope")])
    assert res.exit_code == 2 and "no such file" in res.stderr


def test_python_dash_m(files):
    needs, offers = files
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "matcher", "match", "--needs", str(needs),
                           "--offers", str(offers), "--top", "2"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["need_id"] == "n2"


def test_evaluate_without_the_eval_extra_names_it_in_both_languages(monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "bm25s" else real(name, *a))
    result = runner.invoke(app, ["evaluate"])
    assert result.exit_code == 2
    assert "pip install 'zhengqi[eval]'" in result.output
    assert "评测需要可选依赖 [eval]" in result.output
    assert "Traceback" not in result.output
