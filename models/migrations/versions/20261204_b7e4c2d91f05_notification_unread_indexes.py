"""notification: (org_id, read_at) and (user_id, read_at) replace the one-column indexes

Revision ID: b7e4c2d91f05
Revises: a3d5f0c8e217
Create Date: 2026-12-04 22:40:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'b7e4c2d91f05'
down_revision: str | None = 'a3d5f0c8e217'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The unread count of every page's badge reads only unread entries; the new indexes start
    # with the old ones' column, so every query the old ones served still has one.
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_org_id_read_at', ['org_id', 'read_at'], unique=False)
        batch_op.create_index('ix_notification_user_id_read_at', ['user_id', 'read_at'], unique=False)
        batch_op.drop_index('ix_notification_org_id')
        batch_op.drop_index('ix_notification_user_id')


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_notification_org_id', ['org_id'], unique=False)
        batch_op.drop_index('ix_notification_user_id_read_at')
        batch_op.drop_index('ix_notification_org_id_read_at')
