"""Shared column helpers for the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def timestamp_field(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=nullable, index=index)


def money_field(*, nullable: bool = True, ge: int = 0) -> Any:
    """万元 amounts: exact decimals with two places, never floats."""
    return Field(default=None, sa_type=Numeric(14, 2), nullable=nullable, ge=ge)


def json_field(default_factory: Any = list) -> Any:
    return Field(default_factory=default_factory, sa_type=JSON, nullable=False)


MONEY_MAX = Decimal("999999999.99")
