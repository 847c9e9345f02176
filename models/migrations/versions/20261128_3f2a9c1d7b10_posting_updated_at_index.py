"""index need.updated_at and offer.updated_at (cross-worker index freshness)

Revision ID: 3f2a9c1d7b10
Revises: 059049d8d2da
Create Date: 2026-11-28 22:05:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '3f2a9c1d7b10'
down_revision: str | None = '059049d8d2da'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every worker's IndexHolder.sync asks for postings changed since its watermark.
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_updated_at'), ['updated_at'], unique=False)
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_updated_at'), ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_updated_at'))
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_updated_at'))
