"""Public loaders of the evaluation sets (matcher.datasets)."""

from pathlib import Path

import pytest

from matcher import datasets

CSL_FOUND = True
try:
    datasets.csl_dir()
except FileNotFoundError:
    CSL_FOUND = False


def test_labelled_set_loads_with_answers():
    task = datasets.load_task("labelled")
    assert task.name == "labelled" and task.queries and task.corpus
    offer_ids = {p.id for p in task.corpus}
    assert all(rel <= offer_ids for rel in task.relevant.values())
    assert sum(1 for rel in task.relevant.values() if rel) > 0


def test_unknown_set_and_missing_folders(tmp_path: Path):
    with pytest.raises(ValueError, match="unknown evaluation set 'nope'"):
        datasets.load_task("nope")
    with pytest.raises(FileNotFoundError, match="needs.jsonl not found"):
        datasets.load_labelled(tmp_path)
    with pytest.raises(FileNotFoundError, match="CSL dev split not found"):
        datasets.csl_dir(tmp_path)


def test_csl_loaders_on_a_small_copy(tmp_path: Path):
    (tmp_path / "ts_dev.tsv").write_text("0\t摘要甲\t标题甲\n1\t摘要乙\t标题乙\n", encoding="utf-8")
    (tmp_path / "kg_dev.tsv").write_text("0\t摘要甲\t关键_词\n1\t摘要乙\t另一\n", encoding="utf-8")
    (tmp_path / "cls_ctg_train.tsv").write_text("0\t干扰标题\n1\t标题甲\n", encoding="utf-8")
    kg = datasets.load_csl_kg(tmp_path)
    assert [q.text.strip() for q in kg.queries] == ["关键 词", "另一"]
    assert [p.id for p in kg.corpus] == ["t0", "t1", "x0", "x1"] and kg.relevant["q1"] == {"t1"}
    ts = datasets.load_csl_ts(tmp_path)
    assert ts.corpus[0].description == "摘要甲" and ts.relevant == {"q0": {"a0"}, "q1": {"a1"}}
    assert datasets.csl_texts(tmp_path) == ["标题甲", "摘要甲", "标题乙", "摘要乙", "干扰标题"]


@pytest.mark.skipif(not CSL_FOUND, reason="CSL dev split not on this machine")
def test_real_csl_sizes():
    assert len(datasets.load_csl_ts().corpus) == 1000
    assert len(datasets.load_csl_kg().corpus) == 9000
