"""API basics: health, the category taxonomy, the plan's indicators."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from matcher.taxonomy import THEMES
from web.deps import SessionDep
from web.services.dictionaries import lists as dictionary_lists
from web.services.indicators.plan import IndicatorPublic, list_indicators

router = APIRouter(prefix="/api/v1", tags=["基础"])


class Health(BaseModel):
    status: str
    database: str


class Category(BaseModel):
    name: str
    description: str


@router.get("/health", response_model=Health, summary="健康检查")
def health(session: SessionDep) -> Health:
    """Report that the app and its database answer."""
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return Health(status="ok", database=session.get_bind().dialect.name)


@router.get("/categories", response_model=list[Category], summary="服务类别")
def categories(session: SessionDep) -> list[Category]:
    """The service categories a new need or offer may choose (字典管理, retired ones left out);
    ``name`` is the code postings store."""
    return [Category(name=i.code, description=i.description)
            for i in dictionary_lists.items(session, "category") if i.retired_at is None]


@router.get("/themes", response_model=list[str], summary="产业方向")
def themes() -> list[str]:
    """The plan's industry themes."""
    return list(THEMES)


@router.get("/indicators", response_model=list[IndicatorPublic], summary="三年行动计划指标与年度目标")
def indicators(session: SessionDep) -> list[IndicatorPublic]:
    """The plan's seven indicators with their 2020–2022 targets."""
    return list_indicators(session)
