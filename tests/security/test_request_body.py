"""Reading a request body once in middleware and handing it on to the app."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest
from starlette.types import Message, Receive

from web.security.request_body import BodyTooLarge, read_body, replaying


def _receiving(messages: Iterable[Message]) -> Receive:
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0)

    return receive


def _chunks(*parts: bytes) -> list[Message]:
    return [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]


def test_the_chunks_are_joined_into_the_body() -> None:
    assert asyncio.run(read_body(_receiving(_chunks(b"a=1", b"&b=2")))) == b"a=1&b=2"


def test_a_body_past_the_limit_is_refused_as_it_streams() -> None:
    with pytest.raises(BodyTooLarge):
        asyncio.run(read_body(_receiving(_chunks(b"x" * 6, b"y" * 6, b"never read")), max_bytes=10))


def test_a_client_that_goes_away_leaves_no_body() -> None:
    messages = [*_chunks(b"a", b"b")[:1], {"type": "http.disconnect"}]
    assert asyncio.run(read_body(_receiving(messages))) is None


def test_the_app_gets_the_body_once_then_what_follows() -> None:
    replay = replaying(b"a=1", _receiving([{"type": "http.disconnect"}]))

    async def both() -> list[Message]:
        return [await replay(), await replay()]

    assert asyncio.run(both()) == [{"type": "http.request", "body": b"a=1", "more_body": False},
                                   {"type": "http.disconnect"}]
