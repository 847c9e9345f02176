"""The push (推送): the in-memory match index of this worker and the proposals it stores.

Each worker keeps one :class:`IndexHolder`, loaded at startup from the tokens stored
with every posting (segmented once, at write time). A write to a need or offer adds
it to the index incrementally and matches it at once against the open postings of
the other side; pairs at or above the threshold become ``proposed`` matches and the
other side's organisation is told once per pair. The vocabulary is never refitted on
a request: a small index is refitted inline (it costs a few milliseconds), a large one
in a background thread that swaps the new index in when it is ready.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from matcher import Match as EngineMatch
from matcher import MatchIndex, Posting, tokenize
from models import Match, MatchEvent, Need, Offer, Organisation
from models.db import read_engine
from web.services import notifications
from web.settings import Settings

log = logging.getLogger(__name__)

_DEFAULTS = Settings.model_fields
DEFAULT_THRESHOLD: float = _DEFAULTS["match_threshold"].default
DEFAULT_TOP: int = _DEFAULTS["match_top_k"].default
# Below this many postings a refit costs milliseconds: do it inline so new words count.
SMALL_INDEX = 3000
# Statuses an engine refresh may touch; anything later belongs to staff and the parties.
ENGINE_OWNED = frozenset({"proposed", "withdrawn"})
# How many candidates a refresh looks at before deciding which proposals still hold.
REFRESH_POOL = 50


def need_key(need_id: int) -> str:
    return f"n{need_id}"


def offer_key(offer_id: int) -> str:
    return f"o{offer_id}"


def join_tokens(title: str, description: str) -> str:
    """Segment a posting once; the stored form is space-separated tokens."""
    return " ".join(tokenize(f"{title}\n{description}"))


def _posting(key: str, tokens: str, category: str | None, region: str | None,
             credit: str | None = None, is_open: bool = True) -> Posting:
    return Posting(id=key, category=category, region=region, credit=credit, is_open=is_open,
                   tokens=tuple(tokens.split()))


def need_posting(need: Need, org: Organisation) -> Posting:
    return _posting(need_key(need.id or 0), need.tokens, need.category, org.region,
                    is_open=need.status == "open")


def offer_posting(offer: Offer, org: Organisation) -> Posting:
    return _posting(offer_key(offer.id or 0), offer.tokens, offer.category, org.region,
                    credit=org.credit_standing, is_open=offer.status == "open")


@dataclass
class IndexHolder:
    """This worker's match index, with a lock and the watermarks of what it has seen."""

    index: MatchIndex
    engine: Engine | None = None
    need_mark: int = 0
    offer_mark: int = 0
    changes: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)
    _log: list[tuple[str, Any]] | None = None
    _refitting: bool = False
    _stale: bool = False

    # ------------------------------------------------------------ loading
    @classmethod
    def load(cls, engine: Engine) -> IndexHolder:
        """Build the index from the open postings' stored tokens (startup)."""
        with Session(read_engine(engine)) as session:
            holder = cls.from_session(session)
        holder.engine = engine
        return holder

    @classmethod
    def from_session(cls, session: Session) -> IndexHolder:
        needs, need_mark = _load_needs(session, after=0)
        offers, offer_mark = _load_offers(session, after=0)
        index = _fit([p for p in needs if p.is_open], [p for p in offers if p.is_open])
        return cls(index=index, need_mark=need_mark, offer_mark=offer_mark)

    def size(self) -> int:
        return len(self.index.needs_) + len(self.index.offers_)

    # ------------------------------------------------------------ changes
    def sync(self, session: Session) -> None:
        """Pick up postings written by other workers (or scripts) since we last looked."""
        needs, need_mark = _load_needs(session, after=self.need_mark)
        offers, offer_mark = _load_offers(session, after=self.offer_mark)
        if not needs and not offers:
            return
        with self.lock:
            for p in needs:
                self._apply("need", p)
            for p in offers:
                self._apply("offer", p)
            self.need_mark = max(self.need_mark, need_mark)
            self.offer_mark = max(self.offer_mark, offer_mark)
            self._after_change()

    def put(self, side: str, posting: Posting) -> None:
        """Add or replace one posting (closed ones are removed)."""
        with self.lock:
            self._apply(side, posting)
            number = int(posting.id[1:])
            if side == "need":
                self.need_mark = max(self.need_mark, number)
            else:
                self.offer_mark = max(self.offer_mark, number)
            self._after_change()

    def _apply(self, side: str, p: Posting) -> None:
        if self._log is not None:
            self._log.append((side, p))
        if p.is_open and p.tokens:
            vocab = self.index.vectorizer_.vocabulary_
            unknown = sum(1 for t in set(p.tokens) if t not in vocab)
            # Words the vocabulary has never seen count for nothing until a refit.
            self._stale = self._stale or unknown > 0.2 * len(set(p.tokens))
        if not p.is_open:
            self.index.remove(p.id)
        elif side == "need":
            self.index.add_need(p)
        else:
            self.index.add_offer(p)
        self.changes += 1

    def _after_change(self) -> None:
        if self._stale and self.size() < SMALL_INDEX:
            self._refit_inline()
        elif self.changes > max(500, self.size() // 10) and not self._refitting:
            # A large index takes new words in batches: refitting costs seconds of CPU.
            self._start_background_refit()

    def _refit_inline(self) -> None:
        needs = list(self.index.needs_.postings.values())
        offers = list(self.index.offers_.postings.values())
        self.index = _fit(needs, offers)
        self.changes, self._stale = 0, False

    def _start_background_refit(self) -> None:
        log.info("background refit of %d postings started", self.size())
        needs = list(self.index.needs_.postings.values())
        offers = list(self.index.offers_.postings.values())
        self._log = []
        self._refitting, self._stale = True, False

        def work() -> None:
            try:
                fresh = _fit(needs, offers)
                with self.lock:
                    for side, p in self._log or []:  # replay what arrived meanwhile
                        if not p.is_open:
                            fresh.remove(p.id)
                        elif side == "need":
                            fresh.add_need(p)
                        else:
                            fresh.add_offer(p)
                    self.index, self.changes = fresh, 0
            except Exception:  # noqa: BLE001  (a failed refit keeps the old index working)
                log.exception("background refit failed")
            finally:
                with self.lock:
                    self._log, self._refitting = None, False

        threading.Thread(target=work, name="zhengqi-refit", daemon=True).start()

    # ------------------------------------------------------------ queries
    def match(self, side: str, posting: Posting, top: int) -> list[EngineMatch]:
        with self.lock:
            if side == "need":
                return self.index.match_need(posting, top=top)
            return self.index.match_offer(posting, top=top)


# The engine cannot fit an empty corpus; a closed placeholder (never returned) stands in.
_PLACEHOLDER = Posting(id="n0", is_open=False, tokens=("\x00",))


def _fit(needs: list[Posting], offers: list[Posting]) -> MatchIndex:
    needs = [p for p in needs if p.id != _PLACEHOLDER.id]
    if not needs and not offers:
        needs = [_PLACEHOLDER]
    return MatchIndex().fit(needs, offers)


def _load_needs(session: Session, *, after: int) -> tuple[list[Posting], int]:
    stmt = (select(Need.id, Need.tokens, Need.category, Need.status, Organisation.region)
            .join(Organisation, col(Organisation.id) == Need.org_id)
            .where(col(Need.id) > after, Need.status == "open").order_by(col(Need.id)))
    rows = session.exec(stmt).all()
    mark = max((r[0] for r in rows), default=after)
    return [_posting(need_key(i), t, c, r, is_open=s == "open") for i, t, c, s, r in rows], mark


def _load_offers(session: Session, *, after: int) -> tuple[list[Posting], int]:
    stmt = (select(Offer.id, Offer.tokens, Offer.category, Offer.status, Organisation.region,
                   Organisation.credit_standing)
            .join(Organisation, col(Organisation.id) == Offer.org_id)
            .where(col(Offer.id) > after, Offer.status == "open").order_by(col(Offer.id)))
    rows = session.exec(stmt).all()
    mark = max((r[0] for r in rows), default=after)
    return [_posting(offer_key(i), t, c, r, credit=cr, is_open=s == "open")
            for i, t, c, s, r, cr in rows], mark


# ---------------------------------------------------------------- proposals
def reasons_of(m: EngineMatch) -> dict[str, Any]:
    """The reasons JSON stored on a Match row."""
    return {"terms": [[t, round(float(c), 4)] for t, c in m.terms],
            "signals": [[code, label, round(float(d), 4)] for code, label, d in m.signals]}


def _event(session: Session, match: Match, to: str, note: str, actor_id: int | None) -> None:
    session.add(MatchEvent(match_id=match.id or 0, actor_id=actor_id, from_status=match.status,
                           to_status=to, note=note))
    match.status = to
    match.updated_at = datetime.now(UTC)
    session.add(match)


def _notify_new(session: Session, match: Match, *, side: str, other_org_id: int,
                other_title: str) -> None:
    if side == "need":  # a need was posted: tell the provider about a fitting need
        title = f"您的服务「{other_title}」有新的匹配需求"
        link = f"/provider/offers/{match.offer_id}"
    else:
        title = f"您的需求「{other_title}」有新的推荐服务"
        link = f"/enterprise/needs/{match.need_id}"
    notifications.notify(
        session, org_id=other_org_id, kind="recommendation", title=title,
        body="平台根据内容相似度、服务类别与信用等为您推荐，对方资料在服务专员审核通过前匿名显示。",
        link=link, match_id=match.id, dedupe_key=f"recommend:need:{match.need_id}:offer:{match.offer_id}",
    )


def store_proposals(
    session: Session, *, side: str, posting_id: int, found: Iterable[EngineMatch],
    threshold: float, actor_id: int | None = None, refresh: bool = True, notify_both: bool = False,
) -> int:
    """Turn engine matches of one posting into proposed Match rows; returns new proposals.

    With ``refresh``, engine-owned proposals of this posting that no longer reach the
    threshold are withdrawn. The other side is always notified; with ``notify_both``
    (a batch rematch, where nobody is looking at the page) the posting's own
    organisation is told too. Flushes only.
    """
    Own = Need if side == "need" else Offer
    own = session.get(Own, posting_id) if notify_both else None
    kept = {int((m.offer_id if side == "need" else m.need_id)[1:]): m
            for m in found if m.score >= threshold}
    own_col = Match.need_id if side == "need" else Match.offer_id
    other_attr = "offer_id" if side == "need" else "need_id"
    existing = {getattr(m, other_attr): m
                for m in session.exec(select(Match).where(own_col == posting_id)).all()}
    Other = Offer if side == "need" else Need
    others = {i: (o, t) for i, o, t in session.exec(
        select(Other.id, Other.org_id, Other.title).where(col(Other.id).in_(list(kept)))).all()
    } if kept else {}
    created = 0
    now = datetime.now(UTC)
    for other_id, m in kept.items():
        row = existing.get(other_id)
        if other_id not in others:
            continue
        if row is None:
            ids = {"need_id": posting_id, "offer_id": other_id} if side == "need" else \
                  {"need_id": other_id, "offer_id": posting_id}
            row = Match(**ids, score=_clip(m.score), text_score=_clip(m.text_score),
                        reasons=reasons_of(m), status="proposed", updated_at=now)
            session.add(row)
            session.flush()
            session.add(MatchEvent(match_id=row.id or 0, actor_id=actor_id, from_status=None,
                                   to_status="proposed", note="系统自动推荐"))
            created += 1
        elif row.status in ENGINE_OWNED:
            row.score, row.text_score, row.reasons = _clip(m.score), _clip(m.text_score), reasons_of(m)
            row.updated_at = now
            session.add(row)
            if row.status == "withdrawn":
                _event(session, row, "proposed", "内容更新后重新推荐", actor_id)
                created += 1
        else:
            continue
        org_id, title = others[other_id]
        _notify_new(session, row, side=side, other_org_id=org_id, other_title=title)
        if own is not None:
            mirror = "offer" if side == "need" else "need"
            _notify_new(session, row, side=mirror, other_org_id=own.org_id, other_title=own.title)
    if refresh:
        for other_id, row in existing.items():
            if other_id not in kept and row.status == "proposed" and row.source == "engine":
                _event(session, row, "withdrawn", "内容修改后不再达到推荐阈值", actor_id)
    session.flush()
    return created


def _clip(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


def propose(
    session: Session, holder: IndexHolder, *, side: str, posting: Posting, posting_id: int,
    threshold: float = DEFAULT_THRESHOLD, top: int = DEFAULT_TOP, actor_id: int | None = None,
) -> int:
    """Put a posting into the index, match it at once, store and push proposals (flushes)."""
    holder.sync(session)
    holder.put(side, posting)
    if not posting.is_open:
        return 0
    found = holder.match(side, posting, max(top, 1))
    return store_proposals(session, side=side, posting_id=posting_id, found=found[:top],
                           threshold=threshold, actor_id=actor_id)


def withdraw_proposals(session: Session, holder: IndexHolder | None, *, side: str,
                       posting_id: int, actor_id: int | None, note: str) -> int:
    """A posting was closed: remove it from the index and withdraw its open proposals."""
    if holder is not None:
        holder.put(side, Posting(id=need_key(posting_id) if side == "need" else offer_key(posting_id),
                                 is_open=False, tokens=()))
    own_col = Match.need_id if side == "need" else Match.offer_id
    rows = session.exec(select(Match).where(own_col == posting_id, Match.status == "proposed")).all()
    for row in rows:
        _event(session, row, "withdrawn", note, actor_id)
    session.flush()
    return len(rows)


def rebuild_proposals(session: Session, *, threshold: float = DEFAULT_THRESHOLD,
                      top: int = DEFAULT_TOP) -> int:
    """Fit on all open postings and propose for every open need; returns new proposals.

    Fills in tokens that were never stored (e.g. rows written by a script). Commits.
    """
    for Model in (Need, Offer):
        for row in session.exec(select(Model).where(Model.tokens == "")).all():
            row.tokens = join_tokens(row.title, row.description)
            session.add(row)
    session.flush()
    holder = IndexHolder.from_session(session)
    created = 0
    for need_id, found in holder.index.rematch(top=top):
        created += store_proposals(session, side="need", posting_id=int(need_id[1:]), found=found,
                                   threshold=threshold, refresh=False, notify_both=True)
    session.commit()
    return created

