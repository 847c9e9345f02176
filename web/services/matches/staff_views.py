"""The match read model for staff (review queue, pipeline, portraits, exports, the staff API):
both organisations by name and the warnings (credit risk, related parties) to weigh. Every staff
page, answer and export that shows a match builds it here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, or_, select

from models import Match, Need, Offer, Organisation, RelatedParty
from web.services.errors import NotFound
from web.services.matches.reasons import shown_reason_terms, signals


@dataclass(frozen=True)
class Flag:
    code: str  # credit | conflict
    label: str


@dataclass
class StaffMatchView:
    """A match with both postings, both organisations and its warning flags."""

    match: Match
    need: Need
    offer: Offer
    enterprise: Organisation
    provider: Organisation
    flags: list[Flag] = field(default_factory=list)

    # Cached: a review card shows the terms three times (title, text, reasons).
    @cached_property
    def terms(self) -> list[str]:
        return shown_reason_terms(self.match, self.need, self.offer)

    @cached_property
    def signals(self) -> list[tuple[str, str, float]]:
        return signals(self.match)

    @property
    def age_days(self) -> int:
        return max(0, (datetime.now(UTC) - self.match.created_at).days)


def related_pairs(session: Session, org_ids: Iterable[int]) -> set[frozenset[int]]:
    """Unordered pairs of related parties (关联方) among ``org_ids``, either direction."""
    ids = set(org_ids)
    if not ids:
        return set()
    rows = session.exec(select(RelatedParty.org_id, RelatedParty.related_org_id).where(
        col(RelatedParty.org_id).in_(ids), col(RelatedParty.related_org_id).in_(ids))).all()
    return {frozenset((a, b)) for a, b in rows}


def _flags(enterprise: Organisation, provider: Organisation, related: set[frozenset[int]]) -> list[Flag]:
    flags = []
    if provider.credit_standing == "bad":
        flags.append(Flag("credit", "信用风险：服务机构信用状况为失信/异常"))
    if frozenset((enterprise.id, provider.id)) in related:
        flags.append(Flag("conflict", "利益冲突：供需双方为关联方"))
    return flags


# The two organisations of a match, as separate entities of one query.
ENTERPRISE = aliased(Organisation, name="ent_org")
PROVIDER = aliased(Organisation, name="prov_org")


def staff_select() -> Any:
    """select(Match, Need, Offer, enterprise, provider): filter and order it, then load_staff_views."""
    return (select(Match, Need, Offer, ENTERPRISE, PROVIDER)
            .join(Need, col(Need.id) == Match.need_id)
            .join(Offer, col(Offer.id) == Match.offer_id)
            .join(ENTERPRISE, ENTERPRISE.id == Need.org_id)
            .join(PROVIDER, PROVIDER.id == Offer.org_id))


def staff_count(*, joined: bool = True) -> Any:
    """select(count) over the same joins as :func:`staff_select`. Every match has its two
    postings and their organisations, so the joins never drop a row: without a condition on
    them (``joined=False``) the count reads the match index alone."""
    stmt = select(func.count()).select_from(Match)
    if not joined:
        return stmt
    return (stmt.join(Need, col(Need.id) == Match.need_id).join(Offer, col(Offer.id) == Match.offer_id)
            .join(ENTERPRISE, ENTERPRISE.id == Need.org_id).join(PROVIDER, PROVIDER.id == Offer.org_id))


def involving(org_id: int) -> Any:
    """The condition "either organisation of the match is ``org_id``" for :func:`staff_select`."""
    return or_(ENTERPRISE.id == org_id, PROVIDER.id == org_id)


def either_name_like(text: str) -> Any:
    """The condition "either organisation's name contains ``text``" for :func:`staff_select`."""
    like = f"%{text.strip()}%"
    return or_(col(ENTERPRISE.name).ilike(like), col(PROVIDER.name).ilike(like))


def staff_views_from_rows(session: Session, rows: Sequence[Any]) -> list[StaffMatchView]:
    related = related_pairs(session, {r[3].id for r in rows} | {r[4].id for r in rows})
    return [StaffMatchView(m, n, o, e, p, _flags(e, p, related)) for m, n, o, e, p in rows]


def load_staff_views(session: Session, stmt: Any) -> list[StaffMatchView]:
    """Run a :func:`staff_select` statement and build its views (with flags)."""
    return staff_views_from_rows(session, session.exec(stmt).all())


def staff_view(session: Session, match_id: int) -> StaffMatchView:
    """One match as staff see it; NotFound if missing."""
    views = load_staff_views(session, staff_select().where(Match.id == match_id))
    if not views:
        raise NotFound("未找到该匹配")
    return views[0]
