"""The batch run behind ``zhengqi match``: JSON Lines files in, ranked matches out.

Split in steps that a caller can recombine: read and segment the postings
(:func:`segment_postings`), rank every need (:func:`match_postings`), write one
JSON line per need (:func:`write_matches`); :func:`run_match` chains them.
No database, no HTTP: the CLI and the benchmark both call this module.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from matcher.index import MatchIndex
from matcher.jsonl import match_line, read_postings
from matcher.text import tokenize_many
from matcher.types import Match, Posting

__all__ = ["segment_postings", "match_postings", "write_matches", "run_match"]

# Below this many items a progress bar is noise.
_PROGRESS_FROM = 2000


def _bar(total: int, desc: str, unit: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr,
                disable=None if total >= _PROGRESS_FROM else True)


def segment_postings(postings: Sequence[Posting], *, n_jobs: int = 1) -> list[Posting]:
    """The postings with their tokens (segmented once, in ``n_jobs`` processes),
    with a progress bar on standard error for long runs."""
    with _bar(len(postings), "分词", "posting") as bar:
        toks = tokenize_many([p.text for p in postings], n_jobs=n_jobs, progress=bar.update)
    return [dataclasses.replace(p, tokens=t) for p, t in zip(postings, toks, strict=True)]


def match_postings(needs: Sequence[Posting], offers: Sequence[Posting], *, top: int = 10,
                   n_jobs: int = 1) -> dict[str, list[Match]]:
    """Fit an index on segmented postings and rank offers for every open need."""
    index = MatchIndex(n_jobs=n_jobs).fit(needs, offers)
    found: dict[str, list[Match]] = {}
    with _bar(len(needs), "匹配", "need") as bar:
        for need_id, matches in index.rematch(top=top):
            found[need_id] = matches
            bar.update(1)
    return found


def write_matches(needs: Sequence[Posting], found: dict[str, list[Match]], out: TextIO) -> int:
    """One line per need, in input order (the batch contract); returns lines written."""
    for need in needs:
        out.write(match_line(need.id, found.get(need.id, [])))
    return len(needs)


def run_match(needs_path: Path, offers_path: Path, *, out: TextIO, top: int = 10,
              n_jobs: int = 1, feedback: Path | None = None) -> int:
    """Match two JSON Lines files and write the result to the text stream ``out``.

    With ``feedback`` (staff decisions, JSON Lines) the ranking is learned from
    them (:mod:`matcher.rerank`); decisions about ids that are not in the two
    files are skipped and counted on standard error. Bad input raises
    :class:`matcher.jsonl.InputError` before anything is written.
    """
    needs = read_postings(needs_path)
    offers = read_postings(offers_path)
    decisions = None
    if feedback is not None:
        from matcher.rerank import read_decisions

        decisions, skipped = read_decisions(feedback, (p.id for p in needs), (p.id for p in offers))
        if skipped:
            print(f"feedback: 跳过 {skipped} 行（需求或服务 id 不在输入文件中）/ skipped {skipped} "
                  f"line(s) whose ids are not in the input files", file=sys.stderr)
    both = segment_postings(needs + offers, n_jobs=n_jobs)
    needs, offers = both[: len(needs)], both[len(needs) :]
    if decisions is None:
        return write_matches(needs, match_postings(needs, offers, top=top, n_jobs=n_jobs), out)
    from matcher.learning import match_with_feedback

    found = match_with_feedback(needs, offers, decisions, top=top, n_jobs=n_jobs, notes=sys.stderr)
    return write_matches(needs, found, out)
