"""the owners of a match's two postings on the match, indexed with its id; the review queue's
order as an index

Revision ID: a3d5f0c8e217
Revises: 5b9e2c7d4a61
Create Date: 2026-12-03 17:30:00

A portal lists one organisation's matches newest first. Through need.org_id or offer.org_id that
meant joining and sorting every match of the organisation on each page view (tens of
milliseconds once an organisation has thousands); (need_org_id, id) and (offer_org_id, id)
serve the page and its count from an index. (status, score, id) gives the review queue its
first page without sorting every proposal. Existing matches take the owners of their postings.
The columns are added in place, not by recreating the table: on SQLite recreating ``match``
would have to drop a table that events, contracts and ratings refer to.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a3d5f0c8e217'
down_revision: str | None = '5b9e2c7d4a61'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIDES = (('need_org_id', 'need', 'need_id'), ('offer_org_id', 'offer', 'offer_id'))


def upgrade() -> None:
    for column, table, key in SIDES:
        if op.get_bind().dialect.name == 'sqlite':  # the reference inline: no ALTER of constraints
            op.execute(f'ALTER TABLE "match" ADD COLUMN {column} INTEGER REFERENCES organisation (id)')
        else:
            op.add_column('match', sa.Column(column, sa.Integer(), sa.ForeignKey('organisation.id')))
        op.execute(f'UPDATE "match" SET {column} = (SELECT {table}.org_id FROM {table} '
                   f'WHERE {table}.id = "match".{key})')
        op.create_index(f'ix_match_{column}_id', 'match', [column, 'id'])
    op.create_index('ix_match_status_score_id', 'match', ['status', 'score', 'id'])


def downgrade() -> None:
    # SQLite drops a referencing column only by recreating the table (batch mode).
    op.drop_index('ix_match_status_score_id', table_name='match')
    with op.batch_alter_table('match', schema=None) as batch_op:
        for column, _, _ in reversed(SIDES):
            batch_op.drop_index(f'ix_match_{column}_id')
            batch_op.drop_column(column)
