"""Alembic environment: runs on the connection handed over by models.migrate."""

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # ALTER TABLE on SQLite goes through batch copy
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
