"""Evaluation with a tuning split and a held-out split, side by side (issue 14).

Every evaluation set has named parts. The two labelled sets are split once, by
need, into ``tune`` and ``test`` (``split.json`` beside each set); CSL's dev
part is ``tune`` only, and its test part (``*_test.tsv``, not on every machine)
is the held-out part when it is present. Parameters are chosen on ``tune``;
what is reported as quality is ``test``. :data:`TUNED` records which parts each
tuned default was chosen on, and a test checks that every one of them is also
reported on a part it was not chosen on.

Gains are graded: the hard set grades offers 0/1/2 (``grades``), the first set
lists relevant offers (grade 1). nDCG@10 uses the gain ``2**grade - 1``;
recall and MRR count grade >= 1 as relevant.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matcher import datasets
from matcher.datasets import Task
from matcher.jsonl import read_postings

__all__ = ["GradedSet", "Tuned", "TUNED", "HELD_OUT", "load_set", "graded_metrics",
           "evaluate_set", "format_side_by_side", "SET_NAMES", "default_systems",
           "feedback_gain", "feedback_split", "format_feedback", "simulated_decisions", "discipline_errors"]

K = 10
METRICS = ("recall@1", "recall@10", "mrr@10", "ndcg@10")
SET_NAMES = ("labelled", "labelled-hard", "csl-ts", "csl-kg")
SEED_DATA = Path(__file__).resolve().parent.parent / "seed_data"


@dataclass(frozen=True)
class Tuned:
    """A default chosen by measurement: where it was chosen, and what it did there."""

    parameter: str
    value: object
    tuned_on: tuple[str, ...]
    note: str = ""


# Parts (``set/part``) that are reported as held-out quality.
HELD_OUT = ("labelled/test", "labelled-hard/test", "csl-ts/test", "csl-kg/test")

_ALL_TUNE = ("labelled/tune", "labelled-hard/tune", "csl-ts/tune", "csl-kg/tune")
_LABELLED_TUNE = ("labelled/tune", "labelled-hard/tune")

# Every default chosen by measurement, and the parts it was chosen on. The values
# must equal the code's defaults (tests/matcher/test_heldout.py checks both that
# and that each is reported on a part it was not chosen on). README "Tuning log"
# has the grids and the figures.
TUNED: tuple[Tuned, ...] = (
    Tuned("MatchIndex.concept_weight", 2.5, _ALL_TUNE,
          "grid 1-4 x char_weight 1.25/1.5: best labelled tune mean; CSL-kg falls as it grows"),
    Tuned("MatchIndex.char_weight", 1.5, _ALL_TUNE, "1.25 equal on labelled, lower on CSL"),
    Tuned("MatchIndex.need_idf_power", 2.0, _ALL_TUNE, "1/1.5/2: 2 best on CSL, within .005 elsewhere"),
    Tuned("MatchIndex.offer_tf_k1", 8.0, _ALL_TUNE, "2/8/none: 8 best or tied everywhere"),
    Tuned("SignalWeights.pool_relative", True, _LABELLED_TUNE, "issue 14 item 4"),
    Tuned("SignalWeights.category", {"same": 0.3, "related": 0.0, "unrelated": -0.15,
                                     "unknown": 0.0}, _LABELLED_TUNE,
          "same .1-.5 x unrelated -same/2, -same"),
    Tuned("SignalWeights.credit", {"good": 0.02, "bad": -0.1}, _LABELLED_TUNE),
    Tuned("SignalWeights.region_same", 0.05, _LABELLED_TUNE, "0 / .05"),
    Tuned("FeedbackRanker.C", None, _ALL_TUNE,
          "None: chosen per fit by cross-validation inside the decisions (rerank.C_GRID); the "
          "features, the grid and the pool were compared with decisions on half of each tune part "
          "(CSL: of half A of dev) measured on its other half"),
    Tuned("FeedbackRanker.se_rule", 1.5, _ALL_TUNE,
          "1 / 1.5 / 2 standard errors and a nested cross-validation, on ten development splits "
          "of each learning half (matcher.feedback_dev): 1 and nested lost on some, 1.5 on none "
          "and kept two thirds of CSL keywords -> titles' gain, 2 a quarter of it"),
)


def discipline_errors(tuned: Sequence[Tuned] = TUNED,
                      reported: Sequence[str] = HELD_OUT) -> list[str]:
    """Problems with how tuned defaults are reported: a default chosen on a part
    that is reported as held-out, or one reported on no part it was not chosen on."""
    errors = []
    for t in tuned:
        leaked = sorted(set(t.tuned_on) & set(reported))
        if leaked:
            errors.append(f"{t.parameter} was tuned on held-out part(s) {', '.join(leaked)}")
        if not set(reported) - set(t.tuned_on):
            errors.append(f"{t.parameter} is reported only on the parts it was tuned on")
    return errors


@dataclass
class GradedSet:
    """An evaluation set: its task, graded judgements, and query ids per part."""

    task: Task
    grades: dict[str, dict[str, int]]
    parts: dict[str, list[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.task.name


def _read_split(directory: Path) -> dict[str, list[str]]:
    with open(directory / "split.json", encoding="utf-8") as fh:
        split = json.load(fh)
    return {"tune": list(split["tune"]), "test": list(split["test"])}


def _load_labelled(name: str, directory: Path) -> GradedSet:
    if not (directory / "needs.jsonl").is_file():
        raise FileNotFoundError(f"{directory}/needs.jsonl not found")
    grades: dict[str, dict[str, int]] = {}
    with open(directory / "needs.jsonl", encoding="utf-8-sig") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                g = {str(k): int(v) for k, v in rec.get("grades", {}).items() if int(v) > 0}
                g.update({str(x): 1 for x in rec.get("relevant", []) if str(x) not in g})
                grades[str(rec["id"])] = g
    task = Task(name, read_postings(directory / "needs.jsonl"),
                read_postings(directory / "offers.jsonl"),
                {q: set(g) for q, g in grades.items()})
    parts = _read_split(directory)
    unknown = set(parts["tune"] + parts["test"]) ^ set(grades)
    if unknown or set(parts["tune"]) & set(parts["test"]):
        raise ValueError(f"{directory}/split.json must split the needs into two disjoint parts")
    return GradedSet(task, grades, parts)


def _load_csl(name: str, directory: Path | None) -> GradedSet:
    loader = datasets.load_csl_ts if name == "csl-ts" else datasets.load_csl_kg
    dev = loader(directory)
    grades = {q: dict.fromkeys(r, 1) for q, r in dev.relevant.items()}
    parts = {"tune": [q.id for q in dev.queries]}
    try:
        test = loader(directory, part="test")
    except FileNotFoundError:
        return GradedSet(dev, grades, parts)
    # Two corpora: keep them apart by prefixing the test part's ids.
    tq = [_prefixed(p) for p in test.queries]
    tc = [_prefixed(p) for p in test.corpus]
    merged = Task(name, dev.queries + tq, dev.corpus + tc,
                  {**dev.relevant, **{"T" + q: {"T" + d for d in r} for q, r in test.relevant.items()}})
    grades.update({q: dict.fromkeys(r, 1) for q, r in merged.relevant.items() if q.startswith("T")})
    parts["test"] = [p.id for p in tq]
    return GradedSet(merged, grades, parts)


def _prefixed(p):
    import dataclasses

    return dataclasses.replace(p, id="T" + p.id)


def load_set(name: str, *, csl_dir: Path | None = None,
             labelled_dir: Path | None = None) -> GradedSet:
    """Load one evaluation set with its parts (see module docstring)."""
    if name == "labelled":
        return _load_labelled(name, labelled_dir or SEED_DATA / "labelled")
    if name == "labelled-hard":
        return _load_labelled(name, labelled_dir or SEED_DATA / "labelled_hard")
    if name in ("csl-ts", "csl-kg"):
        return _load_csl(name, csl_dir)
    raise ValueError(f"unknown evaluation set {name!r} ({' | '.join(SET_NAMES)})")


def graded_metrics(rankings: Mapping[str, list[str]], grades: Mapping[str, Mapping[str, int]],
                   queries: list[str] | None = None) -> dict[str, float]:
    """Mean recall@1/10, MRR@10 and graded nDCG@10 over ``queries`` that have answers."""
    sums = dict.fromkeys(METRICS, 0.0)
    n = 0
    for q in queries if queries is not None else list(grades):
        g = grades.get(q, {})
        if not g:
            continue
        n += 1
        ranked = list(rankings.get(q, []))[:K]
        hits = [g.get(d, 0) > 0 for d in ranked]
        for k in (1, 10):
            sums[f"recall@{k}"] += sum(hits[:k]) / len(g)
        first = next((i for i, h in enumerate(hits) if h), None)
        sums["mrr@10"] += 0.0 if first is None else 1.0 / (first + 1)
        dcg = sum((2 ** g.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked))
        ideal = sorted(g.values(), reverse=True)[:K]
        idcg = sum((2 ** v - 1) / math.log2(i + 2) for i, v in enumerate(ideal))
        sums["ndcg@10"] += dcg / idcg
    out = {m: (v / n if n else 0.0) for m, v in sums.items()}
    out["queries"] = n
    return out


System = Callable[[Task], dict[str, list[str]]]


def evaluate_set(gs: GradedSet, systems: Mapping[str, System]) -> dict:
    """Each system ranks every query once; metrics are then taken per part."""
    res: dict = {"set": gs.name, "corpus": len(gs.task.corpus),
                 "parts": {p: len(ids) for p, ids in gs.parts.items()}, "systems": {}}
    for name, fn in systems.items():
        t0 = time.perf_counter()
        ranking = fn(gs.task)
        res["systems"][name] = {
            "seconds": round(time.perf_counter() - t0, 2),
            **{p: graded_metrics(ranking, gs.grades, ids) for p, ids in gs.parts.items()},
        }
    return res


def format_side_by_side(res: dict) -> str:
    """One row per system: tune figures, then held-out figures, then the engine's margins."""
    parts = [p for p in ("tune", "test") if p in res["parts"]]
    cols = [(p, m) for p in parts for m in ("mrr@10", "ndcg@10", "recall@1")]
    label = {"tune": "tune", "test": "held-out"}
    head = f"{'system':36s}" + "".join(f"{label[p] + ' ' + m:>19s}" for p, m in cols)
    counts = ", ".join(f"{label[p]} {res['parts'][p]} queries" for p in parts)
    lines = [f"set={res['set']} ({counts}; corpus {res['corpus']})", head, "-" * len(head)]
    if "test" not in res["parts"]:
        lines.insert(1, "  held-out part not on this machine: these figures are for tuning only")
    systems = res["systems"]
    for name, r in systems.items():
        lines.append(f"{name:36s}" + "".join(f"{r[p][m]:19.4f}" for p, m in cols))
    names = list(systems)
    engines = [n for n in names if n.startswith("engine")]
    baselines = [n for n in names if not n.startswith("engine")]
    for e in engines:
        if baselines:
            margin = [systems[e][p][m] - max(systems[b][p][m] for b in baselines) for p, m in cols]
            label = "margin over best baseline" if len(engines) == 1 else f"{e[:20]} margin"
            lines.append(f"{label:36s}" + "".join(f"{x:+19.4f}" for x in margin))
    return "\n".join(lines)


