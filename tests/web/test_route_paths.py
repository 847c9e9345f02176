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
