"""Full rematch in resumable blocks over processes (matcher.blocks)."""

from __future__ import annotations

import io

import pytest

from matcher import MatchIndex
from matcher.batch import write_matches
from matcher.blocks import iter_lines, rematch_to_dir
from matcher.gen import generate


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    return MatchIndex().fit(generate(230, kind="need", seed=21), generate(300, kind="offer", seed=21))


def _expected(index: MatchIndex) -> str:
    out = io.StringIO()
    write_matches(list(index.needs_.postings.values()), dict(index.rematch(top=5)), out)
    return out.getvalue()


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_blocks_give_the_rematch_lines_in_order(index, tmp_path, n_jobs):
    run = rematch_to_dir(index, tmp_path, top=5, block_size=50, n_jobs=n_jobs)
    assert run.blocks == 5 and sorted(run.computed) == [0, 1, 2, 3, 4] and run.skipped == []
    assert "".join(iter_lines(tmp_path)) == _expected(index)


def test_an_interrupted_run_resumes_with_the_missing_blocks_only(index, tmp_path):
    first = rematch_to_dir(index, tmp_path, top=5, block_size=50, blocks=[0, 3])
    assert first.computed == [0, 3]
    with pytest.raises(FileNotFoundError, match="block-000001.jsonl missing"):
        list(iter_lines(tmp_path))
    done = (tmp_path / "block-000000.jsonl").stat().st_mtime_ns
    (tmp_path / ".block-000001.x.tmp").write_text("half a block", encoding="utf-8")  # a kill mid-write
    second = rematch_to_dir(index, tmp_path, top=5, block_size=50, n_jobs=2)
    assert sorted(second.computed) == [1, 2, 4] and second.skipped == [0, 3]
    assert (tmp_path / "block-000000.jsonl").stat().st_mtime_ns == done
    assert "".join(iter_lines(tmp_path)) == _expected(index)


def test_a_folder_of_another_run_is_refused(index, tmp_path):
    rematch_to_dir(index, tmp_path, top=5, block_size=50, blocks=[0])
    with pytest.raises(ValueError, match="another index or with other parameters"):
        rematch_to_dir(index, tmp_path, top=3, block_size=50)
    other = MatchIndex().fit(generate(230, kind="need", seed=22), generate(300, kind="offer", seed=22))
    with pytest.raises(ValueError, match="another index"):
        rematch_to_dir(other, tmp_path, top=5, block_size=50)
