"""Choosing the feedback re-ranker's design without the needs it is measured on.

:func:`matcher.heldout.feedback_gain` gives the engine decisions on one half of
a set (the *learning* half: a labelled set's tune part, CSL's dev half A) and
measures the other half. Whatever is compared to design the re-ranker must not
look at that other half, so it is compared here, inside the learning half: the
learning half is cut in two by a hash of the query id, decisions on one part,
nDCG@10 measured on the other, both ways round, for several cuts (``splits``).
One cut is a coin toss on sets of thirty needs; ten show whether a design
loses anywhere.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Iterator, Sequence

from matcher.heldout import GradedSet, K, feedback_split, graded_metrics, simulated_decisions

__all__ = ["development_splits", "development_gains", "format_development"]


def development_splits(ids: Sequence[str], splits: int) -> Iterator[tuple[list[str], list[str]]]:
    """``(decided, measured)`` parts of ``ids``: ``splits`` cuts by a fixed hash, each
    both ways round."""
    for s in range(splits):
        side = [hashlib.sha256(f"dev{s}:{q}".encode()).digest()[0] >= 128 for q in ids]
        a = [q for q, b in zip(ids, side, strict=True) if not b]
        b = [q for q, b in zip(ids, side, strict=True) if b]
        yield a, b
        yield b, a


def development_gains(gs: GradedSet, splits: int = 5) -> dict:
    """The re-ranker's nDCG@10 gain over the engine on each development split of the
    set's learning half (see module docstring); the measured half is not read."""
    from matcher.index import MatchIndex
    from matcher.learning import rank_with_feedback
    from matcher.rerank import candidate_pools

    (learn_on, learn), _ = feedback_split(gs)
    idx = MatchIndex(n_jobs=2).fit(gs.task.queries, gs.task.corpus)
    pools = candidate_pools(idx)
    engine = {n: [m.offer_id for m in ms[:K]] for n, ms in pools.items()}
    gains = []
    for decided, measured in development_splits(learn, splits):
        decisions = simulated_decisions(pools, gs.grades, decided)
        ranked = rank_with_feedback(idx, decisions, top=K, pools=pools)
        learned = {n: [m.offer_id for m in ms] for n, ms in ranked.items()}
        gains.append(graded_metrics(learned, gs.grades, measured)["ndcg@10"]
                     - graded_metrics(engine, gs.grades, measured)["ndcg@10"])
    return {"set": gs.name, "learn_on": learn_on, "needs": len(learn), "gains": gains}


def format_development(res: dict) -> str:
    """One line: mean, worst and each gain, and how many runs lost."""
    g = res["gains"]
    lost = sum(x < -1e-9 for x in g)
    return (f"feedback on {res['set']}, development splits of the {res['learn_on']} needs "
            f"({res['needs']}; {len(g)} runs): ndcg@10 gain mean {statistics.fmean(g):+.4f}, "
            f"worst {min(g):+.4f}, {lost} lost\n  " + " ".join(f"{x:+.4f}" for x in g))
