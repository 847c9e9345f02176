"""Full rematch by need blocks: one block (:func:`rank_block`, :func:`rematch_block`), and
blocks split across forked worker processes (:func:`rematch_in_processes`).

The per-pair reason work is Python and holds the GIL (and so does the
single-threaded candidate product), so threads cannot overlap it; processes
can. Workers are forked from the process holding the fitted index, so the
index is shared copy-on-write and never pickled. Each worker ranks whole blocks
(single-threaded product, reasons) and sends back columns (:class:`RankedBlock`:
arrays, which pickle fast); the parent, which holds the same index, turns them
into Match objects and yields blocks in order, so results are identical to the
serial path.

The heap is frozen (``gc.freeze``) while workers run (:func:`forked_pool`): the
index's millions of small objects are then walked by neither the parent's nor
the workers' garbage collector, and a worker never copies the pages they sit
on by touching their GC headers. Workers also pause the collector while ranking
a block, whose objects are acyclic and freed by reference counting.

Fork only (Linux): ``fork_available()`` is False elsewhere and ``rematch``
runs serially. The web platform calls ``rematch`` with ``n_jobs=1``.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from matcher.explain import Explained, explain_columns, gc_paused
from matcher.topk import block_topk
from matcher.types import Match

__all__ = ["RankedBlock", "forked_pool", "fork_available", "rank_block", "rematch_block",
           "rematch_in_processes"]

# (index, open need rows, top, with_terms) of the running rematch; set in the
# parent just before forking, read by the workers.
_STATE: tuple | None = None


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def forked_pool(n_jobs: int):
    """A pool of ``n_jobs`` forked workers, with the heap frozen while it runs (see above)."""
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(n_jobs) as pool:
            yield pool
    finally:
        if not frozen_before:  # a process that froze its heap itself keeps it frozen
            gc.unfreeze()


@dataclass
class RankedBlock:
    """One block's matches as columns: each need's best offers, best first."""

    rows: np.ndarray  # the block's need rows
    counts: np.ndarray  # matches per need row
    offer_rows: np.ndarray  # per match, grouped by need
    pairs: Explained  # per match

    def items(self, index) -> list[tuple[str, list[Match]]]:
        """``(need_id, matches)`` for each need of the block, ids from ``index``."""
        need_ids, offer_ids = index.needs_.ids, index.offers_.ids
        per_pair = np.repeat(self.rows, self.counts).tolist()
        ms = self.pairs.matches([need_ids[r] for r in per_pair],
                                [offer_ids[r] for r in self.offer_rows.tolist()])
        out, at = [], 0
        for r, c in zip(self.rows.tolist(), self.counts.tolist(), strict=True):
            out.append((need_ids[r], ms[at : at + c]))
            at += c
        return out


def rank_block(index, rows: np.ndarray, top: int, with_terms: bool, n_threads: int) -> RankedBlock:
    """The best ``top`` offers of each need row in ``rows``, by exact score, then offer id."""
    needs, offers = index.needs_, index.offers_
    cat_delta = index.category_deltas()
    qi, dj, scale = block_topk(
        needs.X[rows], offers, top=top, candidates=index.candidates,
        need_cat=needs.cat[rows], need_region=needs.region[rows],
        cat_delta=cat_delta, weights=index.weights_, n_threads=n_threads,
    )
    pairs = explain_columns(
        needs.X, rows[qi], [needs.postings[needs.ids[r]] for r in rows[qi].tolist()], offers, dj,
        need_side=True, names=index.term_names_, is_char=index.char_columns_,
        n_terms=index.n_terms, w=index.weights_, terms=with_terms, scale=scale)
    # block_topk ranked by float32 cosines; the exact scores decide the order shown.
    order = np.lexsort((offers.id_ranks()[dj], -pairs.score, qi))
    return RankedBlock(rows, np.bincount(qi, minlength=len(rows)), dj[order], pairs.take(order))


def rematch_block(index, rows: np.ndarray, top: int, with_terms: bool,
                  n_threads: int) -> list[tuple[str, list[Match]]]:
    """``(need_id, matches)`` for the need rows of one block."""
    return rank_block(index, rows, top, with_terms, n_threads).items(index)


def _run_block(span: tuple[int, int]) -> bytes:
    index, open_rows, top, with_terms = _STATE
    with gc_paused():
        block = rank_block(index, open_rows[span[0] : span[1]], top, with_terms, 1)
        return pickle.dumps(block, protocol=pickle.HIGHEST_PROTOCOL)


def rematch_in_processes(index, open_rows: np.ndarray, block_size: int, top: int,
                         with_terms: bool, n_jobs: int) -> Iterator[tuple[str, list[Match]]]:
    """Yield what the serial rematch yields, computed by ``n_jobs`` forked workers."""
    global _STATE
    # Warm the caches the workers read, so that they are built once and shared.
    index.offers_.alive_columns()
    index.offers_.id_ranks()
    index.category_deltas()
    spans = [(s, min(s + block_size, len(open_rows))) for s in range(0, len(open_rows), block_size)]
    _STATE = (index, open_rows, top, with_terms)
    try:
        with forked_pool(n_jobs) as pool:
            # A bounded window of blocks in flight: workers stay busy while the
            # consumer is slow, without piling up every block's results.
            window = deque(pool.apply_async(_run_block, (sp,)) for sp in spans[: 2 * n_jobs])
            todo = iter(spans[2 * n_jobs :])
            while window:
                payload = window.popleft().get()
                nxt = next(todo, None)
                if nxt is not None:
                    window.append(pool.apply_async(_run_block, (nxt,)))
                yield from pickle.loads(payload).items(index)
    finally:
        _STATE = None
