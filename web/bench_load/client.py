"""A small keep-alive HTTP/1.1 client for the load generator (cheaper per request than locust's)."""

from __future__ import annotations

import asyncio

HOST = "127.0.0.1"


class Connection:
    """One keep-alive HTTP/1.1 connection to the server (Content-Length or chunked bodies)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, *, cookies: dict[str, str] | None = None,
                      headers: dict[str, str] | None = None,
                      body: bytes = b"") -> tuple[int, dict[str, list[str]], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        if body or method != "GET":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            return await self._response()
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise

    async def _response(self) -> tuple[int, dict[str, list[str]], bytes]:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        hdrs: dict[str, list[str]] = {}
        for line in header_lines:
            if ":" in line:
                k, v = line.split(":", 1)
                hdrs.setdefault(k.strip().lower(), []).append(v.strip())
        if "content-length" in hdrs:
            body = await self.reader.readexactly(int(hdrs["content-length"][0]))
        elif "chunked" in ",".join(hdrs.get("transfer-encoding", [])):
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(p[:-2] for p in parts)
        else:
            body = b""
        if "close" in ",".join(hdrs.get("connection", [])).lower():
            self.close()
        return status, hdrs, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def cookies_from(hdrs: dict[str, list[str]], jar: dict[str, str]) -> None:
    for raw in hdrs.get("set-cookie", []):
        name, _, rest = raw.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


