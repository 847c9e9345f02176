"""A worker's index holder: the newest index version, brought up to the feed.

Until a background :class:`~web.services.matching.background.Follower` takes over
(it sets ``on_write`` to wake its thread), the holder matches each committed write
at once, in the thread that wrote it: commands, tests and ``ZHENGQI_MATCH_IN_BACKGROUND=false``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from matcher import IndexVersionError
from models.db import read_engine
from web.services.matching.background import run_round
from web.services.matching.index import IndexHolder, MatchPolicy
from web.services.matching.index_files import newest, open_version, refit

log = logging.getLogger(__name__)


def match_inline(holder: IndexHolder, engine: Engine) -> IndexHolder:
    """Have ``holder`` match every committed write at once, in the writer's thread."""
    holder.on_write = lambda: run_round(engine, holder)
    return holder


def load_holder(engine: Engine, *, index_dir: Path | None = None,
                policy: MatchPolicy | None = None) -> IndexHolder:
    """The newest index version mapped (written first if there is none, or it is unreadable)."""
    with Session(read_engine(engine)) as session:
        version = newest(session)
    holder = None
    if version is not None:
        try:
            holder = open_version(engine, version)
        except (OSError, IndexVersionError) as exc:
            log.warning("index version %s unusable (%s); refitting", version.version, exc)
    if holder is None:
        holder = open_version(engine, refit(engine, index_dir=index_dir))
    holder.policy, holder.index_dir = policy or MatchPolicy(), index_dir
    return match_inline(holder, engine)
