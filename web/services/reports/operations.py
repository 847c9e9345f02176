"""The platform's operating figures: postings, approvals, the funnel and contract amounts."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from sqlalchemy import Select, bindparam, case, literal
from sqlmodel import Session, col, func, not_, select

from models import Contract, Match, MatchEvent, Need, Offer
from models.base import UTCDateTime
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


def _month_starts(first: datetime, last: datetime, tz: tzinfo) -> list[tuple[str, datetime]]:
    """Each month (in ``tz``) from the one holding ``first`` to the one holding ``last``, with
    the moment it starts."""
    first, last = first.astimezone(tz), last.astimezone(tz)
    y, m = first.year, first.month
    out = []
    while (y, m) <= (last.year, last.month):
        out.append((f"{y:04d}-{m:02d}", datetime(y, m, 1, tzinfo=tz)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@lru_cache(maxsize=32)
def _count_by_month(model: type[Need] | type[Offer], months: int) -> Select:
    """Posted postings of ``model`` counted by month: a month's index is that of the latest
    ``start{i}`` (bound at run time) its posting has reached. Built once per count of months,
    as building a CASE of three dozen branches costs more than running it."""
    draft = NeedStatus.draft if model is Need else OfferStatus.draft
    bucket = case(*[(col(model.created_at) >= bindparam(f"start{i}", type_=UTCDateTime()), i)
                    for i in range(months - 1, 0, -1)], else_=0) if months > 1 else literal(0)
    return select(bucket, func.count()).where(model.status != draft).group_by(bucket)


def _monthly(session: Session, tz: tzinfo) -> list[MonthRow]:
    """Postings per month in the platform's time zone, counted by the database: each posting
    falls in the latest month whose start it has reached (a CASE over the months' starts, the
    newest first, where most postings are)."""
    bounds = [session.exec(select(func.min(model.created_at), func.max(model.created_at))
                           .where(model.status != draft)).one()
              for model, draft in ((Need, NeedStatus.draft), (Offer, OfferStatus.draft))]
    seen = [moment for pair in bounds for moment in pair if moment is not None]
    if not seen:
        return []
    months = _month_starts(min(seen), max(seen), tz)

    starts = {f"start{i}": start for i, (_, start) in enumerate(months) if i}

    def per_month(model) -> Counter:
        return Counter({months[i][0]: n for i, n in session.exec(
            _count_by_month(model, len(months)), params=starts).all()})

    needs, offers = per_month(Need), per_month(Offer)
    return [MonthRow(month=m, needs=needs[m], offers=offers[m]) for m, _ in months]


def operations(session: Session, *, tz: tzinfo) -> Operations:
    """All operating figures of the platform, from its own records (months in ``tz``).

    Postings, matches and their events are counted by the database (GROUP BY): a page view
    must not read every posting or match, whose number grows with every posting."""
    posted = Need.status != NeedStatus.draft
    needs_posted = session.exec(select(func.count()).select_from(Need).where(posted)).one()
    # Each match's first approval event. A match counts as approved if its status is approved
    # or later, or if it was approved once and later rejected or withdrawn (still in the funnel):
    # the first from the status index, the second from the few events, never every match.
    first_event = (select(MatchEvent.match_id, func.min(MatchEvent.created_at).label("at"))
                   .where(MatchEvent.to_status == MatchStatus.approved)
                   .group_by(col(MatchEvent.match_id)).subquery())
    approved_now = col(Match.status).in_([s.value for s in APPROVED_OR_LATER])

    # Share of needs with an approved match, and days from posting to the first approval
    # (the approval event, or the decision time where no event was recorded).
    need_first: dict[int, tuple[datetime, datetime | None]] = {}  # need: (posted, first approval)
    for need_id, posted_at, when in [*session.exec(
            select(Match.need_id, Need.created_at, func.min(func.coalesce(first_event.c.at, Match.decided_at)))
            .join(Need, col(Need.id) == Match.need_id)
            .outerjoin(first_event, first_event.c.match_id == Match.id)
            .where(approved_now, posted).group_by(col(Match.need_id), col(Need.created_at))).all(), *session.exec(
            select(Match.need_id, Need.created_at, func.min(first_event.c.at))
            .join(Need, col(Need.id) == Match.need_id)
            .join(first_event, first_event.c.match_id == Match.id)
            .where(not_(approved_now), posted).group_by(col(Match.need_id), col(Need.created_at))).all()]:
        prior = need_first.get(need_id, (posted_at, None))[1]
        need_first[need_id] = (posted_at, when if prior is None else (min(prior, when) if when else prior))
    spans = [Decimal((when - posted_at).total_seconds()) / 86400
             for posted_at, when in need_first.values() if when is not None]
    # An approval before the posting existed is a data error (e.g. an imported history):
    # left out of the median and counted, so the page can say so.
    days = [d for d in spans if d >= 0]
    median = (Decimal(statistics.median(days)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
              if days else None)

    # Funnel by the need's category, and the engine's own proposals by outcome.
    funnel: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    engine_approved = engine_rejected = engine_pending = 0
    columns = (Need.category, Match.status, Match.source, func.count())
    groups = (col(Need.category), col(Match.status), col(Match.source))
    rows = [(row, False) for row in session.exec(
        select(*columns).select_from(Match).outerjoin(Need, col(Need.id) == Match.need_id)
        .group_by(*groups)).all()]
    rows += [(row, True) for row in session.exec(  # approved once, then rejected or withdrawn
        select(*columns).select_from(first_event).join(Match, col(Match.id) == first_event.c.match_id)
        .outerjoin(Need, col(Need.id) == Match.need_id).where(not_(approved_now)).group_by(*groups)).all()]
    for (category, status, source, n), reapproved in rows:
        row = funnel[category or "未分类"]
        if reapproved:  # counted by the first query already, under its present status
            row[1] += n
            if source == "engine":
                engine_approved += n
                engine_rejected -= n if status == MatchStatus.rejected.value else 0
                engine_pending -= n if status == MatchStatus.proposed.value else 0
            continue
        row[0] += n
        row[1] += n if status in APPROVED_OR_LATER else 0
        row[2] += n if status == MatchStatus.contracted.value else 0
        if source == "engine":
            if status in APPROVED_OR_LATER:
                engine_approved += n
            elif status == MatchStatus.rejected.value:
                engine_rejected += n
            elif status == MatchStatus.proposed.value:
                engine_pending += n

    # Contract amounts through the platform, by the need's category.
    amounts: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for amount_wan, need_id, category in session.exec(
            select(Contract.amount_wan, Need.id, Need.category).join(Match, col(Match.id) == Contract.match_id)
            .outerjoin(Need, col(Need.id) == Match.need_id)
            .where(Match.status == MatchStatus.contracted.value)).all():
        row = amounts[category if need_id is not None else "未分类"]
        row[0] += 1
        row[1] += Decimal(amount_wan)
    amount_rows = sorted(
        (AmountRow(category=c, contracts=n, amount_wan=a.quantize(Decimal("0.01"))) for c, (n, a) in amounts.items()),
        key=lambda r: (-r.amount_wan, r.category))

    return Operations(
        months=_monthly(session, tz),
        needs_posted=needs_posted,
        needs_with_approved=len(need_first),
        needs_with_approved_percent=percent(len(need_first), needs_posted),
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
