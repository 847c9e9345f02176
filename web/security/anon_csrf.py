"""The anonymous double-submit token: a browser without one gets it with its first answer.

Forms shown before login (login, registration) carry this token, and the POST must send the
same value back in the ``zq_csrf`` cookie (``web.deps.csrf_protect``). A plain ASGI
middleware: Starlette's ``BaseHTTPMiddleware`` costs a task and a stream per request.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class AnonCsrfCookie:
    def __init__(self, app: ASGIApp, *, cookie: str) -> None:
        self.app, self.cookie = app, cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._has_cookie(scope):
            await self.app(scope, receive, send)
            return
        token = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["anon_csrf"] = token  # request.state.anon_csrf, for the form
        secure = "; Secure" if scope.get("scheme") == "https" else ""

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(
                    "set-cookie", f"{self.cookie}={token}; HttpOnly; Path=/; SameSite=lax{secure}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _has_cookie(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"cookie" and cookie_parser(value.decode("latin-1")).get(self.cookie):
                return True
        return False
