"""The push (推送): storing the proposals a posting's match yields.

Background matching (:mod:`web.services.matching.background`) matches each written
posting against the open postings of the other side; pairs at or above the threshold
become ``proposed`` matches here and the other side's organisation is told once per pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from matcher import Match as EngineMatch
from matcher import Posting, tokenizer_version
from models import Match, MatchEvent
from models.match import ENGINE_OWNED, MatchStatus
from web.services import notifications
from web.services.matching import feed
from web.services.matching.index import IndexHolder, MatchPolicy, stamp_tokens
from web.services.notifications import Target
from web.services.postings.side import NEED, OFFER, SIDES, Side


def reasons_of(m: EngineMatch) -> dict[str, Any]:
    """The reasons JSON stored on a Match row."""
    return {"terms": [[t, round(float(c), 4)] for t, c in m.terms],
            "signals": [[code, label, round(float(d), 4)] for code, label, d in m.signals]}


def _event(session: Session, match: Match, to: MatchStatus, note: str, actor_id: int | None) -> None:
    session.add(MatchEvent(match_id=match.id or 0, actor_id=actor_id, from_status=match.status,
                           to_status=to, note=note))
    match.status = to
    match.updated_at = datetime.now(UTC)
    session.add(match)


RECOMMEND_BODY = "平台根据内容相似度、服务类别与信用等为您推荐，对方资料在服务专员审核通过前匿名显示。"


@dataclass(frozen=True)
class _Pair:
    match_id: int
    own_title: str  # the told organisation's posting
    other_title: str  # the posting it was matched with
    other_id: int


@dataclass
class Announcements:
    """New proposals of one event (a posting, or a whole rematch), by the organisation to tell.

    ``send`` writes one message per organisation, so one event never floods an inbox."""

    by_org: dict[tuple[str, int], list[_Pair]] = field(default_factory=dict)

    def add(self, told: Side, *, org_id: int, match_id: int, own_title: str, other_title: str,
            other_id: int) -> None:
        """Tell the organisation owning the ``told`` side's posting of a new pair."""
        self.by_org.setdefault((told.name, org_id), []).append(_Pair(match_id, own_title, other_title, other_id))

    def send(self, session: Session) -> int:
        """Write the messages (flushes only); returns how many organisations were told."""
        for (side_name, org_id), pairs in self.by_org.items():
            mine, theirs = SIDES[side_name].label, SIDES[side_name].other.label
            first = pairs[0]
            one = f"新{theirs}「{first.other_title}」与您的{mine}「{first.own_title}」匹配"
            if len({p.other_id for p in pairs}) == 1:  # one new posting fits several of ours
                labels = [p.own_title for p in pairs]
                many = f"新{theirs}「{first.other_title}」与您的 {{n}} 项{mine}匹配"
                many_target = Target.match_list(q=first.other_title)
            else:
                labels = [p.other_title for p in pairs]
                many, many_target = f"平台为您新推荐了 {{n}} 条{theirs}", Target.match_list()
            items = [notifications.Grouped(p.match_id, f"「{label}」")
                     for p, label in zip(pairs, labels, strict=True)]
            notifications.notify_grouped(session, org_id=org_id, kind="recommendation", items=items,
                                         one_title=one, many_title=many, many_target=many_target,
                                         body=RECOMMEND_BODY)
        sent = len(self.by_org)
        self.by_org.clear()
        return sent


