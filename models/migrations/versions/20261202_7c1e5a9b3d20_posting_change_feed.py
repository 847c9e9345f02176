"""posting change feed, feed cursors and index versions (one index for every worker)

Revision ID: 7c1e5a9b3d20
Revises: 8c4e1a7b2d90
Create Date: 2026-12-02 17:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '7c1e5a9b3d20'
down_revision: str | None = '7c41e2b9a0d3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'posting_change',
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('side', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('posting_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('seq'),
    )
    with op.batch_alter_table('posting_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posting_change_posting_id'), ['posting_id'], unique=False)
    op.create_table(
        'feed_cursor',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'index_version',
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('path', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('feed_seq', sa.Integer(), nullable=False),
        sa.Column('postings', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('version'),
    )


def downgrade() -> None:
    op.drop_table('index_version')
    op.drop_table('feed_cursor')
    with op.batch_alter_table('posting_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posting_change_posting_id'))
    op.drop_table('posting_change')
