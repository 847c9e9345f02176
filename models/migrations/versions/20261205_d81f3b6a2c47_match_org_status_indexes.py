"""match: (need_org_id, status) and (offer_org_id, status) indexes for each side's counts

Revision ID: d81f3b6a2c47
Revises: c4a9e1f7d2b3
Create Date: 2026-12-05 00:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'd81f3b6a2c47'
down_revision: str | None = 'c4a9e1f7d2b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An organisation's matches counted by status (every portal home and match list) are read
    # from these indexes alone instead of from the rows, which carry the reasons.
    op.create_index('ix_match_need_org_id_status', 'match', ['need_org_id', 'status'], unique=False)
    op.create_index('ix_match_offer_org_id_status', 'match', ['offer_org_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_match_offer_org_id_status', table_name='match')
    op.drop_index('ix_match_need_org_id_status', table_name='match')
