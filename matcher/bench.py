"""``bench``: the engine against the naive way, on seeded generated corpora.

Naive way (the baseline): jieba in one process, ``TfidfVectorizer`` on the
space-joined words, ``cosine_similarity`` on chunks of needs, full ``argsort``
per row. Where the naive full rematch would take many minutes it is timed on a
sample of need-blocks and extrapolated; the report says so.

Past :data:`BLOCKS_FROM` offers the engine's full rematch too is timed on a
sample of its blocks (:mod:`matcher.blocks`, two processes) and extrapolated,
and the single-query latency and memory are measured in a *serving worker*: a
fresh process that loads the saved index and does nothing else, as a web
worker would.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
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
# The naive block's dense scores (rows x offers, float64) stay under ~400 MB.
NAIVE_CELLS = 50_000_000
N_QUERIES = 300
E2E_NEEDS = 10_000
BLOCKS_FROM = 500_000
SAMPLE_BLOCKS = 4
ENGINE_BLOCK = 2000


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
    size = max(1, min(NAIVE_BLOCK, NAIVE_CELLS // max(1, D.shape[0])))
    blocks = list(range(0, n_needs, size))
    timed = blocks if not sample_blocks else blocks[:: max(1, len(blocks) // sample_blocks)][
        :sample_blocks]
    t0 = time.perf_counter()
    for b in timed:
        S = cosine_similarity(Q[b : b + size], D)
        np.argsort(-S, axis=1, kind="stable")[:, :10]
    per_block = (time.perf_counter() - t0) / len(timed)
    out["rematch_s"] = per_block * len(blocks)
    out["rematch_extrapolated"] = f"{len(timed)} of {len(blocks)} blocks of {size}"
    return out


def _bench_size(n: int, m: int, seed: int, naive_sample: int, end_to_end: bool) -> dict:
    """``m`` needs x ``n`` offers."""
    r: dict = {"offers": n, "needs": m}
    needs = generate(m, kind="need", seed=seed)
    offers = generate(n, kind="offer", seed=seed)
    queries = generate(N_QUERIES, kind="need", seed=seed + 1, prefix="q")
    r["chars_per_posting"] = round(sum(len(p.text) for p in offers) / n, 1)

    t0 = time.perf_counter()
    toks = tokenize_many([p.text for p in needs + offers], n_jobs=2)
    r["segment_s"] = time.perf_counter() - t0
    needs = [dataclasses.replace(p, tokens=t) for p, t in zip(needs, toks[:m], strict=True)]
    offers = [dataclasses.replace(p, tokens=t) for p, t in zip(offers, toks[m:], strict=True)]
    del toks
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

    if n < BLOCKS_FROM:
        for label, explain in (("rematch_s", False), ("rematch_reasons_s", True)):
            t0 = time.perf_counter()
            for _ in index.rematch(top=10, n_jobs=2, explain=explain):
                pass
            r[label] = time.perf_counter() - t0
    else:
        r["rematch_blocks"] = _sampled_blocks(index)
    r["peak_rss_mb_engine"] = _rss_mb()
    # Worker processes (segmentation, rematch) are forked: their RSS is mostly
    # pages shared with the parent, so parent + 2 x largest child over-counts.
    r["peak_rss_mb_child"] = _rss_mb(resource.RUSAGE_CHILDREN)
    r["serving"] = _serving_worker(index, queries)
    del index

    nt = [p.text for p in needs]
    ot = [p.text for p in offers]
    del needs, offers
    r["naive"] = _naive(nt, ot, n_needs=m, sample_blocks=naive_sample,
                        seg_sample=min(len(nt) + len(ot), 40_000))
    if end_to_end:
        r["e2e"] = _end_to_end(nt[:E2E_NEEDS], ot, r["naive"], m + n, m)
    return r


def _sampled_blocks(index: MatchIndex) -> dict:
    """Time a spread sample of the full rematch's blocks, two processes, and extrapolate."""
    from matcher.blocks import rematch_to_dir

    total = -(-int(index.needs_.alive.sum()) // ENGINE_BLOCK)
    sample = list(range(0, total, max(1, total // SAMPLE_BLOCKS)))[:SAMPLE_BLOCKS]
    with tempfile.TemporaryDirectory() as d:
        run = rematch_to_dir(index, d, top=10, block_size=ENGINE_BLOCK, n_jobs=2, blocks=sample)
    per_block = run.seconds / len(sample)  # wall per block with both processes busy
    return {"blocks": total, "sampled": len(sample), "block_size": ENGINE_BLOCK,
            "sample_s": run.seconds, "extrapolated_s": per_block * total,
            "per_million_needs_s": per_block * 1_000_000 / ENGINE_BLOCK}


# ru_maxrss survives fork and exec on Linux (a child would report its parent's
# peak); the kernel's VmHWM belongs to the process's own address space.
_SERVE = """
def peak_rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

import json, sys, time
import numpy as np
from matcher.index import MatchIndex
from matcher.types import Posting
t0 = time.perf_counter()
index = MatchIndex.load(sys.argv[1])
load_s = time.perf_counter() - t0
queries = [Posting(q["id"], tokens=tuple(q["tokens"])) for q in json.load(open(sys.argv[2]))]
for q in queries[:20]:
    index.match_need(q, top=10)
lat = []
for q in queries:
    t0 = time.perf_counter()
    index.match_need(q, top=10)
    lat.append(time.perf_counter() - t0)
print(json.dumps({"load_s": load_s, "p50_ms": float(np.percentile(lat, 50) * 1e3),
                  "p99_ms": float(np.percentile(lat, 99) * 1e3),
                  "peak_rss_mb": peak_rss_mb()}))
"""


def _serving_worker(index: MatchIndex, queries) -> dict:
    """Save the index, load it in a fresh process, answer the queries there: the
    latency and the peak memory of one serving worker."""
    import subprocess
    import sys

    with tempfile.TemporaryDirectory() as d:
        path, qpath = Path(d) / "index.zq", Path(d) / "queries.json"
        index.save(path)
        qpath.write_text(json.dumps([{"id": q.id, "tokens": list(q.tokens)} for q in queries],
                                    ensure_ascii=False), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-c", _SERVE, str(path), str(qpath)],
                              capture_output=True, text=True, check=True)
        out = json.loads(proc.stdout)
        out["file_mb"] = path.stat().st_size / 2**20
    return out


def _end_to_end(needs_txt, offers_txt, naive: dict, postings: int, n_needs: int) -> dict:
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
    naive_s = (naive["segment_s"] / postings * total + naive["fit_s"] / postings * total
               + naive["rematch_s"] / n_needs * len(needs_txt))
    return {"needs": len(needs_txt), "offers": len(offers_txt), "engine_s": ours,
            "naive_s_estimated": naive_s, "ratio": naive_s / ours}


def run(sizes: list[int], *, seed: int, naive_sample: int = 5, end_to_end: bool = True,
        max_needs: int | None = None) -> dict:
    """Benchmark each size (as many needs as offers, at most ``max_needs``); ``match``
    end to end on 10k needs x the largest size below :data:`BLOCKS_FROM`."""
    out: dict = {"seed": seed, "sizes": [], "cpus": os.cpu_count()}
    e2e_size = max([n for n in sizes if n < BLOCKS_FROM], default=None)
    for n in sizes:
        m = min(n, max_needs) if max_needs else n
        out["sizes"].append(_bench_size(n, m, seed, naive_sample, end_to_end and n == e2e_size))
    out["loadavg"] = " / ".join(f"{x:.1f}" for x in os.getloadavg())
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
        ]
        if "rematch_s" in r:
            lines += [
                f"{'full rematch top-10 (scores+signals)':44s}{r['rematch_s']:11.2f}s{nv['rematch_s']:11.2f}s"
                f"{nv['rematch_s'] / r['rematch_s']:13.1f}x  (naive: {nv['rematch_extrapolated']})",
                f"{'full rematch top-10 with reason terms':44s}{r['rematch_reasons_s']:11.2f}s"
                f"{'':12s}{nv['rematch_s'] / r['rematch_reasons_s']:13.1f}x",
            ]
        else:
            b = r["rematch_blocks"]
            lines += [
                f"{'full rematch with reasons, blocks (extrap.)':44s}{b['extrapolated_s']:11.1f}s"
                f"{nv['rematch_s']:11.1f}s{nv['rematch_s'] / b['extrapolated_s']:13.1f}x"
                f"  ({b['sampled']} of {b['blocks']} blocks of {b['block_size']:,}; naive: {nv['rematch_extrapolated']})",
                f"{'  the same per 1,000,000 needs':44s}{b['per_million_needs_s']:11.0f}s",
            ]
        sv = r["serving"]
        lines += [
            f"{'peak RSS after engine steps':44s}{r['peak_rss_mb_engine']:10.0f}MB"
            f"  (largest worker {r.get('peak_rss_mb_child', 0):.0f}MB, mostly shared)",
            f"{'serving worker (loads the saved index): p50':44s}{sv['p50_ms']:10.2f}ms"
            f"{nv['query_p50_ms']:10.2f}ms{nv['query_p50_ms'] / sv['p50_ms']:13.1f}x",
            f"{'                                        p99':44s}{sv['p99_ms']:10.2f}ms",
            f"{'  its peak RSS / index file / load time':44s}{sv['peak_rss_mb']:10.0f}MB"
            f"{sv['file_mb']:10.0f}MB{sv['load_s']:11.1f}s",
        ]
        if "e2e" in r:
            e = r["e2e"]
            lines.append(f"{'match end-to-end ' + format(e['needs'], ',') + ' x ' + format(e['offers'], ','):44s}"
                         f"{e['engine_s']:11.2f}s{e['naive_s_estimated']:11.2f}s{e['ratio']:13.1f}x"
                         "  (naive from this run's rates)")
    lines.append(f"\nload average during the run (1/5/15 min): {rep.get('loadavg', '?')} on "
                 f"{rep.get('cpus', '?')} cores shared with other users: figures are wall times")
    return "\n".join(lines)
