"""Shared JSON shapes of the portal API (pagination, postings, matches)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from web.services.matches.portal_views import PortalMatchView
from web.services.organisations.privacy import Counterpart
from web.services.paging import Page

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int


def page_out(page: Page, items: list[Any]) -> dict[str, Any]:
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page,
            "pages": page.pages}


class PostingIn(BaseModel):
    """A need or offer as submitted; the service checks every field and answers in Chinese."""

    title: str = Field(default="", max_length=10_000, description="标题，1–100字")
    description: str = Field(default="", max_length=100_000, description="描述，1–4000字")
    category: str = Field(default="", max_length=100, description="服务类别，见 /api/v1/categories")
    industry: str | None = Field(default=None, max_length=100, description="产业方向，见 /api/v1/themes")
    amount_wan: Decimal | None = Field(default=None, description="预算（需求）或参考价格（服务），万元，≥0")
    deadline: date | None = Field(default=None, description="截止日期，不早于今天")
    draft: bool = Field(default=False, description="保存为草稿：仅本机构可见，不参与匹配，发布后才推送")


class PostingOut(BaseModel):
    id: int
    org_id: int
    title: str
    description: str
    category: str
    industry: str | None
    amount_wan: str | None
    deadline: date | None
    status: str
    created_at: datetime
    updated_at: datetime | None


class OtherPosting(BaseModel):
    id: int
    title: str
    description: str
    category: str


class Reasons(BaseModel):
    terms: list[tuple[str, float]]
    signals: list[tuple[str, str, float]]


class MatchOut(BaseModel):
    id: int
    need_id: int
    offer_id: int
    status: str
    score: float
    strength: str
    enterprise_interested: bool
    provider_interested: bool
    other_posting: OtherPosting
    counterpart: Counterpart  # privacy's own dataclass: one definition of what may be shown
    reasons: Reasons


class PostingWithMatches(PostingOut):
    recommendations: list[MatchOut]
    # True while the posting waits for background matching: ask /recommendations again.
    matching: bool = False


def posting_out(row: Any, money_field: str) -> PostingOut:
    money = getattr(row, money_field)
    return PostingOut(id=row.id, org_id=row.org_id, title=row.title, description=row.description,
                      category=row.category, industry=row.industry,
                      amount_wan=None if money is None else str(money), deadline=row.deadline,
                      status=row.status, created_at=row.created_at, updated_at=row.updated_at)


def match_out(v: PortalMatchView) -> MatchOut:
    other = v.other_posting
    return MatchOut(
        id=v.match.id or 0, need_id=v.match.need_id, offer_id=v.match.offer_id, status=v.match.status,
        score=round(v.match.score, 4), strength=v.strength,
        enterprise_interested=v.match.enterprise_interested, provider_interested=v.match.provider_interested,
        other_posting=OtherPosting(id=other.id or 0, title=other.title, description=other.description,
                                   category=other.category),
        counterpart=v.other,
        reasons=Reasons(terms=[tuple(t) for t in v.match.reasons.get("terms", [])],  # type: ignore[misc]
                        signals=[tuple(s) for s in v.match.reasons.get("signals", [])]),  # type: ignore[misc]
    )
