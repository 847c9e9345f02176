"""Audit log: written in the same transaction as the change it records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from models.base import created_at_field, json_field


class AuditLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=50, index=True)  # e.g. match.approve, contract.create
    object_type: str = Field(max_length=32)
    object_id: int | None = None
    detail: dict[str, Any] = json_field(dict)
    created_at: datetime = created_at_field()
