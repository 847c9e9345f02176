"""Matching after the write: postings are acknowledged once stored, matched within seconds.

A write stores the posting and appends a feed change in one transaction
(:mod:`web.services.matching.feed`). :func:`match_pending` then takes the changes
after the ``matching`` cursor, matches each posting that is still open, stores its
proposals, notifies both sides and moves the cursor, all in one transaction: if the
process dies half-way, nothing is committed and the next run does the same changes
again. Two workers may compute the same batch; only the one that moves the cursor
from where both found it commits, the other drops its work. To keep that rare, a worker's
thread leaves a batch to the worker that wrote its first change for a grace period
(:mod:`web.services.matching.ownership`).

:class:`Follower` is each worker's thread: woken by PostgreSQL's NOTIFY (or polling on
SQLite, or this worker's own writes) it maps a newer index version when the refit job
wrote one, applies the feed to the worker's index, matches pending changes, and asks
for a refit when the index has drifted from its vocabulary.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from matcher import Match as EngineMatch
from models import Need, Offer, Organisation
from models.db import read_engine
from web.services import notifications
from web.services.matching import feed, index_files
from web.services.matching.index import IndexHolder, engine_posting
from web.services.notifications import Target
from web.services.postings.side import NEED, OFFER, Side

log = logging.getLogger(__name__)

BATCH = 8  # changes per transaction: short write locks (SQLite has one writer at a time)
# Below this many postings a refit costs milliseconds: done before matching, so that
# new words count at once. A larger index is refitted after the round's matching.
SMALL_INDEX = 3000
REVIVED_NOTES = {"edit": "内容更新后重新推荐", "publish": "草稿发布后推荐"}


def match_pending(engine: Engine, holder: IndexHolder, *, defer: bool = False) -> int:
    """Match one batch of pending changes; returns how many changes this call consumed.

    ``defer`` (a worker's background thread): a batch another worker wrote first is left to
    it for a grace period (:mod:`web.services.matching.ownership`), and 0 is returned."""
    from web.services.matching.proposals import store_proposals

    policy = holder.policy
    with Session(read_engine(engine)) as session:
        done = feed.cursor(session)
        changes = feed.changes_after(session, done, limit=BATCH)
        if not changes:
            return 0
        # Left to its writer only while matching keeps up (no more than one batch waiting): when
        # changes pile up, both workers go at once and the faster one's work is kept.
        if defer and len(changes) < BATCH and holder.ownership.leave_to_writer(changes[0].seq, time.monotonic()):
            return 0
        holder.sync(session)
        latest = {(c.side, c.posting_id): c for c in changes}  # one match per posting
        found: list[tuple[feed.Change, list[EngineMatch]]] = []
        for change in latest.values():
            posting = _open_posting(session, change)
            if posting is not None:
                found.append((change, holder.match(_side(change), posting, max(policy.top, 1))))
    with Session(engine) as session:
        try:
            if not feed.advance(session, expected=done, to=changes[-1].seq):
                session.rollback()
                return 0
            for change, matches in found:
                side = _side(change)
                # Locked, so a close committing meanwhile waits for us (or we see it).
                row = session.get(side.model, change.posting_id, with_for_update=feed.is_postgres(session))
                if row is None or row.status != side.statuses.open:
                    continue
                created = store_proposals(
                    session, side, posting_id=change.posting_id, found=matches[: policy.top],
                    threshold=policy.threshold, actor_id=None, revived_note=_revived_note(change))
                _tell_owner(session, row, change, created)
                if holder.reranker is not None:  # the active ranking model re-ranks after the commit
                    holder.reranker.schedule(session, side, posting_id=change.posting_id)
            session.commit()
        except IntegrityError:  # another worker created the cursor row first
            session.rollback()
            return 0
    return len(changes)


def _side(change: feed.Change) -> Side:
    return NEED if change.side == NEED.name else OFFER


def _revived_note(change: feed.Change) -> str:
    if change.kind == "reopen":
        return f"{_side(change).label}重新开放后恢复推荐"
    return REVIVED_NOTES.get(change.kind, "内容更新后重新推荐")


def _open_posting(session: Session, change: feed.Change):  # type: ignore[no-untyped-def]
    side = _side(change)
    row = session.get(side.model, change.posting_id)
    if row is None or row.status != side.statuses.open:
        return None
    org = session.get(Organisation, row.org_id)
    assert org is not None
    return engine_posting(side, row, org)


def _tell_owner(session: Session, row: Need | Offer, change: feed.Change, created: int) -> None:
    """The poster hears once per change that matching is done (the page updates too)."""
    if not created:
        return
    side = _side(change)
    notifications.notify(
        session, org_id=row.org_id, kind="recommendation",
        title=f"您的{side.label}「{row.title}」已完成匹配，新增{created}条推荐{side.other.label}",
        body="推荐按内容相似度、服务类别与信用等排序，对方资料在服务专员审核通过前匿名显示。",
        target=Target(side.name, row.id or 0), dedupe_key=f"matched:{change.side}:{row.id}:{change.seq}")


def run_round(engine: Engine, holder: IndexHolder, *, defer: bool = False) -> int:
    """Map a newer index version, apply the feed, match what is pending, refit if due.

    Returns the changes matched. The worker that matched is the one that refits, so
    the refit job runs once, not once per worker.
    """
    with Session(read_engine(engine)) as session:
        version = index_files.newest(session)
        head, done = feed.head(session), feed.cursor(session)
    if version is not None and version.version != holder.version:
        holder.swap(index_files.open_version(engine, version))
    elif head == holder.feed_mark and done >= head:
        return 0  # nothing new: an idle round costs three small reads
    with Session(read_engine(engine)) as session:
        holder.sync(session)
    waiting = head > done
    if waiting and holder.refit_due and holder.size() < SMALL_INDEX:
        _refit(engine, holder)
    matched = catch_up(engine, holder, defer=defer)
    if matched and holder.refit_due:
        _refit(engine, holder)
    return matched


def _refit(engine: Engine, holder: IndexHolder) -> None:
    fresh = index_files.refit(engine, index_dir=holder.index_dir)
    holder.swap(index_files.open_version(engine, fresh))


def catch_up(engine: Engine, holder: IndexHolder, *, defer: bool = False) -> int:
    """Match everything pending now (inline use: tests, commands; ``defer``: see
    :func:`match_pending`); returns changes consumed."""
    total = 0
    while n := match_pending(engine, holder, defer=defer):
        total += n
    return total


class Follower:
    """A worker's background thread: follow the feed and the index versions, match, refit."""

    def __init__(self, engine: Engine, holder: IndexHolder, *, poll_seconds: float | None = None) -> None:
        self.engine, self.holder = engine, holder
        # SQLite can only be polled; PostgreSQL wakes the thread with NOTIFY and is
        # polled rarely, in case a notification was lost with a dropped connection.
        listens = engine.dialect.name == "postgresql"
        self.poll_seconds = poll_seconds if poll_seconds is not None else (5.0 if listens else 0.5)
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: _Listener | None = None

    def start(self) -> None:
        self.holder.on_write = self._wake.set
        self._listen()
        self._thread = threading.Thread(target=self._run, name="zhengqi-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._listener is not None:
            self._listener.close()

    def _listen(self) -> None:
        """LISTEN on PostgreSQL; while the database is away, poll and try again next round."""
        if self.engine.dialect.name != "postgresql" or self._listener is not None:
            return
        try:
            self._listener = _Listener(self.engine)
        except Exception:  # noqa: BLE001  (the database is away: poll until it is back)
            log.warning("background matching cannot LISTEN; polling until the database is back")

    def _wait(self) -> None:
        # A batch left to the worker that wrote it is looked at again when its grace ends.
        retry = self.holder.ownership.take_retry()
        timeout = self.poll_seconds if retry is None else min(self.poll_seconds, retry)
        if self._listener is not None and not self._wake.is_set():
            try:
                self._listener.wait(timeout)  # returns on a NOTIFY or after the timeout
            except Exception:  # noqa: BLE001  (the connection was lost: poll, and listen again later)
                log.warning("background matching lost its LISTEN connection")
                self._listener.close()
                self._listener = None
                self._stop.wait(timeout)
        else:
            self._wake.wait(timeout)
        self._wake.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._listen()
            try:
                run_round(self.engine, self.holder, defer=True)
            except Exception:  # noqa: BLE001  (the thread must outlive a failed round)
                log.exception("background matching round failed")
                self._stop.wait(2.0)
            self._wait()


class _Listener:
    """LISTEN on the feed's channel over a PostgreSQL connection of its own."""

    def __init__(self, engine: Engine) -> None:
        import psycopg

        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn = psycopg.connect(url, autocommit=True)
        self.conn.execute(f"LISTEN {feed.CHANNEL}")

    def wait(self, timeout: float) -> None:
        """Return on the next NOTIFY, or after ``timeout`` seconds."""
        for _ in self.conn.notifies(timeout=timeout, stop_after=1):
            pass

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:  # noqa: BLE001  (already broken: nothing to close)
            log.debug("LISTEN connection was already closed")
