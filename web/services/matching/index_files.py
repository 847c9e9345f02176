"""Versioned index files: the refit job writes them, every worker maps the newest.

``refit`` fits one index on the open postings, writes it as a memory-mappable file
(:mod:`matcher.mapped`) named by a fresh random token, and registers it as the next
``IndexVersion`` together with the feed position it holds. A worker loads the newest
version, then applies the feed's changes after that position. Registration is
optimistic: if another job registered a version meanwhile, this one's file is
dropped and the newer version wins, so all workers converge on one file.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from matcher.mapped import load_mapped, save_mapped
from models import IndexVersion
from models.db import read_engine
from web.services.matching import feed
from web.services.matching.index import IndexHolder

log = logging.getLogger(__name__)

KEEP_VERSIONS = 2  # older files are deleted (a worker still mapping one keeps its pages)


def default_dir() -> Path:
    return Path(tempfile.gettempdir()) / "zhengqi-index"


@dataclass(frozen=True)
class Version:
    """An index file and the feed position it holds (a plain copy of an IndexVersion row)."""

    version: int
    path: str
    feed_seq: int
    postings: int


def newest(session: Session) -> Version | None:
    row = session.exec(select(IndexVersion).order_by(col(IndexVersion.version).desc()).limit(1)).first()
    return _plain(row) if row is not None else None


def _plain(row: IndexVersion) -> Version:
    return Version(version=row.version or 0, path=row.path, feed_seq=row.feed_seq, postings=row.postings)


def open_version(engine: Engine, version: Version) -> IndexHolder:
    """A holder mapped from ``version``'s file and brought up to the feed's head.

    Another worker's refit deletes files two versions back: when ``version``'s file has gone
    between reading its row and opening it, a newer version exists, and that one is opened."""
    while True:
        try:
            index = load_mapped(Path(version.path))
            break
        except FileNotFoundError:
            with Session(read_engine(engine)) as session:
                newer = newest(session)
            if newer is None or newer.version <= version.version:
                raise
            log.info("index version %s was dropped meanwhile: opening %s", version.version, newer.version)
            version = newer
    holder = IndexHolder(index=index, feed_mark=version.feed_seq, version=version.version)
    with Session(read_engine(engine)) as session:
        # Ids the file already holds are not inserted "by scripts": start past them.
        holder.need_mark = _max_key(holder.index.needs_.postings)
        holder.offer_mark = _max_key(holder.index.offers_.postings)
        holder.sync(session)
    return holder


def _max_key(postings: dict) -> int:
    return max((int(k[1:]) for k in postings), default=0)


def refit(engine: Engine, *, index_dir: Path | None = None) -> Version:
    """Fit on the open postings, write a new index file and register it (the refit job)."""
    with Session(read_engine(engine)) as session:
        before = newest(session)
        fitted = IndexHolder.from_session(session)
    folder = index_dir or default_dir()
    path = folder / f"index-{secrets.token_hex(8)}.zqm"
    save_mapped(fitted.index, path)
    with Session(engine) as session:
        if is_pg := feed.is_postgres(session):
            # One registration at a time; the check below then sees the other's row.
            session.execute(text("LOCK TABLE index_version IN EXCLUSIVE MODE"))
        current = newest(session)
        if (current.version if current else None) != (before.version if before else None):
            session.rollback()
            path.unlink(missing_ok=True)
            assert current is not None
            return current
        row = IndexVersion(path=str(path), feed_seq=fitted.feed_mark, postings=fitted.size())
        session.add(row)
        if is_pg:
            session.execute(text("SELECT pg_notify(:c, 'index')"), {"c": feed.CHANNEL})
        try:
            session.commit()
        except IntegrityError:  # SQLite: the same version number taken by another job
            session.rollback()
            path.unlink(missing_ok=True)
            with Session(read_engine(engine)) as again:
                found = newest(again)
                assert found is not None
                return found
        session.refresh(row)
        written = _plain(row)
        _drop_old(session, written.version)
    log.info("index version %s written: %d postings, feed at %d", written.version, written.postings,
             written.feed_seq)
    return written


def _drop_old(session: Session, version: int) -> None:
    old = session.exec(select(IndexVersion).where(col(IndexVersion.version) <= version - KEEP_VERSIONS)).all()
    for row in old:
        Path(row.path).unlink(missing_ok=True)
