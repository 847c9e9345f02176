"""Check every request's size and text before the app sees it.

- The body is counted as it streams, so the upload limit holds for chunked requests
  that carry no Content-Length (they were buffered whole before any check).
- Text in the query string, the path, a JSON body or a form may not hold control
  characters (NUL and the rest of C0/C1, except tab and line breaks) or bidirectional
  overrides: NUL breaks PostgreSQL text, control characters break Excel exports, and
  overrides make a name read differently from what it is. Files in multipart uploads
  are not text and are checked by their own readers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.security.request_body import BodyTooLarge, read_body, replaying

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
BAD_TEXT = "提交的内容含有不允许的控制字符（如 NUL、方向控制符），请删除后重试"
Render = Callable[[Request, int, str], Response]


def has_forbidden(value: Any) -> bool:
    """True if any string (or key) in a JSON-like value holds a forbidden character."""
    return any(FORBIDDEN.search(text) for text in _strings(value))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class BodyGuard:
    """ASGI middleware; ``render`` builds the Chinese error page or JSON for a request."""

    def __init__(self, app: ASGIApp, *, max_bytes: Callable[[], int], render: Render) -> None:
        self.app = app
        self.max_bytes = max_bytes  # read per request: the settings the app runs with now
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        if FORBIDDEN.search(scope.get("path", "")) or FORBIDDEN.search(unquote(query.replace("+", " "))):
            await self._refuse(scope, 400, BAD_TEXT, send)
            return
        try:
            body = await read_body(receive, max_bytes=self.max_bytes())
        except BodyTooLarge:
            limit = self.max_bytes() // (1024 * 1024)
            await self._refuse(scope, 413, f"上传内容过大（上限 {limit} MB）", send)
            return
        if body is None:  # the client went away
            return
        if self._bad_text(scope, body):
            await self._refuse(scope, 422, BAD_TEXT, send)
            return
        await self.app(scope, replaying(body, receive), send)

    @staticmethod
    def _bad_text(scope: Scope, body: bytes) -> bool:
        if not body:
            return False
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"").decode("latin-1").lower()
        if content_type.startswith("application/x-www-form-urlencoded"):
            pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            return any(FORBIDDEN.search(k) or FORBIDDEN.search(v) for k, v in pairs)
        if "json" in content_type:
            try:
                return has_forbidden(json.loads(body))
            except (ValueError, RecursionError):
                return False  # not JSON: the route's own parser answers in Chinese
        return False

    async def _refuse(self, scope: Scope, status: int, message: str, send: Send) -> None:
        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        response = self.render(Request(scope, nothing), status, message)
        await response(scope, nothing, send)
