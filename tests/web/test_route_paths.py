"""The route index gives the same path as Starlette's scan, for every named route."""

from __future__ import annotations

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import NoMatchFound

from web.presentation.paths import route_paths

# A value each kind of path parameter accepts.
_SAMPLE = {"integer": 12345678901, "string": "abc", "path": "css/app.css"}


def _params(route) -> dict[str, object]:  # type: ignore[no-untyped-def]
    convertors = getattr(route, "param_convertors", {}) or {}
    return {name: _SAMPLE[type(conv).__name__.removesuffix("Convertor").lower()]
            for name, conv in convertors.items()}


def test_every_named_route_resolves_as_starlette_does(client: TestClient) -> None:
    app = client.app
    index = route_paths(app)
    named = [r for r in iter_route_contexts(app.routes) if r.name]
    assert len(named) > 100
    for route in named:
        params = _params(route)
        assert str(index.url_path(route.name, **params)) == str(app.url_path_for(route.name, **params)), route.name


def test_unknown_names_and_wrong_parameters_are_refused(client: TestClient) -> None:
    index = route_paths(client.app)
    with pytest.raises(NoMatchFound):
        index.url_path("no_such_route")
    with pytest.raises(NoMatchFound):
        index.url_path("staff_review_detail")  # its match_id is missing
    assert index.url_path("staff_review_detail", match_id=7) == "/staff/review/7"


@pytest.mark.parametrize(("scheme", "host", "root"), [("http", b"localhost", ""), ("https", b"zq.example.cn", ""),
                                                      ("http", b"10.0.0.5:8080", "/zhengqi")])
def test_absolute_urls_are_starlettes_for_each_scheme_host_and_root(client: TestClient, scheme: str,
                                                                     host: bytes, root: str) -> None:
    from starlette.requests import Request

    from web.presentation.paths import route_url

    def request() -> Request:
        return Request({"type": "http", "app": client.app, "scheme": scheme, "server": ("localhost", 80),
                        "path": "/dashboard", "root_path": root, "headers": [(b"host", host)],
                        "query_string": b"", "method": "GET"})

    for name, params in [("dashboard", {}), ("static", {"path": "css/app.css"}),
                         ("staff_review_detail", {"match_id": 7})]:
        for _ in range(2):  # the remembered answer is the same as the first
            assert route_url(request(), name, **params) == request().url_for(name, **params)
