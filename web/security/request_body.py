"""Middleware that reads a request's whole body first: read it as it streams, then hand it on."""

from __future__ import annotations

from starlette.types import Message, Receive


class BodyTooLarge(Exception):
    """The body grew past the limit while it streamed."""


async def read_body(receive: Receive, *, max_bytes: int | None = None) -> bytes | None:
    """The whole body, counted as it streams (past ``max_bytes``: BodyTooLarge, so a chunked
    upload with no Content-Length is refused before it is buffered whole); None if the client
    went away first."""
    body = bytearray()
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        more = message.get("more_body", False)
        if max_bytes is not None and len(body) > max_bytes:
            raise BodyTooLarge
    return bytes(body)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the app the body already read, then whatever follows."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
