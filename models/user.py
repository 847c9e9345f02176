"""Users, their server-side sessions and login attempts (throttling, 登录日志)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import created_at_field, timestamp_field


class Role(StrEnum):
    enterprise = "enterprise"  # 企业用户
    provider = "provider"  # 服务机构用户
    staff = "staff"  # 科技局/服务专员
    official = "official"  # 领导
    admin = "admin"  # 系统管理员


ROLE_LABELS: dict[str, str] = {
    "enterprise": "企业用户",
    "provider": "服务机构用户",
    "staff": "服务专员",
    "official": "领导",
    "admin": "系统管理员",
}


# How a user hears of new messages: at once, or gathered into one digest a day.
NOTIFY_MODES: dict[str, str] = {"immediate": "即时通知", "daily": "每日摘要（每天 8:00）"}


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=50, unique=True)
    password_hash: str = Field(max_length=200)
    display_name: str = Field(default="", max_length=50)
    role: str = Field(max_length=16, index=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    is_active: bool = True
    is_demo: bool = False
    notify_mode: str = Field(default="immediate", max_length=16, sa_column_kwargs={"server_default": "immediate"})
    # The organisation's own administrator (its first registrant): may invite and disable colleagues.
    is_org_admin: bool = False
    # Set by an admin's password reset: the one-time password must be replaced at next login.
    must_change_password: bool = False
    created_at: datetime = created_at_field()
    last_login_at: datetime | None = timestamp_field()
    password_changed_at: datetime | None = timestamp_field()


class UserSession(SQLModel, table=True):
    """A server-side login session; logout or expiry ends it for good."""

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie token
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    csrf_token: str = Field(max_length=64)
    created_at: datetime = created_at_field()
    expires_at: datetime = timestamp_field(nullable=False)
    revoked_at: datetime | None = timestamp_field()
    # Shown on 在线用户; last_seen_at is refreshed at most once a minute per session.
    last_seen_at: datetime | None = timestamp_field()
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)


class LoginAttempt(SQLModel, table=True):
    __table_args__ = (Index("ix_loginattempt_created_at", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=50, index=True)
    ip: str = Field(default="", max_length=64, index=True)
    user_agent: str = Field(default="", max_length=300)
    success: bool = False
    created_at: datetime = created_at_field()


class LoginThrottle(SQLModel, table=True):
    """Failed-login counter for one key: an account, an address, or the pair of both.

    Each attempt is counted before its password is checked, and the next attempt on the
    key waits for ``next_allowed_at``: delays grow with failures instead of a hard lock.
    """

    key: str = Field(primary_key=True, max_length=200)
    failures: int = 0
    next_allowed_at: datetime = timestamp_field(nullable=False)
    updated_at: datetime = timestamp_field(nullable=False)
