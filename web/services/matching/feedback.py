"""Feedback from staff decisions: how often staff approve what the engine proposes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, col, func, select

from models import Match, Need
from models.match import APPROVED_OR_LATER, MatchStatus
from web.presentation.figures import percent_of
from web.services.dictionaries.defaults import REJECT_REASONS

# Decided and not rejected: every status past approval counts as an approval.


@dataclass
class CategoryStat:
    category: str
    proposed: int = 0  # engine proposals still waiting
    approved: int = 0
    rejected: int = 0
    reject_reasons: Counter[str] = field(default_factory=Counter)  # reason code -> count

    @property
    def decided(self) -> int:
        return self.approved + self.rejected

    @property
    def approval_rate(self) -> float | None:
        """Approved ÷ decided, or None before any decision."""
        return self.approved / self.decided if self.decided else None

    @property
    def approval_percent(self) -> Decimal | None:
        """The approval rate as the pages show it (one rounding rule for every share)."""
        return percent_of(self.approved, self.decided)

    @property
    def reason_labels(self) -> list[tuple[str, int]]:
        return [(REJECT_REASONS.get(code, code), n) for code, n in self.reject_reasons.most_common()]


def approval_stats(session: Session) -> list[CategoryStat]:
    """Per need category: engine proposals approved / rejected by staff (with reason codes).

    Only engine proposals count (manual matches are staff's own choice); the result is
    what a later ranking change can be tuned against.
    """
    rows = session.exec(select(Need.category, Match.status, Match.reject_code, func.count())
                        .join(Need, col(Need.id) == Match.need_id)
                        .where(Match.source == "engine")
                        .group_by(Need.category, Match.status, Match.reject_code)).all()
    stats: dict[str, CategoryStat] = {}
    for category, status, code, n in rows:
        s = stats.setdefault(category, CategoryStat(category))
        if status == MatchStatus.proposed:
            s.proposed += n
        elif status == MatchStatus.rejected:
            s.rejected += n
            s.reject_reasons[code or "other"] += n
        elif status in APPROVED_OR_LATER:
            s.approved += n
    return sorted(stats.values(), key=lambda s: (-s.decided, s.category))


def overall(stats: list[CategoryStat]) -> CategoryStat:
    """All categories together."""
    total = CategoryStat("全部")
    for s in stats:
        total.proposed += s.proposed
        total.approved += s.approved
        total.rejected += s.rejected
        total.reject_reasons.update(s.reject_reasons)
    return total
