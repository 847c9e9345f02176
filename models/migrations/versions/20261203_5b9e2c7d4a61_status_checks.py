"""posting, personal-data request, 诉求 and listing-step statuses checked by the database

Revision ID: 5b9e2c7d4a61
Revises: cfeb460d1bfa
Create Date: 2026-12-03 14:00:00

The platform has only ever written these values (the seed loader and the services check them),
so existing rows pass the constraints.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '5b9e2c7d4a61'
down_revision: str | None = 'cfeb460d1bfa'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEAL = ('open', 'processing', 'closed')
# table -> (constraint, column, allowed values), as models.base.enum_field names them.
CHECKS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    'need': (('ck_need_status', 'status', ('draft', 'open', 'closed')),),
    'offer': (('ck_offer_status', 'status', ('draft', 'open', 'withdrawn')),),
    'privacyrequest': (('ck_privacyrequest_status', 'status', ('pending', 'done', 'rejected')),),
    'appeal': (('ck_appeal_status', 'status', _APPEAL),),
    'appealstep': (('ck_appealstep_from_status', 'from_status', _APPEAL),
                   ('ck_appealstep_to_status', 'to_status', _APPEAL)),
    'listingstep': (('ck_listingstep_status', 'status', ('todo', 'doing', 'done')),),
}


def upgrade() -> None:
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, values in checks:
                batch_op.create_check_constraint(name, f"{column} IN ({', '.join(repr(v) for v in values)})")


def downgrade() -> None:
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _, _ in reversed(checks):
                batch_op.drop_constraint(name, type_='check')
