"""Bounded types for path, query and form parameters.

An unbounded ``int`` lets ``/needs/5898240774976482295083534647296`` reach the database
driver, which cannot bind it (a 500 on SQLite and PostgreSQL alike); an unbounded date
or day count overflows ``timedelta`` arithmetic. Each type here turns such input into
the usual Chinese 422 before any handler runs. tests/security/test_params.py checks that
every route's parameters use bounded types.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Form, Path, Query
from pydantic import Field

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER: the type of every id column
MAX_PAGE = 100_000
MAX_DAYS = 36_500  # a hundred years
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2100, 12, 31)

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
FormRowId = Annotated[int, Form(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PerPage = Annotated[int, Query(ge=1, le=100)]
Days = Annotated[int | None, Query(ge=0, le=MAX_DAYS)]
DateFilter = Annotated[date | None, Query(ge=FIRST_DATE, le=LAST_DATE)]
Year = Annotated[int, Query(ge=1900, le=2100)]
Count = Annotated[int | None, Query(ge=0, le=MAX_ID)]
# In JSON bodies and lists: an id, and any integer that must fit an INTEGER column (the
# service still checks its business range and says so in its own words).
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
ColumnInt = Annotated[int, Field(ge=-MAX_ID - 1, le=MAX_ID)]
BodyYear = Annotated[int, Field(ge=1900, le=2100)]
Marker = Annotated[int, Query(ge=0, le=MAX_ID)]  # ?saved=1 and the like after a redirect
StatusFilter = Annotated[str | None, Query(max_length=16)]  # ?status= (or ?role=) of a list
SearchText = Annotated[str | None, Query(max_length=50)]  # ?q= and the other free-text filters
