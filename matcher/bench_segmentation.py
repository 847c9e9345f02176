"""``bench --real-text``: segmentation of real text, timed and compared with jieba.

The reference is the pipeline the engine used before jieba-rs: the same
normalisation, filters and domain dictionary, cut by jieba 0.42 itself
(:func:`jieba_tokenizer`). Its tokens are the yardstick for agreement (token F1
and the share of texts tokenized identically); plain one-process ``jieba.cut``
is the yardstick for time, as in :mod:`matcher.bench`.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from matcher import text as tx

__all__ = ["jieba_segmenter", "jieba_tokenizer", "naive_segment", "token_agreement", "run_real_text", "format_real_text"]


def jieba_segmenter():
    """A jieba Tokenizer with the domain dictionary added as the engine adds it."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    seg = jieba.Tokenizer()
    seg.initialize()
    for term in tx.domain_terms():
        seg.add_word(term, freq=max(seg.suggest_freq(term, tune=False), 10))
    return seg


def jieba_tokenizer() -> Callable[[str], list[str]]:
    """``tokenize`` as it was with jieba 0.42 as the cutter: the same normalisation
    and filters, :func:`jieba_segmenter` cutting the whole text."""
    seg = jieba_segmenter()

    def tokenize(text: str) -> list[str]:
        return tx.filter_tokens(seg.cut(tx.normalize(text), HMM=True))

    return tokenize


def token_agreement(reference: Sequence[Sequence[str]], other: Sequence[Sequence[str]]) -> dict:
    """Micro token F1 (tokens as multisets per text) and the share of identical texts."""
    tp = fp = fn = same = 0
    for a, b in zip(reference, other, strict=True):
        ca, cb = Counter(a), Counter(b)
        common = sum((ca & cb).values())
        tp += common
        fp += sum(cb.values()) - common
        fn += sum(ca.values()) - common
        same += list(a) == list(b)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"token_f1": f1, "identical_share": same / len(reference) if reference else 1.0}


def naive_segment(texts: list[str]) -> list[str]:
    import jieba

    return [" ".join(jieba.cut(t)) for t in texts]


def _timed(fn) -> tuple[float, float]:
    c0, t0 = os.times(), time.perf_counter()
    fn()
    wall, c1 = time.perf_counter() - t0, os.times()
    cpu = (c1.user + c1.system + c1.children_user + c1.children_system
           - c0.user - c0.system - c0.children_user - c0.children_system)
    return wall, cpu


def run_real_text(csl_dir: Path | None = None, *, repeat: int = 5, n_jobs: int = 2) -> dict:
    """Time naive one-process jieba, the jieba reference pipeline and ``tokenize_many``
    in 1 and ``n_jobs`` processes on the distinct CSL texts, interleaved, ``repeat``
    times each; then compare the engine's tokens with the reference's.

    Every engine repeat starts from empty text caches (the dictionaries stay
    loaded, as jieba's does), so no repeat is helped by an earlier one. Wall
    and CPU seconds are reported (min and median): on a shared machine other
    load inflates wall times of the parallel run most.
    """
    import jieba

    from matcher.datasets import csl_texts

    texts = csl_texts(csl_dir)
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    reference = jieba_tokenizer()
    tx.load()
    keys = ("jieba 1 process", "jieba pipeline", "engine 1 process", f"engine {n_jobs} processes")
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in keys}
    ref_tokens: list[list[str]] = []
    for _ in range(repeat):
        runs[keys[0]].append(_timed(lambda: naive_segment(texts)))
        tx.clear_caches()
        runs[keys[1]].append(_timed(lambda: ref_tokens.__setitem__(
            slice(None), [reference(t) for t in texts])))
        for jobs, key in ((1, keys[2]), (n_jobs, keys[3])):
            tx.clear_caches()
            runs[key].append(_timed(lambda j=jobs: tx.tokenize_many(texts, n_jobs=j)))
    tx.clear_caches()
    ours = tx.tokenize_many(texts, n_jobs=n_jobs)
    out = {"texts": len(texts), "chars": sum(map(len, texts)), "repeat": repeat,
           "tokenizer": tx.tokenizer_version(), "systems": {},
           "agreement_with_jieba_pipeline": token_agreement(ref_tokens, ours)}
    for key, rs in runs.items():
        walls, cpus = sorted(w for w, _ in rs), sorted(c for _, c in rs)
        out["systems"][key] = {"wall_min_s": walls[0], "wall_median_s": walls[len(walls) // 2],
                               "cpu_median_s": cpus[len(cpus) // 2]}
    return out


def format_real_text(rep: dict) -> str:
    base = rep["systems"]["jieba 1 process"]
    agree = rep["agreement_with_jieba_pipeline"]
    lines = [f"segmentation of real text: {rep['texts']:,} distinct CSL titles and abstracts, "
             f"{rep['chars']:,} chars, {rep['repeat']} interleaved repeats, text caches emptied per repeat",
             f"tokenizer {rep['tokenizer']}",
             f"{'':20s}{'wall min':>10s}{'wall med':>10s}{'cpu med':>10s}{'jieba/this (min)':>18s}"
             f"{'chars/s (min)':>15s}"]
    for key, r in rep["systems"].items():
        lines.append(f"{key:20s}{r['wall_min_s']:9.3f}s{r['wall_median_s']:9.3f}s{r['cpu_median_s']:9.3f}s"
                     f"{base['wall_min_s'] / r['wall_min_s']:17.2f}x{rep['chars'] / r['wall_min_s']:15,.0f}")
    lines.append(f"engine tokens against the jieba pipeline: token F1 {agree['token_f1']:.4f}, "
                 f"identical texts {agree['identical_share']:.2%}")
    return "\n".join(lines)
