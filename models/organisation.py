"""Organisations: enterprises and service providers, with their portrait data."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import created_at_field, money_field, timestamp_field


class OrgKind(StrEnum):
    enterprise = "enterprise"  # 企业
    intermediary = "intermediary"  # 中介机构
    tech_transfer = "tech_transfer"  # 技术转移机构
    university = "university"  # 高校
    research_institute = "research_institute"  # 科研院所
    financial = "financial"  # 金融机构


ORG_KIND_LABELS: dict[str, str] = {
    "enterprise": "企业",
    "intermediary": "中介机构",
    "tech_transfer": "技术转移机构",
    "university": "高校",
    "research_institute": "科研院所",
    "financial": "金融机构",
}
PROVIDER_KINDS = frozenset(ORG_KIND_LABELS) - {"enterprise"}


class QualificationKind(StrEnum):
    hitech = "高新技术企业"
    eagle = "雏鹰"  # 雏鹰企业
    gazelle = "瞪羚"  # 瞪羚企业
    leader = "科技领军"  # 科技领军企业
    leader_cultivation = "领军培育"  # 科技领军培育企业


class CreditStanding(StrEnum):
    good = "good"  # 守信
    normal = "normal"  # 一般
    bad = "bad"  # 失信 / 异常


CREDIT_LABELS: dict[str, str] = {"good": "良好", "normal": "一般", "bad": "失信/异常"}


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    kind: str = Field(max_length=32, index=True)
    credit_code: str = Field(max_length=18, unique=True)  # 统一社会信用代码
    region: str = Field(default="河北区", max_length=32)
    street: str | None = Field(default=None, max_length=32)
    industry: str | None = Field(default=None, max_length=32)
    description: str = Field(default="", max_length=2000)
    # Portrait (企业画像) fields: private to the organisation and staff.
    employees: int | None = Field(default=None, ge=0)
    revenue_wan: Decimal | None = money_field()
    rd_spending_wan: Decimal | None = money_field()
    invention_patents: int = Field(default=0, ge=0)
    total_patents: int = Field(default=0, ge=0)
    # Figures the qualification rules (资质认定条件) read; None means "not given", which a
    # rule reports as unknown, never as passed.
    registered_on: date | None = None  # 注册成立日期
    sci_tech_staff: int | None = Field(default=None, ge=0)  # 科技人员数
    revenue_3y_wan: Decimal | None = money_field()  # 近三个会计年度销售收入总额
    rd_spending_3y_wan: Decimal | None = money_field()  # 近三个会计年度研发费用总额
    rd_domestic_3y_wan: Decimal | None = money_field()  # 其中在中国境内发生的研发费用
    hitech_revenue_wan: Decimal | None = money_field()  # 上年高新技术产品（服务）收入
    utility_patents: int | None = Field(default=None, ge=0)  # 实用新型专利
    design_patents: int | None = Field(default=None, ge=0)  # 外观设计专利
    software_copyrights: int | None = Field(default=None, ge=0)  # 软件著作权
    # 近一年是否发生重大安全、重大质量事故或严重环境违法行为
    major_incident: bool | None = None
    credit_standing: str | None = Field(default=None, max_length=16)
    credit_source: str | None = Field(default=None, max_length=100)
    credit_date: date | None = None
    contact_name: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = Field(default=None, max_length=50)
    contact_email: str | None = Field(default=None, max_length=100)
    share_contacts: bool = True  # contacts revealed to the other side after approval
    is_demo: bool = False
    created_at: datetime = created_at_field()
    updated_at: datetime | None = timestamp_field()
    # Staff deactivate a record (its users can no longer log in) or merge it into the record of
    # the same organisation (its postings, users and qualifications move there); the row stays,
    # so its matches, contracts and audit history keep pointing at something.
    deactivated_at: datetime | None = timestamp_field()
    deactivation_note: str = Field(default="", max_length=500)
    merged_into_id: int | None = Field(default=None, foreign_key="organisation.id")


class Qualification(SQLModel, table=True):
    """A qualification (资质) held by an enterprise: 高新技术企业, 雏鹰, 瞪羚 …"""

    __table_args__ = (UniqueConstraint("org_id", "kind", "year_granted"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16, index=True)
    year_granted: int
    expires_on: date | None = None
    certificate_no: str | None = Field(default=None, max_length=64)


class RelatedParty(SQLModel, table=True):
    """A related party (关联方): used to flag conflicts of interest in matches."""

    __table_args__ = (UniqueConstraint("org_id", "related_org_id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    related_org_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    relation: str = Field(max_length=50)
