"""Migration 8c4e1a7b2d90 turns the paths old notifications link to into targets."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from models.db import autocommit_engine
from models.migrate import upgrade
from tests.models.test_migrations import empty_engine  # noqa: F401  (the fixture)

OLD = [  # (link, match_id) as the platform wrote them before
    ("/provider/offers/40", None),
    ("/enterprise/needs/3", None),
    ("/enterprise/matches", 12),
    ("/staff/review?match=12", 12),
    (None, None),
]


def _insert_old(conn: Connection) -> None:
    for link, match_id in OLD:
        conn.execute(text("INSERT INTO notification (kind, title, body, link, match_id, created_at) "
                          "VALUES ('system', 't', '', :link, :match_id, '2022-01-01')"),
                     {"link": link, "match_id": match_id})


def test_old_links_become_targets(empty_engine: Engine) -> None:  # noqa: F811
    upgrade(empty_engine, "3f2a9c1d7b10")
    # The rows name match 12 without the match itself: foreign keys are off for the insert.
    if empty_engine.dialect.name == "postgresql":
        with empty_engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            _insert_old(conn)
    else:
        with autocommit_engine(empty_engine).connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            _insert_old(conn)
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        links = conn.execute(text("SELECT link FROM notification ORDER BY id")).scalars().all()
    assert links == ["offer:40", "need:3", "match:12", "match:12", None]
