"""This worker's in-memory match index (:class:`IndexHolder`) and how it stays fresh.

Each worker loads one holder at startup from the tokens stored with every posting
(segmented once, at write time). Its own writes go in through :meth:`IndexHolder.put`;
postings written, edited or closed by other workers (or scripts) come in through
:meth:`IndexHolder.sync`, which looks for ids above its id watermarks and for rows whose
``updated_at`` is newer than its change watermark. The vocabulary is never refitted on
a request: a small index is refitted inline (it costs a few milliseconds), a large one
in a background thread that swaps the new index in when it is ready.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from matcher import Match as EngineMatch
from matcher import MatchIndex, Posting, tokenize, tokenizer_version
from models import Need, Offer, Organisation
from models.db import read_engine
from web.services.postings.side import NEED, OFFER, Side

log = logging.getLogger(__name__)

# Below this many postings a refit costs milliseconds: do it inline so new words count.
SMALL_INDEX = 3000
# updated_at comes from the writing worker's clock and a transaction commits a little
# after it stamps the row, so each sync looks back this far past its watermark; rows
# already applied at the same timestamp are skipped.
SYNC_OVERLAP = timedelta(seconds=10)


@dataclass(frozen=True)
class MatchPolicy:
    """The platform's match settings: proposals at or above ``threshold`` enter the staff
    queue; at most ``top`` per posting. The app builds it from its Settings."""

    threshold: float = 0.15
    top: int = 10


def need_key(need_id: int) -> str:
    return NEED.key(need_id)


def offer_key(offer_id: int) -> str:
    return OFFER.key(offer_id)


def join_tokens(title: str, description: str) -> str:
    """Segment a posting once; the stored form is space-separated tokens."""
    return " ".join(tokenize(f"{title}\n{description}"))


def stamp_tokens(row: Need | Offer) -> None:
    """Segment a posting's text into its stored tokens, and record which segmentation made them."""
    row.tokens = join_tokens(row.title, row.description)
    row.tokens_version = tokenizer_version()


def _posting(key: str, tokens: str, category: str | None, region: str | None,
             credit: str | None = None, is_open: bool = True) -> Posting:
    return Posting(id=key, category=category, region=region, credit=credit, is_open=is_open,
                   tokens=tuple(tokens.split()))


def engine_posting(side: Side, row: Need | Offer, org: Organisation) -> Posting:
    """A posting as the engine sees it (drafts and closed ones are not open); an offer
    carries its provider's credit standing."""
    credit = org.credit_standing if side is OFFER else None
    return _posting(side.key(row.id or 0), row.tokens, row.category, org.region, credit=credit,
                    is_open=row.status == "open")


@dataclass
class IndexHolder:
    """This worker's match index, with a lock and the watermarks of what it has seen."""

    index: MatchIndex
    engine: Engine | None = None
    policy: MatchPolicy = field(default_factory=MatchPolicy)
    need_mark: int = 0
    offer_mark: int = 0
    changed_mark: datetime | None = None  # newest updated_at applied
    changes: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)
    reranker: Any = None  # a reranking.ProposalReranker once the app has started
    _seen: dict[str, datetime] = field(default_factory=dict)  # key -> updated_at, near the mark
    _log: list[tuple[Side, Posting]] | None = None
    _refitting: bool = False
    _stale: bool = False

    # ------------------------------------------------------------ loading
    @classmethod
    def load(cls, engine: Engine, *, policy: MatchPolicy | None = None) -> IndexHolder:
        """Build the index from the open postings' stored tokens (startup)."""
        with Session(read_engine(engine)) as session:
            holder = cls.from_session(session)
        holder.engine = engine
        holder.policy = policy or MatchPolicy()
        return holder

    @classmethod
    def from_session(cls, session: Session) -> IndexHolder:
        """Build the index from what ``session`` sees now."""
        # The change watermark is read first: an edit landing during the load is
        # applied again by the next sync rather than missed.
        changed_mark = _latest_change(session)
        needs, need_mark = _load_needs(session, after=0)
        offers, offer_mark = _load_offers(session, after=0)
        index = MatchIndex().fit([p for p in needs if p.is_open], [p for p in offers if p.is_open])
        return cls(index=index, need_mark=need_mark, offer_mark=offer_mark, changed_mark=changed_mark)

    def size(self) -> int:
        return len(self.index.needs_) + len(self.index.offers_)

    # ------------------------------------------------------------ changes
    def sync(self, session: Session) -> None:
        """Pick up postings posted, edited, closed or reopened elsewhere since we last looked."""
        needs, need_mark = _load_needs(session, after=self.need_mark)
        offers, offer_mark = _load_offers(session, after=self.offer_mark)
        since = self.changed_mark - SYNC_OVERLAP if self.changed_mark is not None else None
        changed = [(side, p, at) for side, p, at in _load_changed(session, since=since)
                   if self._seen.get(p.id) != at]
        if not needs and not offers and not changed:
            return
        with self.lock:
            for p in needs:
                self._apply(NEED, p)
            for p in offers:
                self._apply(OFFER, p)
            for side, p, at in changed:
                self._apply(side, p)
                self._seen[p.id] = at
                self.changed_mark = at if self.changed_mark is None else max(self.changed_mark, at)
            self.need_mark = max(self.need_mark, need_mark)
            self.offer_mark = max(self.offer_mark, offer_mark)
            if self.changed_mark is not None:
                horizon = self.changed_mark - SYNC_OVERLAP
                self._seen = {k: at for k, at in self._seen.items() if at >= horizon}
            self._after_change()

    def put(self, side: Side, posting: Posting) -> None:
        """Add or replace one posting (closed ones and drafts are removed)."""
        with self.lock:
            self._apply(side, posting)
            number = side.posting_id(posting.id)
            if side is NEED:
                self.need_mark = max(self.need_mark, number)
            else:
                self.offer_mark = max(self.offer_mark, number)
            self._after_change()

    def replace_index(self, fresh: IndexHolder) -> None:
        """Take over another holder's index and watermarks (a full reload from the database)."""
        with self.lock:
            self.index, self.changes, self._stale = fresh.index, 0, False
            self.need_mark, self.offer_mark = fresh.need_mark, fresh.offer_mark
            self.changed_mark, self._seen = fresh.changed_mark, {}

    def _apply(self, side: Side, p: Posting) -> None:
        if self._log is not None:
            self._log.append((side, p))
        if p.is_open and p.tokens:
            vocab = self.index.vectorizer_.vocabulary_
            unknown = sum(1 for t in set(p.tokens) if t not in vocab)
            # Words the vocabulary has never seen count for nothing until a refit.
            self._stale = self._stale or unknown > 0.2 * len(set(p.tokens))
        _place(self.index, side, p)
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
        self.index = MatchIndex().fit(needs, offers)
        self.changes, self._stale = 0, False

    def _start_background_refit(self) -> None:
        log.info("background refit of %d postings started", self.size())
        needs = list(self.index.needs_.postings.values())
        offers = list(self.index.offers_.postings.values())
        self._log = []
        self._refitting, self._stale = True, False

        def work() -> None:
            try:
                fresh = MatchIndex().fit(needs, offers)
                with self.lock:
                    for side, p in self._log or []:  # replay what arrived meanwhile
                        _place(fresh, side, p)
                    self.index, self.changes = fresh, 0
            except Exception:  # noqa: BLE001  (a failed refit keeps the old index working)
                log.exception("background refit failed")
            finally:
                with self.lock:
                    self._log, self._refitting = None, False

        threading.Thread(target=work, name="zhengqi-refit", daemon=True).start()

    # ------------------------------------------------------------ queries
    def match(self, side: Side, posting: Posting, top: int) -> list[EngineMatch]:
        """Rank the other side's open postings for ``posting``."""
        with self.lock:
            if side is NEED:
                return self.index.match_need(posting, top=top)
            return self.index.match_offer(posting, top=top)


