"""dictionaries (字典管理): editable value lists and their change history

Revision ID: 44fbd2cba9f0
Revises: 51a664347fa5
Create Date: 2026-12-02 17:43:22
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '44fbd2cba9f0'
down_revision: str | None = '51a664347fa5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dictitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'code')
    )
    with op.batch_alter_table('dictitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dictitem_kind'), ['kind'], unique=False)

    op.create_table('dictchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dictchange', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dictchange_kind'), ['kind'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dictchange', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dictchange_kind'))

    op.drop_table('dictchange')
    with op.batch_alter_table('dictitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dictitem_kind'))

    op.drop_table('dictitem')
