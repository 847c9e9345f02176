"""Nothing a browser loads comes from another host, on every page that returns HTML.

Every GET route of the permission matrix is requested as each role allowed to see it;
each HTML answer, and each stylesheet it links, is searched for a resource on another
host. On a government intranet such a resource is a blank page or a missing style.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.web.permission_entries import ROLES, load_entries
from tests.web.test_permission_matrix import build_world, fill, send
from web.app import create_app
from web.settings import Settings

BASE = "http://testserver"
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)


class _Loaded(HTMLParser):
    """Collects what a browser fetches by itself: src, srcset, link hrefs, style urls."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("src", "poster", "data"):
            if a.get(key):
                self.urls.append(a[key])
        if a.get("srcset"):
            self.urls += [part.split()[0] for part in a["srcset"].split(",") if part.strip()]
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])
            if "stylesheet" in a.get("rel", ""):
                self.stylesheets.append(a["href"])
        if a.get("style"):
            self.urls += [m[0] or m[1] for m in _CSS_URL.findall(a["style"])]
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh" and "url=" in a.get("content", "").lower():
            self.urls.append(a["content"].split("=", 1)[1])

    def handle_data(self, data: str) -> None:
        if self.lasttag == "style":
            self.urls += [m[0] or m[1] for m in _CSS_URL.findall(data)]


def foreign(urls: list[str], page: str) -> list[str]:
    out = []
    for url in urls:
        absolute = urljoin(BASE + page, url.strip())
        if urlsplit(absolute).scheme not in ("http", "https", "data") or \
                (urlsplit(absolute).scheme != "data" and urlsplit(absolute).netloc != "testserver"):
            out.append(url)
    return out


def check_page(client: TestClient, page: str, html: str, problems: list[str],
               css_seen: dict[str, list[str]]) -> None:
    parser = _Loaded()
    parser.feed(html)
    problems += [f"{page}: loads {u}" for u in foreign(parser.urls, page)]
    for sheet in parser.stylesheets:
        path = urlsplit(urljoin(BASE + page, sheet)).path
        if path not in css_seen:
            r = client.get(path)
            css_seen[path] = [m[0] or m[1] for m in _CSS_URL.findall(r.text)] if r.status_code == 200 \
                else [f"(stylesheet answered {r.status_code})"]
        problems += [f"{page} -> {path}: loads {u}" for u in foreign(css_seen[path], path)]


def test_foreign_resources_are_detected() -> None:
    parser = _Loaded()
    parser.feed('<script src="https://cdn.example/x.js"></script><img srcset="//cdn.example/a.png 2x">'
                '<link rel="stylesheet" href="/static/a.css"><div style="background:url(http://x.example/b.png)">')
    assert foreign(parser.urls, "/") == ["https://cdn.example/x.js", "//cdn.example/a.png",
                                          "http://x.example/b.png"]


def test_no_html_route_loads_anything_from_another_host(engine: Any, session: Session) -> None:
    world = build_world(session)
    app = create_app(Settings(database_url=str(engine.url), seed_on_start=False, mode="test"),
                     engine=engine)
    problems: list[str] = []
    css_seen: dict[str, list[str]] = {}
    pages: set[str] = set()
    with TestClient(app) as client:
        for entry in load_entries():
            if entry.method != "GET":
                continue
            roles = (None, *ROLES) if not entry.allowed else [r for r in ROLES if r in entry.allowed]
            for role in roles:
                path = fill(entry.path, world, role)
                r = send(client, entry, path, role, session, world)
                if r.status_code == 200 and r.headers.get("content-type", "").startswith("text/html"):
                    pages.add(entry.path)
                    check_page(client, path, r.text, problems, css_seen)
        docs = client.get("/api/docs")
        assert docs.status_code == 200
        check_page(client, "/api/docs", docs.text, problems, css_seen)
        for asset in ("/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css"):
            assert client.get(asset).status_code == 200, asset
    assert not problems, "\n".join(problems)
    assert len(pages) >= 30, sorted(pages)  # the walk really reached the platform's pages
    assert css_seen  # and the stylesheets they link
