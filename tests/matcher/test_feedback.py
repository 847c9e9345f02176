"""The batch contract's --feedback option: good lines, broken lines, determinism."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app

runner = CliRunner()
TOPICS = ["专利质押融资", "电磁兼容检测", "3D打印打样", "高新技术企业认定", "精益生产咨询",
          "工业机器人集成"]


def write(path: Path, rows) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))
                            + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def postings(tmp_path):
    needs = [{"id": f"n{i}{k}", "title": f"需要{t}", "description": f"我们公司第{k}次想找{t}"}
             for i, t in enumerate(TOPICS) for k in range(3)]
    offers = [{"id": f"o{i}{k}", "title": f"{t}服务", "description": f"提供{t}，机构{k}",
               "credit": "good" if k == 0 else "normal"}
              for i, t in enumerate(TOPICS) for k in range(2)]
    return write(tmp_path / "needs.jsonl", needs), write(tmp_path / "offers.jsonl", offers)


def decisions(tmp_path, rows) -> Path:
    return write(tmp_path / "decisions.jsonl", rows)


def run(postings, *extra):
    needs, offers = postings
    return runner.invoke(app, ["match", "--needs", str(needs), "--offers", str(offers), *extra])


GOOD = [{"need_id": "n00", "offer_id": "o00", "decision": "approved"},
        {"need_id": "n00", "offer_id": "o01", "decision": "rejected"},
        {"need_id": "n10", "offer_id": "o10", "decision": "approved"},
        {"need_id": "n10", "offer_id": "o11", "decision": "rejected"},
        {"need_id": "n99", "offer_id": "o00", "decision": "approved"},   # unknown need
        {"need_id": "n20", "offer_id": "o99", "decision": "rejected"}]   # unknown offer


def test_good_feedback_ranks_every_need_and_counts_unknown_ids(postings, tmp_path):
    res = run(postings, "--feedback", str(decisions(tmp_path, GOOD)))
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [x["need_id"] for x in lines] == [f"n{i}{k}" for i in range(6) for k in range(3)]
    by_need = {x["need_id"]: x["matches"] for x in lines}
    # Decided needs: the approved offer first, the rejected one gone.
    assert by_need["n00"][0]["offer_id"] == "o00" and by_need["n00"][0]["score"] == 1.0
    assert "o01" not in [m["offer_id"] for m in by_need["n00"]]
    # Needs without decisions are ranked too, and still by their own text.
    assert by_need["n41"] and by_need["n41"][0]["offer_id"] in {"o40", "o41"}
    assert all(set(m) == {"offer_id", "score", "terms"} for ms in by_need.values() for m in ms)
    assert "跳过 2 行" in res.stderr and "skipped 2 line(s)" in res.stderr


@pytest.mark.parametrize("bad, message", [
    ("not json", "decisions.jsonl:2: not valid JSON"),
    ('["n00", "o00"]', "decisions.jsonl:2: expected a JSON object"),
    ('{"offer_id": "o00", "decision": "approved"}', 'decisions.jsonl:2: missing "need_id"'),
    ('{"need_id": "n00", "decision": "approved"}', 'decisions.jsonl:2: missing "offer_id"'),
    ('{"need_id": "n00", "offer_id": "o00", "decision": "ok"}',
     'decisions.jsonl:2: "decision" must be "approved" or "rejected", not "ok"'),
    ('{"need_id": "n00", "offer_id": "o00"}',
     'decisions.jsonl:2: "decision" must be "approved" or "rejected", not null'),
])
def test_broken_line_is_an_error_naming_file_and_line(postings, tmp_path, bad, message):
    out = tmp_path / "out.jsonl"
    res = run(postings, "--feedback", str(decisions(tmp_path, [GOOD[0], bad])), "--out", str(out))
    assert res.exit_code == 2
    assert message in res.stderr
    assert not out.exists()
    res = run(postings, "--feedback", str(decisions(tmp_path, [GOOD[0], bad])))
    assert res.exit_code == 2 and res.stdout == ""


def test_missing_feedback_file(postings, tmp_path):
    res = run(postings, "--feedback", str(tmp_path / "nope.jsonl"))
    assert res.exit_code == 2 and "nope.jsonl: no such file" in res.stderr


def test_one_kind_of_decision_only_pins_and_says_so(postings, tmp_path):
    res = run(postings, "--feedback", str(decisions(tmp_path, [GOOD[1]])))
    assert res.exit_code == 0
    first = json.loads(res.stdout.splitlines()[0])
    assert "o01" not in [m["offer_id"] for m in first["matches"]]
    assert "无法学习排序" in res.stderr


def test_same_input_same_output(postings, tmp_path):
    fb = decisions(tmp_path, GOOD)
    runs = [run(postings, "--feedback", str(fb)).stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0]
    plain = [run(postings).stdout for _ in range(2)]
    assert plain[0] == plain[1]
