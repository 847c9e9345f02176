"""The platform's operating figures: postings, approvals, the funnel and contract amounts."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlmodel import Session, col, select

from models import Contract, Match, MatchEvent, Need, Offer
from models.match import APPROVED_OR_LATER, MatchStatus
from models.posting import NeedStatus, OfferStatus
from web.presentation.figures import percent_of


@dataclass(frozen=True)
class MonthRow:
    month: str  # "2022-03"
    needs: int
    offers: int


@dataclass(frozen=True)
class FunnelRow:
    category: str
    proposed: int  # every match the engine proposed or staff made
    approved: int  # reached 已批准 (or a later stage)
    contracted: int  # 已签约

    @property
    def approved_percent(self) -> Decimal | None:
        return percent(self.approved, self.proposed)

    @property
    def contracted_percent(self) -> Decimal | None:
        return percent(self.contracted, self.proposed)


@dataclass(frozen=True)
class AmountRow:
    category: str
    contracts: int
    amount_wan: Decimal


@dataclass(frozen=True)
class Operations:
    months: list[MonthRow]
    needs_posted: int
    needs_with_approved: int
    needs_with_approved_percent: Decimal | None
    median_days_to_approval: Decimal | None
    approval_samples: int  # needs that have a first approval (the median's sample size)
    approval_anomalies: int  # approvals dated before their posting: left out of the median
    funnel: list[FunnelRow]
    engine_approved: int
    engine_rejected: int
    engine_approval_percent: Decimal | None
    engine_pending: int
    amounts: list[AmountRow]
    total_amount_wan: Decimal


def percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return percent_of(part, whole)


def _month_range(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _monthly(session: Session, tz: tzinfo) -> list[MonthRow]:
    def month(moment: datetime) -> str:  # months are counted in the platform's time zone
        return moment.astimezone(tz).strftime("%Y-%m")

    needs = Counter(month(t) for t in session.exec(
        select(Need.created_at).where(Need.status != NeedStatus.draft)).all())
    offers = Counter(month(t) for t in session.exec(
        select(Offer.created_at).where(Offer.status != OfferStatus.draft)).all())
    seen = set(needs) | set(offers)
    if not seen:
        return []
    return [MonthRow(month=m, needs=needs[m], offers=offers[m])
            for m in _month_range(min(seen), max(seen))]


def operations(session: Session, *, tz: tzinfo) -> Operations:
    """All operating figures of the platform, from its own records (months in ``tz``)."""
    # Plain columns, not ORM rows: this reads every need and match on each page view.
    all_needs = session.exec(select(Need.id, Need.created_at, Need.category, Need.status)).all()
    needs = {n.id: n for n in all_needs if n.status != NeedStatus.draft}
    matches = session.exec(select(Match.id, Match.need_id, Match.status, Match.source, Match.decided_at)).all()
    first_approval: dict[int, datetime] = {}  # match id -> first time it was approved
    for match_id, moment in session.exec(
            select(MatchEvent.match_id, MatchEvent.created_at)
            .where(MatchEvent.to_status == MatchStatus.approved)).all():
        if match_id not in first_approval or moment < first_approval[match_id]:
            first_approval[match_id] = moment

    def was_approved(m: Any) -> bool:
        return m.status in APPROVED_OR_LATER or m.id in first_approval

    # Share of needs with an approved match, and days from posting to the first approval.
    need_first: dict[int, datetime | None] = {}
    for m in matches:
        if m.need_id not in needs or not was_approved(m):
            continue
        when = first_approval.get(m.id or 0) or m.decided_at
        prior = need_first.get(m.need_id)
        need_first[m.need_id] = when if prior is None else (min(prior, when) if when else prior)
    spans = [Decimal((when - needs[nid].created_at).total_seconds()) / 86400
             for nid, when in need_first.items() if when is not None]
    # An approval before the posting existed is a data error (e.g. an imported history):
    # left out of the median and counted, so the page can say so.
    days = [d for d in spans if d >= 0]
    median = (Decimal(statistics.median(days)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
              if days else None)

    # Funnel by the need's category.
    funnel: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    engine_approved = engine_rejected = engine_pending = 0
    categories: dict[int, str] = {n.id: n.category for n in all_needs}
    for m in matches:
        row = funnel[categories.get(m.need_id, "未分类")]
        row[0] += 1
        if was_approved(m):
            row[1] += 1
        if m.status == MatchStatus.contracted.value:
            row[2] += 1
        if m.source == "engine":
            if was_approved(m):
                engine_approved += 1
            elif m.status == MatchStatus.rejected.value:
                engine_rejected += 1
            elif m.status == MatchStatus.proposed.value:
                engine_pending += 1

    # Contract amounts through the platform, by the need's category.
    amounts: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for amount_wan, need_id in session.exec(
            select(Contract.amount_wan, Match.need_id).join(Match, col(Match.id) == Contract.match_id)
            .where(Match.status == MatchStatus.contracted.value)).all():
        row = amounts[categories.get(need_id, "未分类")]
        row[0] += 1
        row[1] += Decimal(amount_wan)
    amount_rows = sorted(
        (AmountRow(category=c, contracts=n, amount_wan=a.quantize(Decimal("0.01"))) for c, (n, a) in amounts.items()),
        key=lambda r: (-r.amount_wan, r.category))

    return Operations(
        months=_monthly(session, tz),
        needs_posted=len(needs),
        needs_with_approved=len(need_first),
        needs_with_approved_percent=percent(len(need_first), len(needs)),
        median_days_to_approval=median,
        approval_samples=len(days),
        approval_anomalies=len(spans) - len(days),
        funnel=sorted((FunnelRow(category=c, proposed=r[0], approved=r[1], contracted=r[2])
                       for c, r in funnel.items()), key=lambda r: (-r.proposed, r.category)),
        engine_approved=engine_approved,
        engine_rejected=engine_rejected,
        engine_approval_percent=percent(engine_approved, engine_approved + engine_rejected),
        engine_pending=engine_pending,
        amounts=amount_rows,
        total_amount_wan=sum((r.amount_wan for r in amount_rows), Decimal("0.00")),
    )