def _engine(task: Task) -> dict[str, list[str]]:
    from matcher.index import MatchIndex

    idx = MatchIndex(n_jobs=2).fit(task.queries, task.corpus)
    return {nid: [m.offer_id for m in ms] for nid, ms in idx.rematch(top=K, explain=False)}


def default_systems() -> dict[str, System]:
    """The engine with its defaults, then the baselines of :mod:`matcher.evaluate`."""
    from matcher import evaluate

    return {"engine (MatchIndex defaults)": _engine,
            **{n: f for n, f in evaluate.SYSTEMS.items() if not n.startswith("engine")}}


def simulated_decisions(pools: Mapping[str, list], grades: Mapping[str, Mapping[str, int]],
                        needs: list[str], top: int = K):
    """Staff decisions as the judgements would give them: each of the engine's
    ``top`` proposals for ``needs`` approved if graded >= 1, else rejected."""
    from matcher.rerank import Decision

    return [Decision(n, m.offer_id, int(grades.get(n, {}).get(m.offer_id, 0) > 0))
            for n in needs for m in pools.get(n, [])[:top]]


def feedback_split(gs: GradedSet) -> tuple[tuple[str, list[str]], tuple[str, list[str]]]:
    """Which needs get decisions and which are measured: ``tune`` and ``test`` where
    the set has a held-out part; otherwise (CSL's dev part alone) the ``tune`` part
    cut in two halves by a fixed hash of the query id."""
    if "test" in gs.parts:
        return ("tune", gs.parts["tune"]), ("test", gs.parts["test"])
    ids = gs.parts["tune"]
    half = [q for q in ids if _hash_half(q)]
    return ("tune half A", [q for q in ids if not _hash_half(q)]), ("tune half B", half)


