"""Platform settings: environment variables prefixed ZHENGQI_, plus DATABASE_URL."""

from __future__ import annotations

from datetime import tzinfo
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from web.presentation.times import DEFAULT_TIME_ZONE, local_zone

# Hosts a browser on this machine uses, and the test client's name: enough for the demo.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "testserver")
DEFAULT_DATABASE_URL = "sqlite:///zhengqi.db"


class Settings(BaseSettings):
    # populate_by_name: Settings(database_url=...) must win over the default (tests, live server).
    model_config = SettingsConfigDict(env_prefix="ZHENGQI_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "ZHENGQI_DATABASE_URL"),
    )
    # "demo" loads the demo data (and its demo accounts) into an empty database;
    # "production" refuses to create demo accounts.
    mode: str = "demo"
    seed_on_start: bool = True
    session_hours: int = 12
    cookie_secure: bool | None = None  # None: Secure exactly when the request is HTTPS
    match_threshold: float = 0.15  # proposals at or above this score enter the staff queue
    match_top_k: int = 10
    # Postings are matched by each worker's background thread after they are stored;
    # False matches them in the request that wrote them (tests, single-shot scripts).
    match_in_background: bool = True
    # Where the refit job writes the versioned, memory-mapped index files every worker
    # maps (shared by all workers of one platform). Empty: a folder in the temp directory.
    index_dir: str = ""
    stale_days: int = 14  # pipeline matches with no move for this long are flagged
    # 定时任务: the scheduler thread of each worker (None: on, except in mode "test").
    scheduler_enabled: bool | None = None
    scheduler_tick_seconds: int = Field(default=30, ge=1)
    session_retention_days: int = Field(default=7, ge=1)  # ended sessions are then deleted
    # 登录日志 is a network log: the Cybersecurity Law (第二十一条) asks for six months at least.
    login_log_retention_days: int = Field(default=180, ge=180)
    # A write's answer kept for retries with the same Idempotency-Key (or form token).
    idempotency_hours: int = Field(default=24, ge=1, le=24 * 30)
    max_upload_bytes: int = 5 * 1024 * 1024
    # Versions of the ranking model learned from staff decisions (`zhengqi learn`); every
    # worker reads the active one from here, so workers on several hosts share this folder.
    model_dir: str = "data/models"
    # Host names the platform answers to (comma separated in ZHENGQI_ALLOWED_HOSTS; a leading
    # "*." allows subdomains). Any other Host header is refused, so that links and redirects
    # can never point at a forged host. Production must set it.
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = LOCAL_HOSTS
    # Addresses of the reverse proxy whose X-Forwarded-For/-Proto uvicorn trusts.
    forwarded_allow_ips: str = "127.0.0.1"
    # Every time shown to people (pages, messages, exports) is in this zone; stored times are UTC.
    time_zone: str = DEFAULT_TIME_ZONE

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        local_zone(value)
        return value

    @property
    def tz(self) -> tzinfo:
        return local_zone(self.time_zone)

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(h.strip().lower() for h in value.split(",") if h.strip())
        return value

    @property
    def runs_scheduler(self) -> bool:
        return self.scheduler_enabled if self.scheduler_enabled is not None else self.mode != "test"

    @property
    def is_production(self) -> bool:
        return self.mode == "production"

    def production_problems(self) -> list[str]:
        """What stops a production start, in Chinese, each with what to set (empty: none)."""
        if not self.is_production:
            return []
        problems = []
        if "database_url" not in self.model_fields_set:
            problems.append(
                "生产模式不能使用默认的 SQLite 文件数据库：请设置 DATABASE_URL，例如 "
                "postgresql://zhengqi:密码@127.0.0.1:5432/zhengqi")
        if "allowed_hosts" not in self.model_fields_set or not self.allowed_hosts \
                or "*" in self.allowed_hosts:
            problems.append(
                "生产模式必须设置允许访问的域名：请设置 ZHENGQI_ALLOWED_HOSTS，例如 "
                "zhengqi.hebei.gov.cn（多个用逗号分隔，不能用 *）")
        return problems

    @property
    def sqlalchemy_url(self) -> str:
        # Accept the usual postgres:// and postgresql:// forms; use psycopg 3.
        url = self.database_url
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url