def _place(index: MatchIndex, side: Side, p: Posting) -> None:
    """Put one posting into ``index``, or take it out if it is no longer open."""
    if not p.is_open:
        index.remove(p.id)
    elif side is NEED:
        index.add_need(p)
    else:
        index.add_offer(p)


def _need_columns():  # type: ignore[no-untyped-def]
    return (select(Need.id, Need.tokens, Need.category, Need.status, Organisation.region)
            .join(Organisation, col(Organisation.id) == Need.org_id))


def _offer_columns():  # type: ignore[no-untyped-def]
    return (select(Offer.id, Offer.tokens, Offer.category, Offer.status, Organisation.region,
                   Organisation.credit_standing)
            .join(Organisation, col(Organisation.id) == Offer.org_id))


def _need_row(i: int, t: str, c: str, s: str, r: str | None) -> Posting:
    return _posting(need_key(i), t, c, r, is_open=s == "open")


def _offer_row(i: int, t: str, c: str, s: str, r: str | None, cr: str | None) -> Posting:
    return _posting(offer_key(i), t, c, r, credit=cr, is_open=s == "open")


def _load_needs(session: Session, *, after: int) -> tuple[list[Posting], int]:
    stmt = _need_columns().where(col(Need.id) > after, Need.status == "open").order_by(col(Need.id))
    rows = session.exec(stmt).all()
    mark = max((r[0] for r in rows), default=after)
    return [_need_row(*r) for r in rows], mark


def _load_offers(session: Session, *, after: int) -> tuple[list[Posting], int]:
    stmt = _offer_columns().where(col(Offer.id) > after, Offer.status == "open").order_by(col(Offer.id))
    rows = session.exec(stmt).all()
    mark = max((r[0] for r in rows), default=after)
    return [_offer_row(*r) for r in rows], mark


def _load_changed(session: Session, *, since: datetime | None) -> list[tuple[Side, Posting, datetime]]:
    """Postings of any status whose updated_at is at or after ``since`` (all if None)."""
    out: list[tuple[Side, Posting, datetime]] = []
    for side, Model, base, make in ((NEED, Need, _need_columns(), _need_row),
                                    (OFFER, Offer, _offer_columns(), _offer_row)):
        stamp = col(Model.updated_at)
        cond = stamp.is_not(None) if since is None else stamp >= since
        stmt = base.add_columns(stamp).where(cond).order_by(stamp)
        out += [(side, make(*r[:-1]), r[-1]) for r in session.exec(stmt).all()]
    return out


def _latest_change(session: Session) -> datetime | None:
    marks = [session.exec(select(func.max(Model.updated_at))).one() for Model in (Need, Offer)]
    present = [m for m in marks if m is not None]
    return max(present) if present else None