def _hash_half(qid: str) -> bool:
    import hashlib

    return hashlib.sha256(f"feedback:{qid}".encode()).digest()[0] >= 128


def feedback_gain(gs: GradedSet, *, learn: tuple[str, list[str]] | None = None,
                  report: tuple[str, list[str]] | None = None) -> dict:
    """The engine alone and re-ranked by what decisions about the ``learn`` needs
    teach, both measured on the ``report`` needs (default: :func:`feedback_split`).
    Nothing about the ``report`` needs is used to choose anything."""
    import io

    from matcher.index import MatchIndex
    from matcher.learning import rank_with_feedback
    from matcher.rerank import candidate_pools

    if learn is None or report is None:
        learn, report = feedback_split(gs)
    idx = MatchIndex(n_jobs=2).fit(gs.task.queries, gs.task.corpus)
    pools = candidate_pools(idx)
    decisions = simulated_decisions(pools, gs.grades, learn[1])
    engine = {n: [m.offer_id for m in ms[:K]] for n, ms in pools.items()}
    notes = io.StringIO()
    ranked = rank_with_feedback(idx, decisions, top=K, pools=pools, notes=notes)
    learned = {n: [m.offer_id for m in ms] for n, ms in ranked.items()}
    return {"set": gs.name, "learn_on": learn[0], "report_on": report[0],
            "learn_needs": len(learn[1]), "report_needs": len(report[1]),
            "decisions": len(decisions), "approved": sum(d.label for d in decisions),
            "notes": notes.getvalue().strip(),
            "engine": graded_metrics(engine, gs.grades, report[1]),
            "engine + feedback": graded_metrics(learned, gs.grades, report[1])}


def format_feedback(res: dict) -> str:
    """Two lines: the engine and the re-ranked engine on the needs without decisions."""
    part = {"tune": "tune", "test": "held-out"}
    e, f = res["engine"], res["engine + feedback"]
    learn_on, report_on = (part.get(res[k], res[k]) for k in ("learn_on", "report_on"))
    return (f"feedback on {res['set']}: {res['decisions']} decisions ({res['approved']} approved) "
            f"about the {learn_on} needs, measured on the {report_on} needs\n"
            f"{'  engine alone':36s} mrr@10 {e['mrr@10']:.4f}  ndcg@10 {e['ndcg@10']:.4f}\n"
            f"{'  engine + feedback':36s} mrr@10 {f['mrr@10']:.4f}  ndcg@10 {f['ndcg@10']:.4f}"
            f"  (ndcg@10 {f['ndcg@10'] - e['ndcg@10']:+.4f})"
            + (f"\n  {res['notes']}" if res.get("notes") else ""))
