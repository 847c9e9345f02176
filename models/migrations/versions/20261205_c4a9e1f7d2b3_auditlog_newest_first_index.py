"""auditlog: (created_at, id) index for the newest-first pages

Revision ID: c4a9e1f7d2b3
Revises: b7e4c2d91f05
Create Date: 2026-12-05 00:30:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'c4a9e1f7d2b3'
down_revision: str | None = 'b7e4c2d91f05'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # 操作日志 shows the newest entries a page at a time; without this index every view sorted
    # the whole log. Not in batch mode: a rebuilt table would lose its append-only triggers.
    op.create_index('ix_auditlog_created_at_id', 'auditlog', ['created_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_auditlog_created_at_id', table_name='auditlog')
