"""字典管理: admin-editable value lists (service categories, reject reasons, contract types,
qualifications) and the history of every change to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import created_at_field, json_field, timestamp_field


class DictItem(SQLModel, table=True):
    """One value of a list. ``code`` is what rows store and never changes once created, so a
    rename (``label``) or retirement leaves every stored posting, contract and qualification
    valid; a retired value stays readable but cannot be chosen for new rows."""

    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)  # category | reject_reason | contract_type | qualification
    code: str = Field(max_length=50)
    label: str = Field(max_length=50)
    description: str = Field(default="", max_length=200)
    sort_order: int = 0
    builtin: bool = False  # shipped with the platform: may be retired, never deleted
    retired_at: datetime | None = timestamp_field()
    created_at: datetime = created_at_field()


class DictChange(SQLModel, table=True):
    """One change to a list value: who, when, what, before and after."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    code: str = Field(max_length=50)
    action: str = Field(max_length=16)  # create | update | retire | restore | delete
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    detail: dict[str, Any] = json_field(dict)
    created_at: datetime = created_at_field()
