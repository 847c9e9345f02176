"""Audit log: written in the same transaction as the change it records, never changed afterwards.

Each row is a link of a hash chain (models.audit_chain): it stores the hash of the row before
it and the hash of its own content with that previous hash, so an edited, inserted or deleted
row shows when the chain is verified. The database refuses UPDATE and DELETE on the table
(triggers, created by the migration), and the platform has no code path that does either.

Personal fields that an entry names (a login's typed username and address, an account's
username) are kept beside the row in ``AuditPersonal``; the row holds only a salted digest of
them. Deleting someone's personal data (个人信息保护法) deletes those side rows and leaves the
chain, and its verification, intact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import created_at_field, json_field

GENESIS = "0" * 64  # the "previous hash" of the first row


class AuditLog(SQLModel, table=True):
    # Ids are given out in chain order by the sealing step (models.audit_chain), not by the
    # database. actor_id is the account's id at the time; it is deliberately not a foreign
    # key: the record must outlive the account it names.
    # The log is read newest first, a page at a time: read from this index, not sorted whole.
    __table_args__ = (Index("ix_auditlog_created_at_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=50, index=True)  # e.g. match.approve, contract.create
    object_type: str = Field(max_length=32)
    object_id: int | None = None
    detail: dict[str, Any] = json_field(dict)
    created_at: datetime = created_at_field()
    personal_digest: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(default=GENESIS, max_length=64)
    row_hash: str = Field(default="", max_length=64)


class AuditPersonal(SQLModel, table=True):
    """The personal fields of one audit entry, kept apart so they can be erased on request."""

    audit_id: int = Field(primary_key=True, foreign_key="auditlog.id")
    user_id: int | None = Field(default=None, index=True)  # whose data this is (None: unknown name)
    salt: str = Field(max_length=32)
    data: dict[str, Any] = json_field(dict)


class AuditChainHead(SQLModel, table=True):
    """The newest link of the chain (one row, id 1): a deleted last row shows against it,
    and locking it serialises appends across workers."""

    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    last_hash: str = Field(default=GENESIS, max_length=64)
    rows: int = 0
