"""match statuses checked by the database; tokenizer version beside each posting's tokens;
notifications point at a target (match:12, need:3, offer:40) instead of a URL

Revision ID: 8c4e1a7b2d90
Revises: 3f2a9c1d7b10
Create Date: 2026-12-02 17:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8c4e1a7b2d90'
down_revision: str | None = '3f2a9c1d7b10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ('proposed', 'approved', 'rejected', 'contacted', 'negotiating', 'contracted', 'closed',
            'withdrawn')


def _in(column: str) -> str:
    return f"{column} IN ({', '.join(repr(s) for s in STATUSES)})"


# Notification links written as paths by earlier versions, and the target each names.
_PATHS = (("/provider/offers/", "offer:"), ("/enterprise/needs/", "need:"))


def upgrade() -> None:
    # models.match.MatchStatus: the database refuses a status outside the lifecycle.
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_match_status', _in('status'))
    with op.batch_alter_table('matchevent', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_matchevent_from_status', _in('from_status'))
        batch_op.create_check_constraint('ck_matchevent_to_status', _in('to_status'))
    # matcher.tokenizer_version() of the stored tokens; '' (unknown) is re-segmented at start.
    for table in ('need', 'offer'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('tokens_version', sa.String(length=64), nullable=False,
                                          server_default=''))
            batch_op.create_index(batch_op.f(f'ix_{table}_tokens_version'), ['tokens_version'], unique=False)
    # The web layer now turns a target into the page for whoever reads it.
    for prefix, kind in _PATHS:
        op.execute(sa.text(
            "UPDATE notification SET link = CAST(:kind AS VARCHAR(300)) || substr(link, :start) WHERE link LIKE :pattern"
        ).bindparams(kind=kind, start=len(prefix) + 1, pattern=prefix + '%'))
    op.execute("UPDATE notification SET link = 'match:' || CAST(match_id AS VARCHAR(20)) "
               "WHERE match_id IS NOT NULL AND link LIKE '/%'")


def downgrade() -> None:
    for prefix, kind in _PATHS:
        op.execute(sa.text(
            "UPDATE notification SET link = CAST(:prefix AS VARCHAR(300)) || substr(link, :start) WHERE link LIKE :pattern"
        ).bindparams(prefix=prefix, start=len(kind) + 1, pattern=kind + '%'))
    # A match's page depended on the reader (either portal, or staff): back to no link.
    op.execute("UPDATE notification SET link = NULL WHERE link LIKE 'match:%'")
    for table in ('offer', 'need'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_tokens_version'))
            batch_op.drop_column('tokens_version')
    with op.batch_alter_table('matchevent', schema=None) as batch_op:
        batch_op.drop_constraint('ck_matchevent_to_status', type_='check')
        batch_op.drop_constraint('ck_matchevent_from_status', type_='check')
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_constraint('ck_match_status', type_='check')
