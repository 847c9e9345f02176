"""Evaluation and benchmark data sets, read where they lie (nothing is copied here).

``labelled``: ``seed_data/labelled`` (needs with the ids of their relevant offers).
``csl-kg``: CSL keywords -> their paper's title among 9,000 titles (the 8,000
``cls_ctg_train`` titles as distractors). ``csl-ts``: CSL title -> its abstract
among 1,000. The CSL dev split lives outside the repository
(``../shared/eval/csl``); :func:`csl_dir` finds it.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from matcher.jsonl import read_postings
from matcher.types import Posting

__all__ = [
    "SETS",
    "Task",
    "csl_dir",
    "csl_texts",
    "labelled_dir",
    "load_csl_kg",
    "load_csl_ts",
    "load_labelled",
    "load_task",
    "read_tsv",
]

SETS = ("labelled", "csl-kg", "csl-ts")


@dataclass
class Task:
    """Queries, the corpus they search, and the relevant corpus ids per query id."""

    name: str
    queries: list[Posting]
    corpus: list[Posting]
    relevant: dict[str, set[str]]


def labelled_dir(given: Path | None = None) -> Path:
    """The labelled set's folder: ``given``, else ``seed_data/labelled`` beside the package."""
    if given:
        return given
    # seed_data sits beside the matcher package in the source tree and the wheel.
    return Path(__file__).resolve().parent.parent / "seed_data" / "labelled"


def csl_dir(given: Path | None = None) -> Path:
    """The CSL dev split's folder (holding ``kg_dev.tsv``); FileNotFoundError if absent."""
    candidates = [given] if given else [Path.cwd() / ".." / "shared" / "eval" / "csl",
                                        Path("/work/shared/eval/csl")]
    for c in candidates:
        if c and (c / "kg_dev.tsv").is_file():
            return c
    raise FileNotFoundError(f"CSL dev split not found (looked in {', '.join(map(str, candidates))})")


def read_tsv(path: Path) -> list[list[str]]:
    """Rows of a tab-separated file without quoting (CSL's format)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def load_labelled(directory: Path | None = None) -> Task:
    """``needs.jsonl`` (each with ``relevant`` offer ids) against ``offers.jsonl``."""
    d = labelled_dir(directory)
    if not (d / "needs.jsonl").is_file():
        raise FileNotFoundError(f"{d}/needs.jsonl not found")
    needs = read_postings(d / "needs.jsonl")
    relevant = {}
    with open(d / "needs.jsonl", encoding="utf-8-sig") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                relevant[str(rec["id"])] = {str(x) for x in rec.get("relevant", [])}
    return Task("labelled", needs, read_postings(d / "offers.jsonl"), relevant)


def _part_file(directory: Path | None, name: str) -> Path:
    path = csl_dir(directory) / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found")
    return path


def load_csl_kg(directory: Path | None = None, *, part: str = "dev") -> Task:
    """CSL keywords (``kg_{part}``) -> their paper's title, ``cls_ctg_train`` titles as distractors."""
    d = csl_dir(directory)
    titles = [r[2] for r in read_tsv(_part_file(d, f"ts_{part}.tsv"))]
    keywords = [r[2].replace("_", " ") for r in read_tsv(_part_file(d, f"kg_{part}.tsv"))]
    distractors = [r[1] for r in read_tsv(d / "cls_ctg_train.tsv")]
    queries = [Posting(f"q{i}", kw) for i, kw in enumerate(keywords)]
    corpus = [Posting(f"t{i}", t) for i, t in enumerate(titles)]
    corpus += [Posting(f"x{i}", t) for i, t in enumerate(distractors)]
    return Task("csl-kg", queries, corpus, {f"q{i}": {f"t{i}"} for i in range(len(keywords))})


def load_csl_ts(directory: Path | None = None, *, part: str = "dev") -> Task:
    """CSL titles (``ts_{part}``) -> their abstract."""
    rows = read_tsv(_part_file(directory, f"ts_{part}.tsv"))
    queries = [Posting(f"q{i}", r[2]) for i, r in enumerate(rows)]
    corpus = [Posting(f"a{i}", "", r[1]) for i, r in enumerate(rows)]
    return Task("csl-ts", queries, corpus, {f"q{i}": {f"a{i}"} for i in range(len(rows))})


def load_task(name: str, *, csl_dir: Path | None = None, labelled_dir: Path | None = None) -> Task:
    """Load one evaluation set by name (one of :data:`SETS`)."""
    if name == "labelled":
        return load_labelled(labelled_dir)
    if name == "csl-kg":
        return load_csl_kg(csl_dir)
    if name == "csl-ts":
        return load_csl_ts(csl_dir)
    raise ValueError(f"unknown evaluation set {name!r} ({' | '.join(SETS)})")


def csl_texts(directory: Path | None = None) -> list[str]:
    """The distinct CSL titles and abstracts (``ts_dev`` abstracts and titles, the
    ``cls_ctg_train`` titles), in file order: real text for segmentation timings."""
    d = csl_dir(directory)
    seen: dict[str, None] = {}
    for row in read_tsv(d / "ts_dev.tsv"):
        seen[row[2]] = None
        seen[row[1]] = None
    for row in read_tsv(d / "cls_ctg_train.tsv"):
        seen[row[1]] = None
    return list(seen)
