"""Safe retries: a write sent again with the same key gets the first answer and writes nothing.

API writes (POST, PUT, PATCH, DELETE under /api/) may carry an ``Idempotency-Key`` header;
page forms carry a one-time token (``form_token``, put in by the ``form_token()`` template
global). For a logged-in user, the first request with a key runs in a request-wide transaction
whose commit is held back (services' ``commit()`` only flushes) until its answer is known; the
answer (status, content type, Location, body) is then stored in the same transaction as the
write. So a worker killed at any moment leaves either the write *and* its answer, or neither:
a client retrying with the same key gets the stored answer, or the write runs for the first
time. A second request with a key still running waits for the first (SQLite's write lock,
PostgreSQL's advisory lock on the key), then gets its answer. The same key with another
method, path or body is refused (422). Answers of 4xx and 5xx are not kept (nothing was
written; the retry runs again). Keys belong to the user, expire after a day and are purged.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from markupsafe import Markup
from sqlalchemy import delete, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request

from models import IdempotencyKey
from web.security.request_body import read_body, replaying
from web.security.request_session import SCOPE_KEY
from web.services.accounts import auth

HEADER = "idempotency-key"
FORM_FIELD = "form_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY = re.compile(r"[\x21-\x7e]{1,200}")  # visible ASCII, as the IETF draft's examples use
KEPT_STATUS = range(200, 400)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BAD_KEY = "Idempotency-Key 应为1到200个可见ASCII字符"
REUSED = "该幂等键已用于另一个请求（方法、路径或内容不同），请为新请求换一个键"
FORM_REUSED = "该表单已经提交过，请刷新页面后重新填写"
DB_DOWN = "数据库暂时无法连接，请求未完成（没有写入任何内容），请稍后用同一幂等键重试"


def form_token() -> Markup:
    """A hidden field with a fresh one-time token: the page's form submits once, however often
    it is clicked."""
    return Markup(f'<input type="hidden" name="{FORM_FIELD}" value="{secrets.token_urlsafe(24)}">')


class DeferredCommitSession(Session):
    """The request's session while a keyed write runs: ``commit()`` flushes and notes the wish;
    the middleware commits once, together with the stored answer."""

    commit_requested = False

    def commit(self) -> None:
        self.flush()
        self.commit_requested = True

    def commit_now(self) -> None:
        super().commit()


@dataclass(frozen=True)
class Stored:
    status: int
    content_type: str
    location: str | None
    body: bytes


def _fingerprint(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        digest.update(part.encode() + b"\0")
    digest.update(body)
    return digest.hexdigest()


def _lock(session: Session, user_id: int, key: str) -> None:
    """Serialise requests with the same key: SQLite's BEGIN IMMEDIATE already holds the write
    lock; PostgreSQL takes a transaction-level advisory lock on the key."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"idem:{user_id}:{key}"})


def _find(session: Session, user_id: int, key: str, now: datetime) -> IdempotencyKey | None:
    row = session.exec(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)).first()
    if row is not None and row.expires_at <= now:
        session.delete(row)
        session.flush()
        return None
    return row


