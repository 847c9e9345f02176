"""``bench``: the engine against the naive way, on seeded generated corpora.

Naive way (the baseline): jieba in one process, ``TfidfVectorizer`` on the
space-joined words, ``cosine_similarity`` on chunks of needs, full ``argsort``
per row. Where the naive full rematch would take many minutes it is timed on a
sample of need-blocks and extrapolated; the report says so.
"""

from __future__ import annotations

import dataclasses
import io
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from matcher.bench_segmentation import naive_segment
from matcher.gen import generate
from matcher.index import MatchIndex
from matcher.text import tokenize_many

__all__ = ["run", "format_report"]

NAIVE_BLOCK = 500
N_QUERIES = 300
E2E_NEEDS = 10_000


def _rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _naive(needs_txt, offers_txt, *, n_needs: int, sample_blocks: int, seg_sample: int) -> dict:
    """The naive pipeline; returns timings (extrapolated parts marked)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    out: dict = {}
    allt = needs_txt + offers_txt
    k = min(len(allt), seg_sample)
    t0 = time.perf_counter()
    seg = naive_segment(allt[:k])
    dt = time.perf_counter() - t0
    out["segment_s"] = dt * len(allt) / k
    out["segment_extrapolated"] = k < len(allt)
    # The vectorizer still needs real words for every posting: reuse the sample cyclically.
    seg = [seg[i % k] for i in range(len(allt))]
    t0 = time.perf_counter()
    vec = TfidfVectorizer(token_pattern=None, tokenizer=str.split, lowercase=False)
    X = vec.fit_transform(seg)
    out["fit_s"] = time.perf_counter() - t0
    Q, D = X[: len(needs_txt)], X[len(needs_txt) :]
    lat = []
    for i in range(min(50, Q.shape[0])):
        t0 = time.perf_counter()
        s = cosine_similarity(Q[i], D)[0]
        np.argsort(-s, kind="stable")[:10]
        lat.append(time.perf_counter() - t0)
    out["query_p50_ms"] = float(np.percentile(lat, 50) * 1e3)
    blocks = list(range(0, n_needs, NAIVE_BLOCK))
    timed = blocks if not sample_blocks else blocks[:: max(1, len(blocks) // sample_blocks)][
        :sample_blocks]
    t0 = time.perf_counter()
    for b in timed:
        S = cosine_similarity(Q[b : b + NAIVE_BLOCK], D)
        np.argsort(-S, axis=1, kind="stable")[:, :10]
    per_block = (time.perf_counter() - t0) / len(timed)
    out["rematch_s"] = per_block * len(blocks)
    out["rematch_extrapolated"] = f"{len(timed)} of {len(blocks)} blocks of {NAIVE_BLOCK}"
    return out


def _bench_size(n: int, seed: int, naive_sample: int, end_to_end: bool) -> dict:
    r: dict = {"offers": n, "needs": n}
    needs = generate(n, kind="need", seed=seed)
    offers = generate(n, kind="offer", seed=seed)
    queries = generate(N_QUERIES, kind="need", seed=seed + 1, prefix="q")
    r["chars_per_posting"] = round(sum(len(p.text) for p in offers) / n, 1)

    t0 = time.perf_counter()
    toks = tokenize_many([p.text for p in needs + offers], n_jobs=2)
    r["segment_s"] = time.perf_counter() - t0
    needs = [dataclasses.replace(p, tokens=t) for p, t in zip(needs, toks[:n], strict=True)]
    offers = [dataclasses.replace(p, tokens=t) for p, t in zip(offers, toks[n:], strict=True)]
    queries = [dataclasses.replace(p, tokens=t)
               for p, t in zip(queries, tokenize_many([q.text for q in queries]), strict=True)]

    t0 = time.perf_counter()
    index = MatchIndex(n_jobs=2).fit(needs, offers)
    r["fit_s"] = time.perf_counter() - t0
    r["features"] = len(index.feature_names_)

    lat = []
    for q in queries:
        t0 = time.perf_counter()
        index.match_need(q, top=10)
        lat.append(time.perf_counter() - t0)
    r["query_p50_ms"] = float(np.percentile(lat, 50) * 1e3)
    r["query_p99_ms"] = float(np.percentile(lat, 99) * 1e3)

    for label, explain in (("rematch_s", False), ("rematch_reasons_s", True)):
        t0 = time.perf_counter()
        for _ in index.rematch(top=10, n_jobs=2, explain=explain):
            pass
        r[label] = time.perf_counter() - t0
    r["peak_rss_mb_engine"] = _rss_mb()
    # Worker processes (segmentation, rematch) are forked: their RSS is mostly
    # pages shared with the parent, so parent + 2 x largest child over-counts.
    r["peak_rss_mb_child"] = _rss_mb(resource.RUSAGE_CHILDREN)
    del index

    nt = [p.text for p in needs]
    ot = [p.text for p in offers]
    r["naive"] = _naive(nt, ot, n_needs=n, sample_blocks=naive_sample,
                        seg_sample=min(len(nt) + len(ot), 40_000))
    if end_to_end:
        r["e2e"] = _end_to_end(nt[:E2E_NEEDS], ot, r["naive"], n)
    return r


def _end_to_end(needs_txt, offers_txt, naive: dict, n: int) -> dict:
    """`match` on files (segmentation included) vs the naive way on the same files."""
    from matcher.batch import run_match

    with tempfile.TemporaryDirectory() as d:
        npath, opath = Path(d) / "needs.jsonl", Path(d) / "offers.jsonl"
        for path, texts, pre in ((npath, needs_txt, "n"), (opath, offers_txt, "o")):
            with open(path, "w", encoding="utf-8") as fh:
                for i, t in enumerate(texts):
                    fh.write(json.dumps({"id": f"{pre}{i}", "description": t},
                                        ensure_ascii=False) + "\n")
        t0 = time.perf_counter()
        run_match(npath, opath, out=io.StringIO(), top=10, n_jobs=2)
        ours = time.perf_counter() - t0
    total = len(needs_txt) + len(offers_txt)
    # Naive on the same files: its per-posting segmentation rate and fit rate from
    # this run, and its per-need rematch cost (all needs against the same offers).
    naive_s = (naive["segment_s"] / (2 * n) * total + naive["fit_s"] / (2 * n) * total
               + naive["rematch_s"] / n * len(needs_txt))
    return {"needs": len(needs_txt), "offers": len(offers_txt), "engine_s": ours,
            "naive_s_estimated": naive_s, "ratio": naive_s / ours}


def run(sizes: list[int], *, seed: int, naive_sample: int = 5, end_to_end: bool = True) -> dict:
    """Benchmark each size; ``match`` end to end on 10k needs x the largest size."""
    out = {"seed": seed, "sizes": []}
    for n in sizes:
        out["sizes"].append(_bench_size(n, seed, naive_sample, end_to_end and n == max(sizes)))
    return out


def format_report(rep: dict) -> str:
    lines = [f"zhengqi bench (seed {rep['seed']}), 2 processes for segmentation and for the full rematch"]
    for r in rep["sizes"]:
        nv = r["naive"]
        lines += [
            f"\n== {r['needs']:,} needs x {r['offers']:,} offers  ({r['chars_per_posting']} chars/posting, "
            f"{r['features']:,} features)",
            f"{'step':44s}{'engine':>12s}{'naive':>12s}{'naive/engine':>14s}",
            f"{'segmentation (all postings)':44s}{r['segment_s']:11.2f}s{nv['segment_s']:11.2f}s"
            f"{nv['segment_s'] / r['segment_s']:13.1f}x" + (" (naive extrapolated)" if nv["segment_extrapolated"] else ""),
            f"{'fit (tokens given)':44s}{r['fit_s']:11.2f}s{nv['fit_s']:11.2f}s",
            f"{'one new need, top-10 with reasons: p50':44s}{r['query_p50_ms']:10.2f}ms"
            f"{nv['query_p50_ms']:10.2f}ms{nv['query_p50_ms'] / r['query_p50_ms']:13.1f}x",
            f"{'                                   p99':44s}{r['query_p99_ms']:10.2f}ms",
            f"{'full rematch NxN top-10 (scores+signals)':44s}{r['rematch_s']:11.2f}s{nv['rematch_s']:11.2f}s"
            f"{nv['rematch_s'] / r['rematch_s']:13.1f}x  (naive: {nv['rematch_extrapolated']})",
            f"{'full rematch NxN top-10 with reason terms':44s}{r['rematch_reasons_s']:11.2f}s"
            f"{'':12s}{nv['rematch_s'] / r['rematch_reasons_s']:13.1f}x",
            f"{'peak RSS after engine steps':44s}{r['peak_rss_mb_engine']:10.0f}MB"
            f"  (largest worker {r.get('peak_rss_mb_child', 0):.0f}MB, mostly shared)",
        ]
        if "e2e" in r:
            e = r["e2e"]
            lines.append(f"{'match end-to-end ' + format(e['needs'], ',') + ' x ' + format(e['offers'], ','):44s}"
                         f"{e['engine_s']:11.2f}s{e['naive_s_estimated']:11.2f}s{e['ratio']:13.1f}x"
                         "  (naive from this run's rates)")
    return "\n".join(lines)
