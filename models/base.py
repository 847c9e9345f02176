"""Shared column helpers for the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Enum, Numeric, TypeDecorator
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, stored in UTC and always read back timezone-aware.

    PostgreSQL keeps the zone itself; SQLite has no zone type and hands back naive values.
    Doing the conversion here, once, means no code above the models has to guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # A naive value written by the platform is UTC already (utcnow, seed, tests).
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def timestamp_field(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def money_field(*, nullable: bool = True, ge: int = 0) -> Any:
    """万元 amounts: exact decimals with two places, never floats."""
    return Field(default=None, sa_type=Numeric(14, 2), nullable=nullable, ge=ge)


def json_field(default_factory: Any = list) -> Any:
    return Field(default_factory=default_factory, sa_type=JSON, nullable=False)


def enum_field(enum: type[StrEnum], constraint: str, **kwargs: Any) -> Any:
    """A status column: the enum's values as VARCHAR(16), checked by the database (the CHECK
    constraint is named ``constraint``); rows read back as enum members."""
    return Field(sa_type=Enum(enum, native_enum=False, length=16, create_constraint=True,
                              name=constraint, values_callable=lambda e: [m.value for m in e],
                              validate_strings=True), **kwargs)


MONEY_MAX = Decimal("999999999.99")
