"""Learning a ranking model from the platform's stored decisions, safely.

The platform keeps staff decisions (approve / reject with a reason), manual
matches, interest expressed by either side and signed contracts. This module
turns them into training data for :class:`matcher.rerank.FeedbackRanker`,
decides whether a new model may replace the active one, and keeps versions:

- :func:`decisions_from_records` — records to labelled, weighted decisions;
- :func:`split_by_need` — a fixed held-out share of *needs* (by a hash of the
  need id), so every model is judged on decisions no model was trained on;
- :func:`train_candidate` — fit on the training needs, score the new model, the
  active model and the plain engine on the held-out needs' decisions; too few
  decisions raise :class:`NotEnoughDecisions` saying how many more are needed;
- :mod:`matcher.model_store` keeps versioned models, an activation history and
  a rollback;
- :func:`learn` — all of it: a new version is always kept with its figures, and
  becomes active only if it beats the active model (or, with none, the engine).

Pure library: the web layer stores records and models however it likes (the
store is an interface) and shows :class:`LearnReport`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from matcher.decisions import Decision, pinned
from matcher.model_store import LearnReport, ModelStore
from matcher.rerank import FeedbackRanker, candidate_pools
from matcher.types import Match

__all__ = ["DecisionRecord", "KINDS", "MIN_DECISIONS", "MIN_PER_LABEL", "NotEnoughDecisions",
           "decisions_from_records", "split_by_need", "decision_auc",
           "train_candidate", "learn", "rank_with_feedback",
           "match_with_feedback"]

# kind -> (label, weight). A contract is the strongest evidence that a pair was right;
# interest from one side is weaker than a staff approval.
KINDS: dict[str, tuple[int, float]] = {
    "approved": (1, 1.0),
    "manual": (1, 1.0),
    "interest": (1, 0.5),
    "contracted": (1, 2.0),
    "rejected": (0, 1.0),
}
MIN_DECISIONS = 40
MIN_PER_LABEL = 10
HELD_OUT_SHARE = 0.3


class NotEnoughDecisions(ValueError):
    """Too few decisions to learn from; ``missing`` says how many more are needed."""

    def __init__(self, *, have: int, approved: int, rejected: int) -> None:
        self.have, self.approved, self.rejected = have, approved, rejected
        self.missing = max(MIN_DECISIONS - have,
                           max(MIN_PER_LABEL - approved, 0) + max(MIN_PER_LABEL - rejected, 0), 1)
        super().__init__(
            f"决定太少，暂不学习：现有 {have} 条（批准类 {approved}，拒绝 {rejected}），"
            f"至少需要 {MIN_DECISIONS} 条且批准类与拒绝各 {MIN_PER_LABEL} 条，还需要约 "
            f"{self.missing} 条")


@dataclass(frozen=True)
class DecisionRecord:
    """One stored event about a (need, offer) pair; ``kind`` is one of :data:`KINDS`."""

    need_id: str
    offer_id: str
    kind: str
    reason: str | None = None


def decisions_from_records(records: Iterable[DecisionRecord]) -> list[Decision]:
    """One decision per pair, in first-seen order; a later record replaces an earlier one
    (a rejection after an approval means staff changed their minds), except that a
    signed contract is never undone by anything but a later rejection."""
    found: dict[tuple[str, str], Decision] = {}
    for r in records:
        if r.kind not in KINDS:
            raise ValueError(f"unknown decision kind {r.kind!r} ({' | '.join(KINDS)})")
        label, weight = KINDS[r.kind]
        key = (r.need_id, r.offer_id)
        old = found.get(key)
        if old is not None and label == 1 and old.label == 1:
            weight = max(weight, old.weight)
        found[key] = Decision(r.need_id, r.offer_id, label, weight)
    return list(found.values())


def _held_out(need_id: str) -> bool:
    digest = hashlib.sha256(need_id.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < HELD_OUT_SHARE


def split_by_need(decisions: Sequence[Decision]) -> tuple[list[Decision], list[Decision]]:
    """(training, held-out) decisions; a need is held out by a fixed hash of its id,
    so the same needs stay held out from one training run to the next."""
    train = [d for d in decisions if not _held_out(d.need_id)]
    held = [d for d in decisions if _held_out(d.need_id)]
    return train, held


def decision_auc(scores: Sequence[float], decisions: Sequence[Decision]) -> float:
    """Share of (approved, rejected) pairs *of the same need* that ``scores`` order
    right (ties count half), over all needs that have both; 0.5 when none has."""
    by_need: dict[str, tuple[list[float], list[float]]] = {}
    for s, d in zip(scores, decisions, strict=True):
        by_need.setdefault(d.need_id, ([], []))[d.label].append(s)
    right = total = 0.0
    for rejected, approved in by_need.values():
        if approved and rejected:
            a, r = np.asarray(approved)[:, None], np.asarray(rejected)[None, :]
            right += float((a > r).sum() + 0.5 * (a == r).sum())
            total += a.size * r.size
    return right / total if total else 0.5


def _engine_scores(pools: Mapping[str, list[Match]], decisions: Sequence[Decision]) -> list[float]:
    score = {(n, m.offer_id): m.score for n, ms in pools.items() for m in ms}
    return [score.get((d.need_id, d.offer_id), 0.0) for d in decisions]


def train_candidate(index, records: Iterable[DecisionRecord],
                    active: FeedbackRanker | None = None) -> tuple[FeedbackRanker, LearnReport]:
    """Fit a new model on the training needs and compare it on the held-out needs.

    The rule: the new model is to be activated only if its :func:`decision_auc` on
    the held-out decisions is higher than the active model's (or, when no model is
    active, than the plain engine's).

    Raises
    ------
    NotEnoughDecisions
        Fewer than :data:`MIN_DECISIONS` usable decisions, fewer than
        :data:`MIN_PER_LABEL` of either label, or a split that leaves either side
        without both labels.
    """
    known_n, known_o = index.needs_.postings, index.offers_.postings
    decisions = [d for d in decisions_from_records(records)
                 if d.need_id in known_n and d.offer_id in known_o]
    approved = sum(d.label for d in decisions)
    rejected = len(decisions) - approved
    if len(decisions) < MIN_DECISIONS or min(approved, rejected) < MIN_PER_LABEL:
        raise NotEnoughDecisions(have=len(decisions), approved=approved, rejected=rejected)
    train, held = split_by_need(decisions)
    if {d.label for d in train} != {0, 1} or {d.label for d in held} != {0, 1}:
        raise NotEnoughDecisions(have=len(decisions), approved=approved, rejected=rejected)
    pools = candidate_pools(index)
    model = FeedbackRanker().fit(index, train, pools)
    pairs = [(d.need_id, d.offer_id) for d in held]
    new_auc = decision_auc(model.predict(index, pairs, pools).tolist(), held)
    active_auc = (decision_auc(active.predict(index, pairs, pools).tolist(), held)
                  if active is not None else None)
    engine_auc = decision_auc(_engine_scores(pools, held), held)
    bar = active_auc if active_auc is not None else engine_auc
    report = LearnReport(trained_on=len(train), held_out=len(held), new_auc=new_auc,
                         active_auc=active_auc, engine_auc=engine_auc, activated=new_auc > bar)
    against = "当前启用的模型" if active_auc is not None else "不使用模型的引擎"
    report.reason = (f"新模型在 {len(held)} 条未参与训练的决定上为 {new_auc:.3f}，"
                     f"{against}为 {bar:.3f}：" + ("启用新模型" if report.activated else "不启用"))
    return model, report


def learn(store: ModelStore, index, records: Iterable[DecisionRecord]) -> LearnReport:
    """Train on the stored decisions, keep the new version, activate it only if it
    beats the active model on held-out decisions (see :func:`train_candidate`).

    An active model written in an older format cannot be loaded; the new one is
    then compared with the plain engine. Raises NotEnoughDecisions (nothing is
    stored) when there are too few.
    """
    current = store.active_version()
    try:
        active = store.load(current) if current is not None else None
    except ValueError:
        active = None  # a model of an older format: compared as the plain engine is
    model, report = train_candidate(index, list(records), active)
    report.version = store.save(model, report)
    if report.activated:
        store.activate(report.version)
    return report


def rank_with_feedback(index, decisions: Sequence[Decision], *, top: int = 10,
                       pools: Mapping[str, list[Match]] | None = None,
                       notes: TextIO | None = None) -> dict[str, list[Match]]:
    """Rank every need with what the decisions teach. The learned ranking is used
    only if it beats the plain engine on decisions of needs it was not fitted on
    by more than 1.5 standard errors (cross-validated by need inside the decisions,
    see :class:`FeedbackRanker`);
    otherwise the engine's ranking is kept. Decided pairs are pinned or dropped
    either way. ``notes`` (a text stream) is told what was done."""
    pools = pools if pools is not None else candidate_pools(index)

    def say(msg: str) -> None:
        if notes is not None:
            notes.write(f"feedback: {msg}\n")

    if {d.label for d in decisions} != {0, 1}:
        if decisions:
            say("只有一种决定（全部批准或全部拒绝），无法学习排序；仅把已批准的置顶、已拒绝的去掉")
        return pinned(pools, decisions, top)
    model = FeedbackRanker().fit(index, decisions, pools)
    cv = model.cv_
    tried = "，".join(f"C={c:g} {v:.3f}" for c, v in cv.items() if isinstance(c, float))
    if model.engine_only_:
        say(f"学到的排序在未参与拟合的需求的决定上没有明显优于引擎（交叉验证 nDCG@10，"
            f"{cv.get('needs', 0)} 个需求：引擎 {cv.get('engine', 0.0):.3f}，"
            f"{tried or '无可比较的需求'}；须高出 {model.se_rule:g} 个标准误），保留引擎排序；"
            "仅把已批准的置顶、已拒绝的去掉")
        return pinned(pools, decisions, top)
    say(f"学到的排序在未参与拟合的需求的决定上优于引擎（交叉验证 nDCG@10，{cv['needs']} 个需求："
        f"引擎 {cv['engine']:.3f}，{tried}；采用 C={model.C_:g}，"
        f"高出 {cv[model.C_] - cv['engine']:.4f}，标准误 {cv['se'][model.C_]:.4f}）")
    return model.rank(index, top=top, decisions=decisions, pools=pools)


def match_with_feedback(needs: Sequence, offers: Sequence, decisions: Sequence[Decision], *,
                        top: int = 10, n_jobs: int = 1,
                        notes: TextIO | None = None) -> dict[str, list[Match]]:
    """The batch run with decisions: fit the index, then :func:`rank_with_feedback`."""
    from matcher.index import MatchIndex

    index = MatchIndex(n_jobs=n_jobs).fit(needs, offers)
    return rank_with_feedback(index, decisions, top=top, notes=notes)
