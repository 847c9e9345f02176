"""A standard-library client that logs in as a browser does and keeps its cookies."""

from __future__ import annotations

import http.client
import json
import re
from typing import Any
from urllib.parse import urlencode

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client:
    """One client: its own keep-alive connection, the logged-in cookies."""

    def __init__(self, port: int, cookie: str, csrf: str) -> None:
        self.port, self.cookie, self.csrf = port, cookie, csrf
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def post(self, path: str, body: dict[str, Any], key: str) -> tuple[int, dict[str, str], bytes] | None:
        """The answer, or None when it never came (connection cut, refused, timed out)."""
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request("POST", path, body=json.dumps(body).encode(), headers={
                "Content-Type": "application/json", "Cookie": self.cookie, "X-CSRF-Token": self.csrf,
                "Idempotency-Key": key})
            r = self.conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return None


def login(port: int, username: str, password: str) -> tuple[str, str]:
    """Log in through the form; return the Cookie header and the session's CSRF token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    r = conn.getresponse()
    page = r.read().decode()
    anon = _cookies(r.getheaders())
    token = _CSRF.search(page).group(1)  # type: ignore[union-attr]
    form = urlencode({"username": username, "password": password, "csrf_token": token})
    conn.request("POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(anon)})
    r = conn.getresponse()
    r.read()
    cookies = {**anon, **_cookies(r.getheaders())}
    header = _cookie_header(cookies)
    conn.request("GET", "/enterprise/needs/new", headers={"Cookie": header})
    r = conn.getresponse()
    csrf = _CSRF.search(r.read().decode()).group(1)  # type: ignore[union-attr]
    conn.close()
    return header, csrf


def _cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    out = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            k, _, rest = value.partition("=")
            out[k] = rest.split(";", 1)[0]
    return out


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())

