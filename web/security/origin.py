"""Is a state-changing request from one of the platform's own pages? (Origin, then Referer.)

Browsers send Origin with every cross-site POST; Referer covers older ones. A request with
neither (a script, curl) still needs its CSRF token, so it is not refused here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _site(scheme: str, netloc: str) -> str:
    host, _, port = netloc.lower().rpartition(":") if netloc.count(":") == 1 else (netloc.lower(), "", "")
    if port and port != _DEFAULT_PORTS.get(scheme):
        return f"{host}:{port}"
    return host or netloc.lower()


def from_own_site(request: Request) -> bool:
    """False when Origin or Referer names another site (or Origin is "null")."""
    own = _site(request.url.scheme, request.url.netloc)
    origin = request.headers.get("origin")
    source = origin if origin is not None else request.headers.get("referer")
    if source is None:
        return True
    parts = urlsplit(source.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    # TLS may end at the reverse proxy (https outside, http here); never the other way round.
    if request.url.scheme == "https" and parts.scheme != "https":
        return False
    return _site(parts.scheme, parts.netloc) == own
