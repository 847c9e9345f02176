"""user.notify_mode: immediate messages or a daily digest

Revision ID: 9234be55391e
Revises: 7fe0cbb15d2d
Create Date: 2026-12-02 17:29:39.618495
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '9234be55391e'
down_revision: str | None = '7fe0cbb15d2d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_mode', sqlmodel.sql.sqltypes.AutoString(length=16), server_default='immediate', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('notify_mode')

