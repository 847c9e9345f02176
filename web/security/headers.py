"""Response headers every answer carries, and a request id for every request.

- Content-Security-Policy: scripts only from this host (the templates have no inline
  script or handler), no framing at all, no plugins, forms post only here.
- Strict-Transport-Security when the request came over HTTPS.
- Cache-Control: no-store on answers to a logged-in browser (a shared computer's back
  button and proxies must not replay them); static files keep their own caching.
- X-Request-ID: the id the error page shows and the log records, so a report can be traced.
"""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, session_cookie: str) -> None:
        self.app = app
        self.session_marker = f"{session_cookie}=".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        # A proxy's id is kept (so its log and ours agree) if it looks like one.
        sent_id = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = sent_id if _SAFE_ID.match(sent_id) else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        logged_in = self.session_marker in headers.get(b"cookie", b"")
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["X-Request-ID"] = request_id
                out.setdefault("Content-Security-Policy", CSP)
                out.setdefault("X-Content-Type-Options", "nosniff")
                out.setdefault("X-Frame-Options", "DENY")
                out.setdefault("Referrer-Policy", "same-origin")
                if scope.get("scheme") == "https":
                    out.setdefault("Strict-Transport-Security", HSTS)
                if logged_in and not static:
                    out["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
