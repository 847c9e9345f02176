"""Refuse requests whose Host header is not one of the platform's own names.

Starlette's TrustedHostMiddleware does the same check but answers in English; people here
read Chinese, and a refused host must say what to configure.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

REFUSED = "不允许的访问地址（Host）。管理员可在 ZHENGQI_ALLOWED_HOSTS 中加入本平台的域名。"


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """``host`` (a Host header, port included or not) against names and ``*.domain`` patterns."""
    name = host.strip().lower()
    if name.startswith("["):  # IPv6 literal: keep the brackets, drop the port
        name = name[: name.find("]") + 1]
    else:
        name = name.split(":", 1)[0]
    if not name:
        return False
    for pattern in allowed:
        if pattern == "*" or pattern == name:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


class AllowedHostsMiddleware:
    def __init__(self, app: ASGIApp, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = Headers(scope=scope).get("host", "")
            if not host_allowed(host, self.allowed):
                await PlainTextResponse(REFUSED, status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)
