"""API basics: health, the category taxonomy, the plan's indicators."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from matcher.taxonomy import CATEGORIES, THEMES
from web.deps import SessionDep
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
def categories() -> list[Category]:
    """The shared service taxonomy used by needs and offers."""
    return [Category(name=k, description=v) for k, v in CATEGORIES.items()]


@router.get("/themes", response_model=list[str], summary="产业方向")
def themes() -> list[str]:
    """The plan's industry themes."""
    return list(THEMES)


@router.get("/indicators", response_model=list[IndicatorPublic], summary="三年行动计划指标与年度目标")
def indicators(session: SessionDep) -> list[IndicatorPublic]:
    """The plan's seven indicators with their 2020–2022 targets."""
    return list_indicators(session)
