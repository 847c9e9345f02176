"""Schema-driven fuzzing of the JSON API, in process, as every role.

Used by the suite at a small size (tests/security/test_api_fuzz.py) and as a long run:

    python -m tests.security.fuzz --examples 100 [--database-url URL]

Each API operation gets ``examples`` generated requests (valid and invalid, Hypothesis
through schemathesis) as each role; a server error or a response that does not match the
declared schema is a failure, reported with the request that caused it.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import Engine
from sqlmodel import Session

from models.db import autocommit_engine, make_engine
from models.migrate import upgrade
from tests.factories import PASSWORD, make_match, make_need, make_offer, make_org, make_user
from web.app import create_app
from web.settings import Settings

ROLES = ("anonymous", "enterprise", "provider", "staff", "official", "admin")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Failure:
    role: str
    operation: str
    message: str


@dataclass
class Report:
    calls: int = 0
    failures: list[Failure] = field(default_factory=list)


def populate(engine: Engine) -> None:
    """One organisation and account per role, and postings and a match between them."""
    with Session(autocommit_engine(engine)) as s:
        ent = make_org(s, kind="enterprise")
        prov = make_org(s, kind="intermediary")
        for role, org in (("enterprise", ent), ("provider", prov), ("staff", None),
                          ("official", None), ("admin", None)):
            make_user(s, role=role, org=org, username=f"fuzz-{role}")
        need = make_need(s, org=ent)
        offer = make_offer(s, org=prov)
        make_need(s, org=ent, status="draft", title="草稿需求")
        make_match(s, need=need, offer=offer)


def role_headers(client: TestClient, role: str) -> dict[str, str]:
    """Log in as ``role`` (or not) and return the headers a browser's script would send."""
    client.cookies.clear()
    page = client.get("/login").text
    token = _CSRF.search(page).group(1)  # type: ignore[union-attr]
    if role == "anonymous":
        return {"X-CSRF-Token": token, "Cookie": f"zq_csrf={client.cookies.get('zq_csrf')}"}
    r = client.post("/login", data={"username": f"fuzz-{role}", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    session_cookie = client.cookies.get("zq_session")
    token = client.get("/api/v1/csrf-token").json()["csrf_token"]
    return {"X-CSRF-Token": token, "Cookie": f"zq_session={session_cookie}"}


def fuzz(app: FastAPI, *, examples: int, roles: tuple[str, ...] = ROLES, seed: int | None = 2022,
         operations: str | None = None) -> Report:
    """Run ``examples`` generated requests per operation and role; return the failures."""
    report = Report()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    with TestClient(app) as client:
        headers = {role: role_headers(client, role) for role in roles}
        for result in schema.get_all_operations():
            operation = result.ok()
            label = f"{operation.method.upper()} {operation.path}"
            if operations and not re.search(operations, label):
                continue
            for role in roles:
                _fuzz_operation(operation, label, role, headers[role], examples, seed, report)
    return report


def _fuzz_operation(operation, label: str, role: str, headers: dict[str, str], examples: int,  # type: ignore[no-untyped-def]
                    seed: int | None, report: Report) -> None:
    strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | operation.as_strategy(
        generation_mode=GenerationMode.NEGATIVE)
    seen: set[str] = set()

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is not None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case) -> None:  # type: ignore[no-untyped-def]
        report.calls += 1
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # noqa: BLE001  (the in-process transport re-raises the app's error)
            first = f"500 {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            if first not in seen:
                seen.add(first)
                report.failures.append(Failure(role, label, f"{first}\n    {case.method} {case.formatted_path} "
                                                            f"query={case.query} body={str(case.body)[:200]}"))
            return
        for check in (not_a_server_error, response_schema_conformance):
            try:
                case.validate_response(response, checks=[check])
            except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis raises a group of failures
                found = getattr(exc, "exceptions", [exc])
                detail = "; ".join(" ".join(str(getattr(f, "message", f)).split())[:400] for f in found)
                message = f"{response.status_code} {check.__name__}: {detail}\n" \
                          f"    {case.method} {case.formatted_path} query={case.query} body={str(case.body)[:200]}"
                if message.split("\n")[0] not in seen:
                    seen.add(message.split("\n")[0])
                    report.failures.append(Failure(role, label, message))

    run()


@contextmanager
def fuzz_app(database_url: str | None) -> Iterator[FastAPI]:
    """A migrated, populated database (a temporary SQLite file unless given) and its app."""
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'fuzz.db'}"
        engine = make_engine(url)
        upgrade(engine)
        populate(engine)
        yield create_app(Settings(database_url=url, seed_on_start=False, mode="test"), engine=engine)
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--database-url", help="an EMPTY database of your own (its tables get rows)")
    parser.add_argument("--operations", help="regular expression on 'METHOD /path'")
    args = parser.parse_args(argv)
    with fuzz_app(args.database_url) as app:
        report = fuzz(app, examples=args.examples, operations=args.operations, seed=None)
    for f in report.failures:
        print(f"[{f.role}] {f.operation}\n  {f.message}")
    print(f"{report.calls} requests, {len(report.failures)} distinct failures")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
