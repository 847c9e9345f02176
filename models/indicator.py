"""The plan's seven indicators, their yearly targets and entered actuals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import created_at_field

# Limits of an entered figure, shared by the columns and every form and import that fills them.
SOURCE_MAX = 100
NOTE_MAX = 500
VALUE_PLACES = 4
VALUE_MAX = Decimal("9999999999.9999")  # the largest Numeric(14, 4)


class Indicator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)  # row number in the plan's annex (1..7)
    name: str = Field(max_length=50, unique=True)
    unit: str = Field(max_length=8)
    note: str = Field(default="", max_length=500)


class IndicatorTarget(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    year: int
    value: Decimal = Field(sa_type=Numeric(14, 4))


class IndicatorActual(SQLModel, table=True):
    """A figure entered by staff (or loaded as sample data), with its source."""

    __table_args__ = (UniqueConstraint("indicator_id", "year", "source"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    year: int
    value: Decimal = Field(sa_type=Numeric(14, VALUE_PLACES))
    source: str = Field(max_length=SOURCE_MAX)
    source_date: date | None = None
    note: str = Field(default="", max_length=NOTE_MAX)
    is_sample: bool = False  # 示例数据: demo figures, never official statistics
    entered_by: int | None = Field(default=None, foreign_key="user.id")
    entered_at: datetime = created_at_field()
