"""Platform settings: environment variables prefixed ZHENGQI_, plus DATABASE_URL."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    # populate_by_name: Settings(database_url=...) must win over the default (tests, live server).
    model_config = SettingsConfigDict(env_prefix="ZHENGQI_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default="sqlite:///zhengqi.db",
        validation_alias=AliasChoices("DATABASE_URL", "ZHENGQI_DATABASE_URL"),
    )
    # "demo" loads the demo data (and its demo accounts) into an empty database;
    # "production" refuses to create demo accounts.
    mode: str = "demo"
    seed_on_start: bool = True
    session_hours: int = 12
    cookie_secure: bool | None = None  # None: Secure exactly when the request is HTTPS
    login_max_failures: int = 5  # per username within login_window_minutes
    login_window_minutes: int = 15
    match_threshold: float = 0.15  # proposals at or above this score enter the staff queue
    match_top_k: int = 10
    stale_days: int = 14  # pipeline matches with no move for this long are flagged
    max_upload_bytes: int = 5 * 1024 * 1024

    @property
    def is_production(self) -> bool:
        return self.mode == "production"

    @property
    def sqlalchemy_url(self) -> str:
        # Accept the usual postgres:// and postgresql:// forms; use psycopg 3.
        url = self.database_url
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url
