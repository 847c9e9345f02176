"""Every path, query and form parameter of every route is bounded; the fuzzer's finds stay fixed."""

from __future__ import annotations

import types
from collections.abc import Iterator
from datetime import date
from typing import Any, Union, get_args, get_origin

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_match, make_need, make_offer, make_org, make_user
from tests.web.conftest import login
from web.routes import all_routers

BOUNDED_TYPES = (int, float, date)


def _params(dependant: Any) -> Iterator[Any]:
    yield from dependant.path_params
    yield from dependant.query_params
    yield from dependant.body_params
    for sub in dependant.dependencies:
        yield from _params(sub)


def _scalar_types(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) in (Union, types.UnionType):
        return get_args(annotation)
    return (annotation,)


def test_every_numeric_and_date_parameter_has_both_bounds() -> None:
    unbounded = []
    for router in all_routers():
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            for param in _params(route.dependant):
                if not any(t in BOUNDED_TYPES for t in _scalar_types(param.field_info.annotation)):
                    continue
                meta = param.field_info.metadata
                low = any(getattr(m, "ge", None) is not None or getattr(m, "gt", None) is not None for m in meta)
                high = any(getattr(m, "le", None) is not None or getattr(m, "lt", None) is not None for m in meta)
                if not (low and high):
                    unbounded.append(f"{sorted(route.methods)[0]} {route.path} {param.name}")
    assert unbounded == []


HUGE = "5898240774976482295083534647296"  # beyond 64 bits, from the fuzzer

# (role, method, path): each was a 500 before its parameter was bounded.
FUZZ_FINDS = [
    ("enterprise", "POST", f"/api/v1/needs/{HUGE}/publish"),
    ("enterprise", "POST", f"/api/v1/needs/{HUGE}/reopen"),
    ("enterprise", "GET", f"/api/v1/needs/{HUGE}/recommendations"),
    ("enterprise", "POST", f"/api/v1/matches/{HUGE}/interest"),
    ("enterprise", "GET", f"/api/v1/matches/{HUGE}"),
    ("provider", "GET", f"/api/v1/offers/{HUGE}"),
    ("provider", "POST", f"/api/v1/offers/{HUGE}/close"),
    ("staff", "POST", f"/api/v1/staff/matches/{HUGE}/approve"),
    ("staff", "GET", f"/api/v1/staff/matches/{HUGE}"),
    ("staff", "GET", f"/api/v1/staff/portraits/{HUGE}"),
    ("staff", "GET", "/api/v1/staff/queue?min_age_days=3135262811"),
    ("staff", "GET", "/api/v1/staff/queue?max_age_days=908983&min_age_days=51215421"),
    ("staff", "GET", "/api/v1/staff/audit?date_to=9999-12-31"),
    ("staff", "GET", "/api/v1/staff/audit?date_from=0001-01-01"),
    ("staff", "GET", f"/api/v1/staff/audit?page={HUGE}"),
    ("staff", "GET", "/api/v1/needs?date_to=9999-12-31&date_from=0001-01-01"),
    ("official", "GET", "/api/v1/dashboard/indicators/3/platform?year=3135262811"),
    ("official", "GET", f"/api/v1/dashboard/indicators/{HUGE}/platform"),
    ("admin", "PATCH", f"/api/v1/users/{HUGE}"),
    ("enterprise", "GET", f"/api/v1/notifications/{HUGE}/read"),
    ("staff", "GET", f"/staff/matches/{HUGE}"),
    ("staff", "GET", f"/staff/portraits/{HUGE}"),
    ("enterprise", "GET", f"/enterprise/needs/{HUGE}"),
    ("enterprise", "GET", f"/enterprise/matches/{HUGE}"),
    ("official", "GET", f"/dashboard/indicators/{HUGE}"),
    ("official", "GET", "/dashboard/indicators/3?year=99999999999999999999"),
]
BIG = int(HUGE)
# (role, method, path, JSON body): integers in bodies that reached the driver.
BODY_FINDS = [
    ("staff", "POST", "/api/v1/staff/matches/bulk", {"match_ids": [1, -BIG, BIG], "decision": "approve"}),
    ("staff", "POST", "/api/v1/staff/matches", {"need_id": BIG, "offer_id": 1}),
    ("staff", "POST", "/api/v1/dashboard/actuals", {"number": 3, "year": BIG, "value": "1", "source": "x"}),
    ("enterprise", "PATCH", "/api/v1/me/organisation", {"employees": 2**40}),
    ("enterprise", "PATCH", "/api/v1/me/organisation", {"total_patents": BIG}),
]


@pytest.fixture
def world(session: Session) -> dict[str, str]:
    ent = make_org(session, kind="enterprise")
    prov = make_org(session, kind="intermediary")
    make_match(session, need=make_need(session, org=ent), offer=make_offer(session, org=prov))
    return {role: make_user(session, role=role, org={"enterprise": ent, "provider": prov}.get(role)).username
            for role in ("enterprise", "provider", "staff", "official", "admin")}


@pytest.mark.parametrize("role", ["enterprise", "provider", "staff", "official", "admin"])
def test_fuzzer_finds_are_chinese_4xx_not_500(client: TestClient, world: dict[str, str], role: str) -> None:
    token = login(client, world[role])
    for who, method, path in FUZZ_FINDS:
        if who != role:
            continue
        r = client.request(method, path, headers={"X-CSRF-Token": token}, json={} if method != "GET" else None,
                           follow_redirects=False)
        assert 400 <= r.status_code < 500, (method, path, r.status_code, r.text[:200])
        if path.startswith("/api/"):
            assert r.json()["detail"], path
        else:
            assert '<html lang="zh-CN">' in r.text, path
    for who, method, path, body in BODY_FINDS:
        if who == role:
            r = client.request(method, path, headers={"X-CSRF-Token": token}, json=body)
            assert r.status_code == 422 and r.json()["detail"] == "提交的内容有误，请检查后重试", (path, r.text)


def _request_schemas(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for media in op.get("requestBody", {}).get("content", {}).values():
                yield f"{method.upper()} {path}", media["schema"]


def _unbounded_integers(schema: dict[str, Any], spec: dict[str, Any], where: str) -> Iterator[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        yield from _unbounded_integers(spec["components"]["schemas"][name], spec, f"{where}.{name}")
        return
    for branch in schema.get("anyOf", []) + schema.get("allOf", []):
        yield from _unbounded_integers(branch, spec, where)
    if schema.get("type") == "integer" and ("maximum" not in schema or "minimum" not in schema):
        yield where
    if "items" in schema:
        yield from _unbounded_integers(schema["items"], spec, f"{where}[]")
    for name, prop in schema.get("properties", {}).items():
        yield from _unbounded_integers(prop, spec, f"{where}.{name}")


def test_every_integer_in_a_request_body_has_both_bounds() -> None:
    from web.app import create_app
    from web.settings import Settings

    spec = create_app(Settings(database_url="sqlite://")).openapi()
    found = sorted({w for op, schema in _request_schemas(spec) for w in _unbounded_integers(schema, spec, op)})
    assert found == []
