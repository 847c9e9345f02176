"""Retrieval quality of the engine beside three baselines, computed in the same run.

The sets and their loaders are in :mod:`matcher.datasets`. Queries without any
relevant item are left out of the averages (and counted).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from matcher.datasets import Task

__all__ = ["run_all", "metrics", "format_table"]

K = 10
METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")


def metrics(rankings: dict[str, list[str]], relevant: dict[str, set[str]]) -> dict[str, float]:
    """Mean recall@1/5/10, MRR@10 and nDCG@10 (binary gains) over queries with answers."""
    sums = dict.fromkeys(METRICS, 0.0)
    n = 0
    for qid, rel in relevant.items():
        if not rel:
            continue
        n += 1
        ranked = rankings.get(qid, [])[:K]
        hits = [d in rel for d in ranked]
        for k in (1, 5, 10):
            sums[f"recall@{k}"] += sum(hits[:k]) / len(rel)
        first = next((i for i, h in enumerate(hits) if h), None)
        sums["mrr@10"] += 0.0 if first is None else 1.0 / (first + 1)
        dcg = sum(1.0 / math.log2(i + 2) for i, h in enumerate(hits) if h)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(rel), K)))
        sums["ndcg@10"] += dcg / ideal
    return {m: (v / n if n else 0.0) for m, v in sums.items()}


def _rank_by_matrix(task: Task, Q: sp.csr_matrix, D: sp.csr_matrix) -> dict[str, list[str]]:
    """Top-K corpus ids per query by dot product, in blocks; ties by corpus order."""
    out = {}
    DT = D.T.tocsc()
    for s in range(0, Q.shape[0], 500):
        S = (Q[s : s + 500] @ DT).toarray()
        for i, row in enumerate(S):
            top = np.lexsort((np.arange(len(row)), -row))[:K]
            out[task.queries[s + i].id] = [task.corpus[j].id for j in top if row[j] > 0]
    return out


def _engine(task: Task) -> dict[str, list[str]]:
    from matcher.index import MatchIndex

    idx = MatchIndex(n_jobs=2).fit(task.queries, task.corpus)
    return {nid: [m.offer_id for m in ms] for nid, ms in idx.rematch(top=K)}


def _sklearn_default(task: Task) -> dict[str, list[str]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer()
    X = vec.fit_transform([p.text for p in task.queries] + [p.text for p in task.corpus])
    n = len(task.queries)
    return _rank_by_matrix(task, X[:n], X[n:])


def _char_bigram(task: Task) -> dict[str, list[str]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2))
    X = vec.fit_transform([p.text for p in task.queries] + [p.text for p in task.corpus])
    n = len(task.queries)
    return _rank_by_matrix(task, X[:n], X[n:])


def _char_grams(text: str) -> list[str]:
    chars = [c for c in text.lower() if not c.isspace()]
    return chars + [a + b for a, b in pairwise(chars)]


def _bm25(task: Task) -> dict[str, list[str]]:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([_char_grams(p.text) for p in task.corpus], show_progress=False)
    docs, scores = retriever.retrieve([_char_grams(p.text) for p in task.queries],
                                      k=min(K, len(task.corpus)), show_progress=False)
    return {q.id: [task.corpus[j].id for j, s in zip(d, sc, strict=True) if s > 0]
            for q, d, sc in zip(task.queries, docs, scores, strict=True)}


SYSTEMS: dict[str, Callable[[Task], dict[str, list[str]]]] = {
    "engine (MatchIndex)": _engine,
    "sklearn TfidfVectorizer default": _sklearn_default,
    "char-bigram TF-IDF": _char_bigram,
    "BM25 char 1-2-gram (bm25s)": _bm25,
}


def run_all(task: Task) -> dict:
    """Every system's metrics and wall time on ``task``."""
    res = {"set": task.name, "queries": len(task.queries), "corpus": len(task.corpus),
           "scored_queries": sum(1 for r in task.relevant.values() if r), "systems": {}}
    for name, fn in SYSTEMS.items():
        t0 = time.perf_counter()
        ranking = fn(task)
        res["systems"][name] = {**metrics(ranking, task.relevant),
                                "seconds": round(time.perf_counter() - t0, 2)}
    return res


def format_table(task: Task, res: dict) -> str:
    """A plain-text table, engine first, with the margin over the best baseline."""
    head = f"{'system':34s}" + "".join(f"{m:>11s}" for m in METRICS) + f"{'sec':>8s}"
    lines = [f"set={res['set']} queries={res['queries']} (scored {res['scored_queries']}) "
             f"corpus={res['corpus']}", head, "-" * len(head)]
    for name, m in res["systems"].items():
        lines.append(f"{name:34s}" + "".join(f"{m[k]:11.4f}" for k in METRICS)
                     + f"{m['seconds']:8.2f}")
    sys_ = list(res["systems"].values())
    margin = [sys_[0][k] - max(s[k] for s in sys_[1:]) for k in METRICS]
    lines.append(f"{'margin over best baseline':34s}" + "".join(f"{x:+11.4f}" for x in margin))
    return "\n".join(lines)