def purge_expired_keys(session: Session, *, now: datetime) -> int:
    """Delete stored answers past their expiry (flushes)."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    session.flush()
    return result.rowcount


class Idempotency:
    """ASGI middleware; sits inside the body-size guard (it reads whole bodies)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *,
                 ttl: timedelta = timedelta(hours=24), session_cookie: str = "zq_session") -> None:
        self.app = app
        self.ttl = ttl
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE:
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        api = scope["path"].startswith("/api/")
        raw_key = headers.get(HEADER) if api else None
        form = headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        token = Request(scope).cookies.get(self.session_cookie)
        if (api and raw_key is None) or (not api and not form) or not token:
            return await self.app(scope, receive, send)
        body = await read_body(receive)
        if body is None:  # the client went away (the body guard outside has read it whole already)
            return None
        replay = replaying(body, receive)
        if not api:
            raw_key = next((v for k, v in parse_qsl(body.decode("utf-8", "replace")) if k == FORM_FIELD), None)
            if raw_key is None:
                return await self.app(scope, replay, send)
        assert raw_key is not None
        if not KEY.fullmatch(raw_key):
            return await _error(scope, send, 400, BAD_KEY)
        key = ("api:" if api else "form:") + raw_key
        fingerprint = _fingerprint(scope, body)
        engine = scope["app"].state.engine
        session = DeferredCommitSession(engine)
        try:
            begun = await run_in_threadpool(self._begin, session, token, key, fingerprint)
        except OperationalError:
            session.close()
            return await _error(scope, send, 503, DB_DOWN)
        if begun is None:  # not logged in: nothing to keep; the app answers as usual
            session.close()
            return await self.app(scope, replay, send)
        user_id, found = begun
        if found is not None:
            await run_in_threadpool(session.close)
            if found.fingerprint != fingerprint:
                return await _error(scope, send, 422, REUSED if api else FORM_REUSED)
            return await _send_stored(send, found)
        scope[SCOPE_KEY] = session
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, replay, capture)
        except BaseException:
            await run_in_threadpool(_discard, session)
            raise
        answer = b"".join(chunks)
        try:
            outcome = await run_in_threadpool(self._finish, session, user_id, key, fingerprint, start, answer)
        except OperationalError:
            await run_in_threadpool(_discard, session)
            return await _error(scope, send, 503, DB_DOWN)
        if isinstance(outcome, Stored):  # a twin request won the race: its answer, not ours
            return await _send_stored(send, outcome)
        await send({**start, "type": "http.response.start"})
        await send({"type": "http.response.body", "body": answer})

    def _begin(self, session: Session, token: str, key: str, fingerprint: str
               ) -> tuple[int, _Found | None] | None:
        """Resolve the user, lock the key, look its answer up (the transaction stays open)."""
        found = auth.session_for_token(session, token)  # begins the transaction
        if found is None:
            return None
        user_id = found[0].id
        assert user_id is not None
        _lock(session, user_id, key)
        row = _find(session, user_id, key, datetime.now(UTC))
        if row is None:
            return user_id, None
        return user_id, _Found(Stored(row.status_code, row.content_type, row.location, row.body.encode()),
                               row.fingerprint)

    def _finish(self, session: DeferredCommitSession, user_id: int, key: str, fingerprint: str,
                start: Message, answer: bytes) -> Stored | None:
        try:
            status = start.get("status", 500)
            if status in KEPT_STATUS:
                hdrs = Headers(raw=start.get("headers", []))
                now = datetime.now(UTC)
                session.add(IdempotencyKey(
                    user_id=user_id, key=key, fingerprint=fingerprint, status_code=status,
                    content_type=hdrs.get("content-type", ""), location=hdrs.get("location"),
                    body=answer.decode("utf-8", "replace"), created_at=now, expires_at=now + self.ttl))
                try:
                    session.commit_now()
                except IntegrityError:
                    session.rollback()
                    row = _find(session, user_id, key, datetime.now(UTC))
                    return Stored(row.status_code, row.content_type, row.location, row.body.encode()) \
                        if row is not None else None
            elif session.commit_requested:
                session.commit_now()  # what the action committed stays committed; no answer kept
            else:
                session.rollback()
            return None
        finally:
            session.close()


@dataclass(frozen=True)
class _Found:
    stored: Stored
    fingerprint: str


def _discard(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


async def _send_stored(send: Send, found: _Found | Stored) -> None:
    stored = found.stored if isinstance(found, _Found) else found
    headers = [(b"content-length", str(len(stored.body)).encode()), (b"idempotent-replayed", b"true")]
    if stored.content_type:
        headers.append((b"content-type", stored.content_type.encode("latin-1")))
    if stored.location:
        headers.append((b"location", stored.location.encode("latin-1")))
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body})


async def _error(scope: Scope, send: Send, status: int, message: str) -> None:
    from web.errors import error_response

    request = Request(scope)
    request.state.user = None  # no database lookup for the page
    response = error_response(request, status, message)
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
