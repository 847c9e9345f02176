"""Plain value types the engine takes and returns, and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "Posting",
    "Match",
    "TermContribution",
    "Signal",
    "NotFittedError",
    "IndexVersionError",
]


class NotFittedError(RuntimeError):
    """Raised when a query method is called on an index that has not been fitted."""


class IndexVersionError(ValueError):
    """Raised when loading an index file written by another format version."""


@dataclass(frozen=True, slots=True)
class Posting:
    """A need (需求) or an offer (服务/成果) as the engine sees it.

    Parameters
    ----------
    id : str
        Unique within its side (needs or offers).
    title, description : str
        Free Chinese text; either may be empty.
    category : str or None
        Service category (服务类别); compared with
        :func:`matcher.taxonomy.category_relation`, so one outside the taxonomy is fine.
    region : str or None
        Region of the poster (e.g. a district); same region is a small bonus.
    credit : str or None
        Credit standing (诚信) of the provider: ``"good"``, ``"normal"``, ``"bad"`` or None.
        Only read on offers.
    is_open : bool
        A closed posting is kept in the index but never returned.
    tokens : tuple of str or None
        Tokens already produced by :func:`matcher.tokenize` (the platform stores them
        at write time); when given, the text is never segmented again.
    """

    id: str
    title: str = ""
    description: str = ""
    category: str | None = None
    region: str | None = None
    credit: str | None = None
    is_open: bool = True
    tokens: tuple[str, ...] | None = None

    @property
    def text(self) -> str:
        """Title and description joined, as segmented."""
        return f"{self.title or ''}\n{self.description or ''}"


class TermContribution(NamedTuple):
    """A shared term and its share of the cosine text score (q_t * d_t)."""

    term: str
    contribution: float


class Signal(NamedTuple):
    """A structured signal that moved the score: code, Chinese label, and delta added."""

    code: str
    label_zh: str
    delta: float


@dataclass(frozen=True)
class Match:
    """One ranked, explained match.

    ``score == text_weight * text_score + sum(s.delta for s in signals)`` exactly
    up to float rounding (see :class:`matcher.MatchIndex`, ``text_weight``), where
    ``text_score`` is the cosine of the two TF-IDF vectors and equals the sum of
    *all* shared-feature contributions; ``terms`` lists the largest of them.
    When the raw sum would leave [0, 1] a ``clip`` signal carries the difference,
    so the parts still add up to the score shown.
    """

    need_id: str
    offer_id: str
    score: float
    text_score: float
    text_part: float
    terms: tuple[TermContribution, ...] = field(default=())
    signals: tuple[Signal, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (terms and signals as lists of dicts)."""
        return {
            "need_id": self.need_id,
            "offer_id": self.offer_id,
            "score": self.score,
            "text_score": self.text_score,
            "text_part": self.text_part,
            "terms": [{"term": t, "contribution": c} for t, c in self.terms],
            "signals": [{"code": c, "label_zh": lab, "delta": d} for c, lab, d in self.signals],
        }
