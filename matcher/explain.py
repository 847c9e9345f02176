"""Reasons for ranked pairs: exact text score, readable reason terms, signals.

This is the per-pair part of every query and of :meth:`MatchIndex.rematch`
(a full rematch explains ~1M pairs), so the work that does not depend on the
pair is shared: signals are computed once per (category relation, credit,
same region) and reused, and the cyclic garbage collector is paused while a
block's Match objects are built (they hold no cycles; a collection pass over
a heap of 100k stored postings per few thousand allocations cost more than
the reasons themselves).
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np

from matcher import signals as sg
from matcher.expand import EXPANDED_MARK
from matcher.features import explain_pairs, pair_products
from matcher.taxonomy import category_relation
from matcher.types import Match, Signal, TermContribution

__all__ = ["explain", "fold_terms", "gc_paused"]


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


def fold_terms(entries, names: Sequence[str], n_terms: int) -> tuple[TermContribution, ...]:
    """Readable reasons: shared words, each with the character n-grams inside it.

    A character n-gram that lies inside a listed word joins that word. One that lies in
    none (a bigram across a word boundary, such as 拟调 from 虚拟|调试) is no term a
    person would recognise, so it is left out of the list (its contribution stays in the
    text score, like that of every unlisted feature), unless nothing else is shared.
    ``entries`` are ``(column, contribution, is a character n-gram)``.
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
    ranked = sorted(acc.items(), key=lambda kv: (-kv[1], kv[0]))[:n_terms]
    return tuple([TermContribution(t, c) for t, c in ranked])


def explain(Q, qi, queries, target, rows, need_side: bool, *, names: Sequence[str],
            is_char: np.ndarray, n_terms: int, w: sg.SignalWeights,
            terms: bool = True, scale: np.ndarray | None = None) -> list[Match]:
    """Exact text score, reason terms and signals for (query, target row) pairs.

    ``names`` are the display names of the feature columns, ``is_char`` marks the
    character n-gram columns, ``scale`` is each pair's signal scale
    (:func:`matcher.signals.pool_scale`; None means 1).
    """
    if scale is None:
        scale = np.ones(len(rows))
    with gc_paused():
        return _explain(Q, qi, queries, target, rows, need_side, names, is_char, n_terms, w,
                        terms, np.asarray(scale, dtype=np.float64).tolist())


def _explain(Q, qi, queries, target, rows, need_side, names, is_char, n_terms, w, terms, scale):
    qi, rows = np.asarray(qi), np.asarray(rows)
    k, cols, products = pair_products(Q, qi, target.gather(rows))
    if terms:
        cos, term_lists = explain_pairs(k, cols, products, len(rows), 2 * n_terms, is_char)
    else:
        # The cosines only: no per-term bookkeeping.
        cos = np.bincount(k, weights=products.astype(np.float64), minlength=len(rows))
        term_lists = None
    relation: dict[tuple, str] = {}
    parts: dict[tuple, tuple[tuple[Signal, ...], float]] = {}
    postings, ids = target.postings, target.ids
    out = []
    for k, (p, r) in enumerate(zip(queries, rows.tolist(), strict=True)):
        other = postings[ids[r]]
        need, offer = (p, other) if need_side else (other, p)
        text = min(1.0, float(cos[k]))
        text_part = w.text_weight * text
        ck = (need.category, offer.category)
        rel = relation.get(ck)
        if rel is None:
            rel = relation[ck] = category_relation(*ck)
        same_region = bool(need.region and need.region.strip()
                           and need.region.strip() == (offer.region or "").strip())
        pk = (rel, offer.credit, same_region, scale[k])
        part = parts.get(pk)
        if part is None:
            # signals_for's deltas and their sum (the text part only decides the
            # clip, added below); exact: the same sum in the same order.
            _, sigs = sg.signals_for(0.5, rel, offer.credit, same_region, w, scale[k])
            sigs = [s for s in sigs if s[0] != "clip"]
            part = parts[pk] = (tuple(Signal(*s) for s in sigs), sum(s[2] for s in sigs))
        sigs, total = part
        raw = text_part + total
        score = min(1.0, max(0.0, raw))
        if score != raw:
            sigs = sigs + (Signal("clip", sg.LABELS["clip"], score - raw),)
        out.append(Match(
            need_id=need.id, offer_id=offer.id, score=score, text_score=text,
            text_part=text_part,
            terms=fold_terms(term_lists[k], names, n_terms) if terms else (),
            signals=sigs,
        ))
    return out
