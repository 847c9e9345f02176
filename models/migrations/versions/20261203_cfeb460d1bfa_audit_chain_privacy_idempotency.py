"""audit log as an append-only hash chain (personal fields beside it, erasable); personal-data
requests; idempotency keys

Revision ID: cfeb460d1bfa
Revises: 7c41e2b9a0d3
Create Date: 2026-12-03 09:00:00

The audit tables are protected by triggers on both databases: UPDATE and DELETE of an audit
entry are refused, an entry's personal fields may be deleted (erasure on request) but not
changed, and the chain head may move but not be deleted. On SQLite a later batch migration that
recreates one of these tables drops its triggers: such a migration must create them again
(``create_audit_triggers``).
"""
import json
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from models.audit_chain import content, link_hash, personal_digest
from models.base import UTCDateTime

revision: str = 'cfeb460d1bfa'
down_revision: str | None = 'dc8b407dffd2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
# Personal fields that earlier versions wrote into an entry's detail (logins, account changes).
LEGACY_PERSONAL_KEYS = ("username", "ip")

_SQLITE_TRIGGERS = {
    "auditlog_no_update": "BEFORE UPDATE ON auditlog",
    "auditlog_no_delete": "BEFORE DELETE ON auditlog",
    "auditpersonal_no_update": "BEFORE UPDATE ON auditpersonal",
    "auditchainhead_no_delete": "BEFORE DELETE ON auditchainhead",
}
_PG_TRIGGERS = {
    "auditlog_append_only": "BEFORE UPDATE OR DELETE ON auditlog",
    "auditpersonal_no_update": "BEFORE UPDATE ON auditpersonal",
    "auditchainhead_no_delete": "BEFORE DELETE ON auditchainhead",
}
MESSAGE = "audit log is append-only (审计记录只能追加，不能修改或删除)"


def create_audit_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, when in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
        return
    op.execute(f"""
        CREATE OR REPLACE FUNCTION zhengqi_refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{MESSAGE}: % on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END $$""")
    for name, when in _PG_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE FUNCTION zhengqi_refuse_audit_change()")


def drop_audit_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    for name, when in _PG_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {when.rsplit(' ', 1)[1]}")
    op.execute("DROP FUNCTION IF EXISTS zhengqi_refuse_audit_change()")


def _actor_fk_name() -> str | None:
    for fk in sa.inspect(op.get_bind()).get_foreign_keys("auditlog"):
        if fk["constrained_columns"] == ["actor_id"]:
            return fk["name"] or "fk_auditlog_actor_id_user"
    return None


def upgrade() -> None:
    # The record must outlive the account it names: actor_id stops being a foreign key.
    fk = _actor_fk_name()
    with op.batch_alter_table(
            'auditlog', schema=None,
            naming_convention={"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}) as batch_op:
        if fk:
            batch_op.drop_constraint(fk, type_='foreignkey')
        batch_op.add_column(sa.Column('personal_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=GENESIS))
        batch_op.add_column(sa.Column('row_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=''))
    op.create_table('auditpersonal',
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('salt', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['auditlog.id'], ),
    sa.PrimaryKeyConstraint('audit_id')
    )
    with op.batch_alter_table('auditpersonal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditpersonal_user_id'), ['user_id'], unique=False)
    op.create_table('auditchainhead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    _seal_existing_entries()
    create_audit_triggers()
    op.create_table('privacyrequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_by', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['handled_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('privacyrequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacyrequest_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacyrequest_user_id'), ['user_id'], unique=False)
    op.create_table('idempotencykey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=210), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'key')
    )
    with op.batch_alter_table('idempotencykey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotencykey_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_idempotencykey_user_id'), ['user_id'], unique=False)


def _seal_existing_entries() -> None:
    """Chain the entries written before this version, in id order; move the personal fields
    they hold (a login's username and address) beside them."""
    bind = op.get_bind()
    log = sa.table('auditlog', sa.column('id', sa.Integer), sa.column('created_at', UTCDateTime()),
                   sa.column('actor_id', sa.Integer), sa.column('action', sa.String),
                   sa.column('object_type', sa.String), sa.column('object_id', sa.Integer),
                   sa.column('detail', sa.JSON), sa.column('personal_digest', sa.String),
                   sa.column('prev_hash', sa.String), sa.column('row_hash', sa.String))
    personal_table = sa.table('auditpersonal', sa.column('audit_id', sa.Integer), sa.column('user_id', sa.Integer),
                              sa.column('salt', sa.String), sa.column('data', sa.JSON))
    prev, last_id, count = GENESIS, 0, 0
    rows = bind.execute(sa.select(log).order_by(log.c.id)).mappings().all()
    for row in rows:
        detail = json.loads(json.dumps(row["detail"] or {}, ensure_ascii=False, default=str))
        personal = {k: detail.pop(k) for k in LEGACY_PERSONAL_KEYS if k in detail}
        digest = None
        if personal:
            salt = secrets.token_hex(16)
            digest = personal_digest(salt, personal)
            subject = row["object_id"] if row["object_type"] == "user" else row["actor_id"]
            bind.execute(personal_table.insert().values(audit_id=row["id"], user_id=subject, salt=salt,
                                                        data=personal))
        row_hash = link_hash(prev, content(
            id=row["id"], created_at=row["created_at"], actor_id=row["actor_id"], action=row["action"],
            object_type=row["object_type"], object_id=row["object_id"], detail=detail, personal_digest=digest))
        bind.execute(log.update().where(log.c.id == row["id"]).values(
            detail=detail, personal_digest=digest, prev_hash=prev, row_hash=row_hash))
        prev, last_id, count = row_hash, row["id"], count + 1
    if count:  # an empty log gets its head with its first entry
        bind.execute(sa.table('auditchainhead', sa.column('id'), sa.column('last_id'), sa.column('last_hash'),
                              sa.column('rows')).insert().values(id=1, last_id=last_id, last_hash=prev, rows=count))


def downgrade() -> None:
    with op.batch_alter_table('idempotencykey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotencykey_user_id'))
        batch_op.drop_index(batch_op.f('ix_idempotencykey_expires_at'))
    op.drop_table('idempotencykey')
    with op.batch_alter_table('privacyrequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacyrequest_user_id'))
        batch_op.drop_index(batch_op.f('ix_privacyrequest_status'))
    op.drop_table('privacyrequest')
    drop_audit_triggers()
    # Personal fields not erased go back into their entry's detail, as earlier versions kept them.
    bind = op.get_bind()
    log = sa.table('auditlog', sa.column('id', sa.Integer), sa.column('detail', sa.JSON))
    side = sa.table('auditpersonal', sa.column('audit_id', sa.Integer), sa.column('data', sa.JSON))
    for audit_id, detail, data in bind.execute(
            sa.select(log.c.id, log.c.detail, side.c.data).join(side, side.c.audit_id == log.c.id)).all():
        bind.execute(log.update().where(log.c.id == audit_id).values(detail={**(detail or {}), **(data or {})}))
    op.drop_table('auditchainhead')
    with op.batch_alter_table('auditpersonal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditpersonal_user_id'))
    op.drop_table('auditpersonal')
    with op.batch_alter_table('auditlog', schema=None) as batch_op:
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('personal_digest')
        batch_op.create_foreign_key('auditlog_actor_id_fkey', 'user', ['actor_id'], ['id'])
