"""A full rematch as independent, resumable blocks of needs, over processes.

Block ``i`` holds open needs ``i * block_size`` to ``(i + 1) * block_size - 1``
in stored order. Each block is ranked by a forked worker (the fitted index is
shared copy-on-write, never pickled) and written by that worker to
``block-NNNNNN.jsonl`` in the run's folder, atomically (temporary file, then
rename): a block file exists complete or not at all. Run again after a crash or
a kill and only the missing blocks are computed. A ``run.json`` in the folder
fingerprints the index and the parameters, so that a folder is never resumed
with another index (another fit, other needs, another tokenizer, another top).

The lines are those of ``zhengqi match`` (:func:`matcher.jsonl.match_line`);
:func:`iter_lines` reads them back in need order.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matcher.explain import gc_paused
from matcher.jsonl import match_line
from matcher.parallel import fork_available, forked_pool, rematch_block

__all__ = ["BlockRun", "fingerprint", "iter_lines", "rematch_to_dir"]

_RUN_FILE = "run.json"

# (index, open need rows, block size, top, with terms, folder) of the running
# rematch; set in the parent just before forking, read by the workers.
_STATE: tuple | None = None


@dataclass(frozen=True)
class BlockRun:
    """What one call of :func:`rematch_to_dir` did."""

    blocks: int  # blocks in the whole rematch
    computed: list[int]  # blocks computed by this call
    skipped: list[int]  # asked-for blocks already on disk
    seconds: float


def fingerprint(index, *, block_size: int, top: int, with_terms: bool) -> dict:
    """What a run folder must agree on to be resumed."""
    ids = hashlib.sha256()
    for pid in index.needs_.ids:
        ids.update(pid.encode() + b"\n")
    for pid in index.offers_.ids:
        ids.update(pid.encode() + b"\n")
    return {"postings": ids.hexdigest(), "features": len(index.feature_names_),
            "tokenizer": index.tokenizer_version_, "params": repr(sorted(index.get_params().items())),
            "block_size": block_size, "top": top, "with_terms": with_terms}


def _block_path(folder: Path, block: int) -> Path:
    return folder / f"block-{block:06d}.jsonl"


def _write_block(folder: Path, block: int, items) -> None:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".block-{block:06d}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for need_id, matches in items:
                fh.write(match_line(need_id, matches))
        os.replace(tmp, _block_path(folder, block))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _run_block(block: int) -> int:
    index, open_rows, block_size, top, with_terms, folder = _STATE
    rows = open_rows[block * block_size : (block + 1) * block_size]
    with gc_paused():  # acyclic, freed by reference counting (see matcher.parallel)
        _write_block(folder, block, rematch_block(index, rows, top, with_terms, 1))
    return block


def rematch_to_dir(index, folder: str | Path, *, top: int = 10, block_size: int = 2000,
                   n_jobs: int = 1, with_terms: bool = True,
                   blocks: Sequence[int] | None = None) -> BlockRun:
    """Rank every open need (or only the given ``blocks``) into ``folder``, resuming.

    Raises ValueError if ``folder`` holds a run of another index or other parameters.
    """
    global _STATE
    index._check()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for side in (index.needs_, index.offers_):
        side.compact()
    open_rows = np.flatnonzero(index.needs_.alive)
    total = -(-len(open_rows) // block_size)
    want = {**fingerprint(index, block_size=block_size, top=top, with_terms=with_terms),
            "blocks": total}
    run_file = folder / _RUN_FILE
    if run_file.exists():
        have = json.loads(run_file.read_text(encoding="utf-8"))
        if have != want:
            raise ValueError(f"{folder} holds a rematch of another index or with other "
                             "parameters; use an empty folder")
    else:
        run_file.write_text(json.dumps(want), encoding="utf-8")
    asked = list(range(total)) if blocks is None else [b for b in blocks if 0 <= b < total]
    todo = [b for b in asked if not _block_path(folder, b).exists()]
    skipped = [b for b in asked if b not in set(todo)]
    t0 = time.perf_counter()
    if n_jobs > 1 and len(todo) > 1 and fork_available():
        # Build the caches the workers read once, in the parent, so they are shared.
        index.offers_.alive_columns()
        index.offers_.id_ranks()
        index.category_deltas()
        _STATE = (index, open_rows, block_size, top, with_terms, folder)
        try:
            with forked_pool(n_jobs) as pool:
                for _ in pool.imap_unordered(_run_block, todo):
                    pass
        finally:
            _STATE = None
    else:
        for b in todo:
            rows = open_rows[b * block_size : (b + 1) * block_size]
            _write_block(folder, b, rematch_block(index, rows, top, with_terms, n_jobs))
    return BlockRun(blocks=total, computed=todo, skipped=skipped,
                    seconds=time.perf_counter() - t0)


def iter_lines(folder: str | Path) -> Iterator[str]:
    """The output lines of a finished run, in need order; FileNotFoundError names the
    first missing block."""
    folder = Path(folder)
    total = json.loads((folder / _RUN_FILE).read_text(encoding="utf-8"))["blocks"]
    for block in range(total):
        path = _block_path(folder, block)
        if not path.exists():
            raise FileNotFoundError(f"{path} missing: run rematch_to_dir again to finish")
        with open(path, encoding="utf-8") as fh:
            yield from fh
