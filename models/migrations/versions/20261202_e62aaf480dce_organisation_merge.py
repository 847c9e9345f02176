"""organisation merge and deactivation (records kept, pointing at the merged-into record)

Revision ID: e62aaf480dce
Revises: 8174dc1928e5
Create Date: 2026-12-02 18:05:41
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'e62aaf480dce'
down_revision: str | None = '8174dc1928e5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deactivation_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_organisation_merged_into_id', 'organisation', ['merged_into_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_organisation_merged_into_id', type_='foreignkey')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('deactivation_note')
        batch_op.drop_column('deactivated_at')

