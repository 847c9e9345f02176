"""Full rematch by need blocks: one block (:func:`rematch_block`), and blocks
split across forked worker processes (:func:`rematch_in_processes`).

The per-pair reason work is Python and holds the GIL (and so does the
single-threaded candidate product), so threads cannot overlap it; processes
can. Workers are forked from the process holding the fitted index, so the
index is shared copy-on-write and never pickled. Each worker runs whole blocks
(single-threaded product, reasons) and sends back plain tuples, which pickle
~10x faster than Match objects; the parent rebuilds the Match objects and
yields blocks in order, so results are identical to the serial path.

Fork only (Linux): ``fork_available()`` is False elsewhere and ``rematch``
runs serially. The web platform calls ``rematch`` with ``n_jobs=1``.
"""

from __future__ import annotations

import multiprocessing
import pickle
from collections import deque
from collections.abc import Iterator

import numpy as np

from matcher.explain import explain, gc_paused
from matcher.topk import block_topk
from matcher.types import Match, Signal, TermContribution

__all__ = ["fork_available", "rematch_block", "rematch_in_processes"]

# (index, open need rows, top, with_terms) of the running rematch; set in the
# parent just before forking, read by the workers.
_STATE: tuple | None = None


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _score_then_offer(m: Match) -> tuple[float, str]:
    return (-m.score, m.offer_id)


def rematch_block(index, rows: np.ndarray, top: int, with_terms: bool,
                  n_threads: int) -> list[tuple[str, list[Match]]]:
    """``(need_id, matches)`` for the need rows of one block."""
    needs, offers = index.needs_, index.offers_
    cat_delta = index.category_deltas()
    qi, dj, scale = block_topk(
        needs.X[rows], offers, top=top, candidates=index.candidates,
        need_cat=needs.cat[rows], need_region=needs.region[rows],
        cat_delta=cat_delta, weights=index.weights_, n_threads=n_threads,
    )
    ms = explain(needs.X, rows[qi], [needs.postings[needs.ids[r]] for r in rows[qi]], offers, dj,
                 need_side=True, names=index.term_names_, is_char=index.char_columns_,
                 n_terms=index.n_terms, w=index.weights_, terms=with_terms, scale=scale)
    grouped: dict[int, list[Match]] = {}
    for k, m in zip(qi.tolist(), ms, strict=True):
        grouped.setdefault(k, []).append(m)
    return [(needs.ids[r], sorted(grouped.get(k, []), key=_score_then_offer))
            for k, r in enumerate(rows.tolist())]


def _run_block(span: tuple[int, int]) -> bytes:
    index, open_rows, top, with_terms = _STATE
    items = rematch_block(index, open_rows[span[0] : span[1]], top, with_terms, 1)
    packed = [
        (nid, [(m.offer_id, m.score, m.text_score, m.text_part,
                tuple(map(tuple, m.terms)), tuple(map(tuple, m.signals))) for m in ms])
        for nid, ms in items
    ]
    # Pickled here, unpickled by the consumer with the GC paused: the pool's
    # result thread would otherwise unpickle ~20k tuples per block under the
    # cyclic GC, which then scans the whole stored index again and again.
    return pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL)


def _rebuild(packed: list, signals: dict) -> list[tuple[str, list[Match]]]:
    out = []
    for nid, rows in packed:
        ms = []
        for oid, score, text, part, terms, sigs in rows:
            sig = signals.get(sigs)
            if sig is None:
                sig = signals[sigs] = tuple(Signal._make(s) for s in sigs)
            ms.append(Match(nid, oid, score, text, part,
                            tuple([TermContribution._make(t) for t in terms]), sig))
        out.append((nid, ms))
    return out


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
    signals: dict = {}
    try:
        with multiprocessing.get_context("fork").Pool(n_jobs) as pool:
            # A bounded window of blocks in flight: workers stay busy while the
            # consumer is slow, without piling up every block's results.
            window = deque(pool.apply_async(_run_block, (sp,)) for sp in spans[: 2 * n_jobs])
            todo = iter(spans[2 * n_jobs :])
            while window:
                payload = window.popleft().get()
                nxt = next(todo, None)
                if nxt is not None:
                    window.append(pool.apply_async(_run_block, (nxt,)))
                with gc_paused():
                    block = _rebuild(pickle.loads(payload), signals)
                yield from block
    finally:
        _STATE = None