def store_proposals(
    session: Session, side: Side, *, posting_id: int, found: Iterable[EngineMatch],
    threshold: float, actor_id: int | None = None, refresh: bool = True, notify_both: bool = False,
    revived_note: str = "内容更新后重新推荐", announcements: Announcements | None = None,
) -> int:
    """Turn engine matches of one posting into proposed Match rows; returns new proposals.

    With ``refresh``, engine-owned proposals of this posting that no longer reach the
    threshold are withdrawn. The other side hears of each new pair, once, when it is first
    proposed; with ``notify_both`` (a batch rematch, where nobody is looking at the page)
    the posting's own organisation does too. What one posting causes goes out as one
    message per organisation; a batch passes its own ``announcements`` and sends them once
    at the end. Flushes only.
    """
    other = side.other
    own = session.get(side.model, posting_id)
    outbox = announcements if announcements is not None else Announcements()
    kept = {other.posting_id(getattr(m, f"{other.name}_id")): m for m in found if m.score >= threshold}
    existing = {other.own_posting_id(m): m
                for m in session.exec(select(Match).where(side.match_column() == posting_id)).all()}
    others = {i: (o, t) for i, o, t in session.exec(
        select(other.model.id, other.model.org_id, other.model.title)
        .where(col(other.model.id).in_(list(kept)))).all()
    } if kept else {}
    created = 0
    now = datetime.now(UTC)
    new_rows: list[tuple[int, Match]] = []
    for other_id, m in kept.items():
        row = existing.get(other_id)
        if other_id not in others:
            continue
        if row is None:
            ids = {side.match_key: posting_id, other.match_key: other_id,
                   f"{side.name}_org_id": own.org_id, f"{other.name}_org_id": others[other_id][0]}
            row = Match(**ids, score=_clip(m.score), text_score=_clip(m.text_score),
                        reasons=reasons_of(m), status=MatchStatus.proposed, updated_at=now)
            session.add(row)
            new_rows.append((other_id, row))
        elif row.status in ENGINE_OWNED:
            row.score, row.text_score, row.reasons = _clip(m.score), _clip(m.text_score), reasons_of(m)
            row.updated_at = now
            session.add(row)
            if row.status == MatchStatus.withdrawn:
                _event(session, row, MatchStatus.proposed, revived_note, actor_id)
                created += 1
    # One flush for all new pairs (a multi-row INSERT), not one per pair: this runs in
    # background matching's write transaction, which holds SQLite's only write lock.
    session.flush()
    for other_id, row in new_rows:
        assert own is not None and row.id is not None
        session.add(MatchEvent(match_id=row.id, actor_id=actor_id, from_status=None,
                               to_status=MatchStatus.proposed, note="系统自动推荐"))
        created += 1
        # A pair is announced once, when it is first proposed.
        org_id, title = others[other_id]
        outbox.add(other, org_id=org_id, match_id=row.id, own_title=title, other_title=own.title,
                   other_id=posting_id)
        if notify_both:
            outbox.add(side, org_id=own.org_id, match_id=row.id, own_title=own.title, other_title=title,
                       other_id=other_id)
    if refresh:
        for other_id, row in existing.items():
            if other_id not in kept and row.status == MatchStatus.proposed and row.source == "engine":
                _event(session, row, MatchStatus.withdrawn, "内容修改后不再达到推荐阈值", actor_id)
    if announcements is None:
        outbox.send(session)
    session.flush()
    return created


def _clip(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


def withdraw_proposals(session: Session, holder: IndexHolder | None, side: Side, *,
                       posting_id: int, actor_id: int | None, note: str) -> int:
    """A posting was closed: remove it from the index and withdraw its open proposals."""
    if holder is not None:
        holder.put(side, Posting(id=side.key(posting_id), is_open=False, tokens=()))
    rows = session.exec(select(Match).where(side.match_column() == posting_id,
                                            Match.status == MatchStatus.proposed)).all()
    for row in rows:
        _event(session, row, MatchStatus.withdrawn, note, actor_id)
    session.flush()
    return len(rows)


def rebuild_proposals(session: Session, *, policy: MatchPolicy | None = None) -> int:
    """Fit on all open postings and propose for every open need; returns new proposals.

    First segments again the tokens that are missing (rows written by a script) or were
    made by another tokenizer version, so the fit never mixes two segmentations. Commits.
    """
    policy = policy or MatchPolicy()
    current = tokenizer_version()
    for side in (NEED, OFFER):
        Model = side.model
        stale = select(Model).where((Model.tokens == "") | (Model.tokens_version != current))
        for row in session.exec(stale).all():
            stamp_tokens(row)
            row.updated_at = datetime.now(UTC)
            session.add(row)
            session.flush()
            # Running workers' indexes pick the tokens up; the rematch below proposes.
            feed.record(session, side=side.name, posting_id=row.id, kind="tokens")
    session.flush()
    holder = IndexHolder.from_session(session)
    created = 0
    outbox = Announcements()  # the whole rematch is one event: one message per organisation
    for need_key, found in holder.index.rematch(top=policy.top):
        created += store_proposals(session, NEED, posting_id=NEED.posting_id(need_key), found=found,
                                   threshold=policy.threshold, refresh=False, notify_both=True,
                                   announcements=outbox)
    outbox.send(session)
    session.commit()
    return created
