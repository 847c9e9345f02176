"""Reasons for ranked pairs: exact text score, readable reason terms, signals.

This is the per-pair part of every query and of :meth:`MatchIndex.rematch`
(a full rematch explains ~1M pairs), so it works on columns: scores and
signals are computed for all pairs at once (:class:`Explained`), signal sets
are shared between pairs that have the same ones, and Match objects are built
last (:meth:`Explained.matches`) — in a full rematch by the parent process,
from columns a forked worker sends (arrays pickle fast). The cyclic garbage
collector is paused while Match objects are built (they hold no cycles; a
collection pass over a heap of 100k stored postings per few thousand
allocations cost more than the reasons themselves).
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from matcher import signals as sg
from matcher.expand import EXPANDED_MARK
from matcher.features import explain_pairs, pair_products
from matcher.taxonomy import category_relation
from matcher.types import Match, Signal, TermContribution

__all__ = ["Explained", "explain", "explain_columns", "fold_terms", "gc_paused"]


@contextmanager
def gc_paused():
    """Pause the cyclic GC for a burst of acyclic allocations; restore its state after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def fold_terms(entries, names: Sequence[str], n_terms: int) -> tuple[tuple[str, float], ...]:
    """Readable reasons: shared words, each with the character n-grams inside it.

    A character n-gram that lies inside a listed word joins that word. One that lies in
    none (a bigram across a word boundary, such as 拟调 from 虚拟|调试) is no term a
    person would recognise, so it is left out of the list (its contribution stays in the
    text score, like that of every unlisted feature), unless nothing else is shared.
    ``entries`` are ``(column, contribution, is a character n-gram)``; the answer is
    ``(term, contribution)`` pairs, largest first.
    """
    acc: dict[str, float] = {}
    for col, v, char in entries:
        if not char:
            acc[names[col]] = acc.get(names[col], 0.0) + v
    loose: dict[str, float] = {}
    for col, v, char in entries:
        if char:
            # An expansion is no text of the posting: it hosts no character n-gram.
            host = next((word for word in acc
                         if names[col] in word and not word.endswith(EXPANDED_MARK)), None)
            if host is not None:
                acc[host] += v
            else:
                loose[names[col]] = loose.get(names[col], 0.0) + v
    if not acc:  # only character overlap: show it rather than no reason at all
        acc = loose
    return tuple(sorted(acc.items(), key=lambda kv: (-kv[1], kv[0]))[:n_terms])


@dataclass
class Explained:
    """Explained pairs as columns, aligned by pair: what a rematch worker sends back."""

    score: np.ndarray
    text: np.ndarray  # exact cosine, at most 1
    text_part: np.ndarray
    signal_set: np.ndarray  # index into signal_sets
    signal_sets: list[tuple[tuple[str, str, float], ...]]
    terms: list[tuple[tuple[str, float], ...]] | None  # None: no reason terms asked for

    def take(self, order: np.ndarray) -> Explained:
        """The pairs in ``order``."""
        return Explained(self.score[order], self.text[order], self.text_part[order],
                         self.signal_set[order], self.signal_sets,
                         None if self.terms is None else [self.terms[i] for i in order.tolist()])

    def matches(self, need_ids: Sequence[str], offer_ids: Sequence[str]) -> list[Match]:
        """One Match per pair, for the given ids (aligned by pair)."""
        sets = [tuple([Signal._make(s) for s in found]) for found in self.signal_sets]
        n = len(self.score)
        terms = ([tuple([TermContribution._make(t) for t in ts]) for ts in self.terms]
                 if self.terms is not None else [()] * n)
        with gc_paused():
            return [Match(nid, oid, score, text, part, ts, sets[si])
                    for nid, oid, score, text, part, ts, si in zip(
                        need_ids, offer_ids, self.score.tolist(), self.text.tolist(),
                        self.text_part.tolist(), terms, self.signal_set.tolist(), strict=True)]


def explain(Q, qi, queries, target, rows, need_side: bool, *, names: Sequence[str],
            is_char: np.ndarray, n_terms: int, w: sg.SignalWeights,
            terms: bool = True, scale: np.ndarray | None = None) -> list[Match]:
    """Exact text score, reason terms and signals for (query, target row) pairs, as Match
    objects (see :func:`explain_columns` for the arguments)."""
    cols = explain_columns(Q, qi, queries, target, rows, need_side, names=names,
                           is_char=is_char, n_terms=n_terms, w=w, terms=terms, scale=scale)
    query_ids = [p.id for p in queries]
    target_ids = [target.ids[r] for r in np.asarray(rows).tolist()]
    if need_side:
        return cols.matches(query_ids, target_ids)
    return cols.matches(target_ids, query_ids)


def explain_columns(Q, qi, queries, target, rows, need_side: bool, *, names: Sequence[str],
                    is_char: np.ndarray, n_terms: int, w: sg.SignalWeights,
                    terms: bool = True, scale: np.ndarray | None = None) -> Explained:
    """Exact text score, reason terms and signals for (query, target row) pairs.

    ``Q[qi[k]]`` is pair k's query vector and ``queries[k]`` its posting, ``rows[k]``
    its row of ``target``; ``need_side`` says whether the queries are needs. ``names``
    are the display names of the feature columns, ``is_char`` marks the character
    n-gram columns, ``scale`` is each pair's signal scale
    (:func:`matcher.signals.pool_scale`; None means 1).
    """
    qi, rows = np.asarray(qi), np.asarray(rows)
    n = len(rows)
    scale = np.ones(n) if scale is None else np.asarray(scale, dtype=np.float64)
    k, cols, products = pair_products(Q, qi, target.gather(rows))
    folded = None
    if terms:
        cos, term_lists = explain_pairs(k, cols, products, n, 2 * n_terms, is_char)
        folded = [fold_terms(entries, names, n_terms) for entries in term_lists]
    else:
        # The cosines only: no per-term bookkeeping.
        cos = np.bincount(k, weights=products.astype(np.float64), minlength=n)
    text = np.minimum(1.0, cos)
    text_part = w.text_weight * text
    kinds, kind = _signal_kinds(queries, target, rows, need_side)
    score, signal_set, signal_sets = sg.signal_columns(text_part, kinds, kind, w, scale)
    return Explained(score, text, text_part, signal_set, signal_sets, folded)


def _signal_kinds(queries, target, rows: np.ndarray, need_side: bool
                  ) -> tuple[list[tuple[str, str | None, bool]], np.ndarray]:
    """Distinct (category relation, offer credit, same region) triples, and each pair's."""
    postings, ids = target.postings, target.ids
    seen: dict[tuple, int] = {}
    kind = np.empty(len(rows), dtype=np.int64)
    for k, (p, r) in enumerate(zip(queries, rows.tolist(), strict=True)):
        other = postings[ids[r]]
        need, offer = (p, other) if need_side else (other, p)
        key = (need.category, offer.category, offer.credit, need.region, offer.region)
        at = seen.get(key)
        if at is None:
            at = seen[key] = len(seen)
        kind[k] = at
    kinds = []
    for need_cat, offer_cat, credit, need_region, offer_region in seen:
        same_region = bool(need_region and need_region.strip()
                           and need_region.strip() == (offer_region or "").strip())
        kinds.append((category_relation(need_cat, offer_cat), credit, same_region))
    return kinds, kind
