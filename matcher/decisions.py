"""Staff decisions about (need, offer) pairs: reading them, applying them, scoring by them.

A decision approves (label 1) or rejects (label 0) one pair. The batch run reads
them from JSON Lines (:func:`read_decisions`); the platform builds them from its
stored records (:mod:`matcher.learning`). Whatever ranks the needs afterwards,
the decisions themselves win (:func:`pinned`), and a ranking is judged on the
decided offers of each need (:func:`decided_ndcg`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matcher.jsonl import InputError, json_objects
from matcher.types import Match, Signal

__all__ = ["Decision", "DECISIONS", "read_decisions", "pinned", "ndcg_per_need", "decided_ndcg",
           "need_hash"]

DECISIONS = {"approved": 1, "rejected": 0}
STAFF_APPROVED = "专员已批准"
_K = 10


@dataclass(frozen=True)
class Decision:
    """One staff decision about a (need, offer) pair: ``label`` 1 approve, 0 reject."""

    need_id: str
    offer_id: str
    label: int
    weight: float = 1.0


def read_decisions(path: str | Path, need_ids: Iterable[str],
                   offer_ids: Iterable[str]) -> tuple[list[Decision], int]:
    """Read ``{"need_id", "offer_id", "decision": "approved"|"rejected"}`` lines.

    Returns the decisions about postings in the two files and the number of
    lines skipped because an id is not among them. A later line about the same
    pair replaces an earlier one (a decision can be revised).

    Raises
    ------
    InputError
        On a line that is not a JSON object, lacks an id, or has another decision.
    """
    path = Path(path)
    needs, offers = set(need_ids), set(offer_ids)
    found: dict[tuple[str, str], Decision] = {}
    skipped = 0
    for lineno, rec in json_objects(path):
        ids = []
        for key in ("need_id", "offer_id"):
            value = rec.get(key)
            if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) == "":
                raise InputError(f"{path}:{lineno}: missing \"{key}\"")
            ids.append(str(value))
        decision = rec.get("decision")
        if decision not in DECISIONS:
            raise InputError(f"{path}:{lineno}: \"decision\" must be \"approved\" or "
                             f"\"rejected\", not {json.dumps(decision, ensure_ascii=False)}")
        if ids[0] not in needs or ids[1] not in offers:
            skipped += 1
            continue
        found[(ids[0], ids[1])] = Decision(ids[0], ids[1], DECISIONS[decision])
    return list(found.values()), skipped


def pinned(pools: Mapping[str, list[Match]], decisions: Sequence[Decision],
           top: int) -> dict[str, list[Match]]:
    """Ranked pools with the decisions applied, best ``top`` each: approved pairs
    first (score 1, signal ``staff_approved``), rejected ones left out."""
    decided = {(d.need_id, d.offer_id): d.label for d in decisions}
    out = {}
    for n, ms in pools.items():
        kept = []
        for m in ms:
            label = decided.get((n, m.offer_id))
            if label == 0:
                continue
            if label == 1:
                m = dataclasses.replace(m, score=1.0, signals=m.signals + (
                    Signal("staff_approved", STAFF_APPROVED, 1.0 - m.score),))
            kept.append(m)
        kept.sort(key=lambda m: (-m.score, m.offer_id))
        out[n] = kept[:top]
    return out


def ndcg_per_need(scores: Sequence[float], decisions: Sequence[Decision]) -> dict[str, float]:
    """nDCG@10 of each need's decided offers ordered by ``scores`` (see :func:`decided_ndcg`)."""
    by_need: dict[str, list[tuple[float, str, int]]] = {}
    for s, d in zip(scores, decisions, strict=True):
        by_need.setdefault(d.need_id, []).append((float(s), d.offer_id, d.label))
    out = {}
    for need, items in by_need.items():
        labels = [lab for _, _, lab in items]
        if not (0 < sum(labels) < len(labels)):
            continue
        ranked = sorted(items, key=lambda t: (-t[0], t[1]))[:_K]
        dcg = sum(lab / math.log2(i + 2) for i, (_, _, lab) in enumerate(ranked))
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(sum(labels), _K)))
        out[need] = dcg / ideal
    return out


def decided_ndcg(scores: Sequence[float], decisions: Sequence[Decision]) -> tuple[float, int]:
    """Mean nDCG@10 of each need's decided offers ordered by ``scores`` (ties by
    offer id; gain 1 for an approval), over needs with both an approval and a
    rejection; returns ``(mean, needs)``, ``(0.0, 0)`` when there are none."""
    got = ndcg_per_need(scores, decisions)
    return (sum(got.values()) / len(got) if got else 0.0), len(got)


def need_hash(need_id: str, salt: str) -> int:
    """A fixed number per need (and purpose): folds keep a need's decisions together."""
    return int.from_bytes(hashlib.sha256(f"{salt}:{need_id}".encode()).digest()[:4], "big")
