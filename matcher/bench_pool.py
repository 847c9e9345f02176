"""``python -m matcher.bench_pool``: one query's candidate pool, the sampled floor against the
selection over every positive score, on one fitted index in one process.

Both ways answer the same; they are swapped in and out of :mod:`matcher.index` in alternating
runs of the same needs, so both see the machine in the same moments (a separate run of each
drifts more than the difference). Generated postings as in :mod:`matcher.bench`.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable

import numpy as np

from matcher import index as index_module
from matcher.gen import generate
from matcher.index import MatchIndex
from matcher.text import tokenize_many
from matcher.topk import candidate_pool

__all__ = ["over_all_positives", "run"]

Pool = Callable[[np.ndarray, int], np.ndarray]


def over_all_positives(scores: np.ndarray, k: int) -> np.ndarray:
    """The pool as it was chosen before the sampled floor: the ``k``-th largest selected among
    every positive score (a partition of most of the offers)."""
    pool = np.flatnonzero(scores > 0)
    if len(pool) > k:
        kth = -np.partition(-scores[pool], k - 1)[k - 1]
        pool = pool[scores[pool] >= kth]
    return pool


def run(offers: int, *, queries: int = 600, runs: int = 3, seed: int = 20200101) -> dict[str, object]:
    """p50 / p99 in ms of each way per run, and whether their top 10 agree for every query."""
    needs, docs = generate(offers, kind="need", seed=seed), generate(offers, kind="offer", seed=seed)
    toks = tokenize_many([p.text for p in needs + docs], n_jobs=2)
    needs = [dataclasses.replace(p, tokens=t) for p, t in zip(needs, toks[:offers], strict=True)]
    docs = [dataclasses.replace(p, tokens=t) for p, t in zip(docs, toks[offers:], strict=True)]
    index = MatchIndex(n_jobs=2).fit(needs, docs)
    del needs, docs, toks
    qs = generate(queries, kind="need", seed=seed + 1, prefix="q")
    qs = [dataclasses.replace(p, tokens=t) for p, t in zip(qs, tokenize_many([q.text for q in qs]), strict=True)]
    ways: dict[str, Pool] = {"all positives": over_all_positives, "sampled floor": candidate_pool}
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    answers: dict[str, list] = {}
    try:
        for _ in range(runs):
            for name, way in ways.items():
                index_module.candidate_pool = way
                lat, found = [], []
                for q in qs:
                    t0 = time.perf_counter()
                    found.append(index.match_need(q, top=10))
                    lat.append(time.perf_counter() - t0)
                timings[name].append((float(np.percentile(lat, 50) * 1e3), float(np.percentile(lat, 99) * 1e3)))
                answers[name] = found
    finally:
        index_module.candidate_pool = candidate_pool
    return {"offers": offers, "queries": queries, "timings": timings,
            "same_top10": answers["all positives"] == answers["sampled floor"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m matcher.bench_pool", description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=100_000, help="needs and offers each (at most 2,000,000)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not 1_000 <= args.offers <= 2_000_000 or not 1 <= args.runs <= 20:
        raise SystemExit("--offers 应在 1000–2000000 之间，--runs 应在 1–20 之间")
    rep = run(args.offers, runs=args.runs)
    for name, runs in rep["timings"].items():  # type: ignore[union-attr]
        p50 = " ".join(f"{a:.3f}" for a, _ in runs)
        p99 = " ".join(f"{b:.2f}" for _, b in runs)
        print(f"{args.offers:,} offers, {name:13s}  p50 ms per run: {p50}   p99: {p99}")
    print(f"same top 10 for all {rep['queries']} needs: {rep['same_top10']}")


if __name__ == "__main__":
    main()
