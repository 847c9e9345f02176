"""The demo data loader: counts, idempotence, targets, sample flags, bad rows, production."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, func, select

from matcher.taxonomy import CATEGORIES
from matcher.text import tokenize
from models import (
    Contract,
    Indicator,
    IndicatorActual,
    IndicatorTarget,
    Match,
    MatchEvent,
    Need,
    Offer,
    Organisation,
    User,
)
from models.credit_code import is_valid_credit_code
from models.db import make_engine
from models.match import ContractType
from models.migrate import upgrade
from seed_data.loader import DEMO_DIR, SeedError, read_demo
from tests.conftest import PG_URL
from tests.services.conftest import small_demo, write_demo
from web.app import prepare_database
from web.presentation.times import default_today
from web.services import seed as seed_service
from web.services.accounts.auth import verify_password
from web.services.indicators.plan import PLAN_INDICATORS
from web.services.seed import (
    DEMO_NOTE,
    DEMO_PASSWORD,
    SeedRefused,
    load_demo,
    seed_if_empty,
)
from web.settings import Settings

DEMO_USERNAMES = {"demo-enterprise", "demo-provider", "demo-staff", "demo-official", "demo-admin"}

# DESIGN.md, "The plan's indicators", copied cell for cell (quotes as written there).
DESIGN_TABLE = [
    (1, "全社会研发投入强度", "%", "1.1", "1.2", "1.3"),
    (2, "有效发明专利", "件", "1000", "1050", "1110"),
    (3, "高新技术企业数量", "家", "100", "115", "125"),
    (4, '"雏鹰"企业数量', "家", "60", "60", "60"),
    (5, '"瞪羚"企业数量', "家", "2", "2", "3"),
    (6, "科技领军（领军培育）企业数量", "家", "1", "1", "2"),
    (7, "技术合同成交额", "亿元", "16", "18", "20"),
]


def counts(engine: Engine) -> dict[str, int]:
    """Rows in every table."""
    with Session(engine) as session:
        return {t.name: session.exec(select(func.count()).select_from(t)).one()
                for t in SQLModel.metadata.sorted_tables}


def _plain(name: str) -> str:
    return name.translate(str.maketrans("", "", "\"“”"))


# ---------------------------------------------------------------- small data, both databases
def test_small_load_then_reload_changes_nothing(engine: Engine, small_demo_dir: Path) -> None:
    report = load_demo(engine, data_dir=small_demo_dir, mode="demo")
    assert "示例数据已加载" in report
    first = counts(engine)
    assert first["organisation"] == 7 and first["need"] == 3 and first["offer"] == 3
    assert first["user"] == 5 and first["indicatoractual"] == 2 and first["indicatortarget"] == 21
    assert first["qualification"] == 4 and first["relatedparty"] == 1
    again = load_demo(engine, data_dir=small_demo_dir, mode="demo")
    assert "未作更改" in again
    assert counts(engine) == first


def test_rows_are_loaded_as_written(engine: Engine, small_demo_dir: Path) -> None:
    load_demo(engine, data_dir=small_demo_dir, mode="demo")
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.name == "示例机构0有限公司")).one()
        assert org.is_demo and org.revenue_wan == Decimal("1200.50")
        assert org.credit_standing == "good" and org.credit_date == date(2022, 6, 30)
        need = session.exec(select(Need).where(Need.title == "发明专利质押融资需求")).one()
        assert need.budget_wan == Decimal("51.00") and need.category == "科技金融"
        assert need.deadline is not None and (need.deadline - default_today()).days == 60
        assert need.tokens == " ".join(tokenize(f"{need.title}\n{need.description}"))
        offer = session.exec(select(Offer).where(Offer.title == "知识产权质押融资服务")).one()
        assert offer.price_wan == Decimal("30.25")
        actual = session.exec(select(IndicatorActual).join(Indicator)
                              .where(Indicator.number == 4)).one()
        assert actual.is_sample and actual.value == Decimal("58.5")


def test_demo_accounts(engine: Engine, small_demo_dir: Path) -> None:
    load_demo(engine, data_dir=small_demo_dir, mode="demo")
    with Session(engine) as session:
        users = {u.username: u for u in session.exec(select(User))}
        assert set(users) == DEMO_USERNAMES
        assert all(u.is_demo and verify_password(u.password_hash, DEMO_PASSWORD)
                   for u in users.values())
        assert {u.role for u in users.values()} == {"enterprise", "provider", "staff", "official",
                                                     "admin"}
        ent = session.get(Organisation, users["demo-enterprise"].org_id)
        prov = session.get(Organisation, users["demo-provider"].org_id)
        assert ent is not None and ent.name == "示例机构0有限公司"  # the first enterprise
        assert prov is not None and prov.kind == "university"  # the first provider
        assert users["demo-staff"].org_id is None


def test_seed_if_empty_only_loads_an_empty_database(engine: Engine, small_demo_dir: Path) -> None:
    from tests.factories import make_org

    with Session(engine) as session:
        make_org(session)
    assert seed_if_empty(engine, data_dir=small_demo_dir, mode="demo") is None
    assert counts(engine)["organisation"] == 1 and counts(engine)["user"] == 0


def test_workers_starting_at_once_seed_once(engine: Engine, small_demo_dir: Path) -> None:
    """Several web workers may find the database empty together; only one load happens."""
    import threading

    results: list[str | None | BaseException] = []

    def start() -> None:
        try:
            results.append(seed_if_empty(engine, data_dir=small_demo_dir, mode="demo"))
        except BaseException as exc:  # noqa: BLE001  (asserted below)
            results.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [r for r in results if isinstance(r, BaseException)], results
    loaded = counts(engine)
    assert loaded["organisation"] == 7 and loaded["user"] == 5 and loaded["need"] == 3
    assert loaded["contract"] == 3  # the demo pipeline ran once


def test_failure_midway_loads_nothing(engine: Engine, small_demo_dir: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("pipeline failed")

    monkeypatch.setattr(seed_service, "_demo_pipeline", boom)
    with pytest.raises(RuntimeError):
        load_demo(engine, data_dir=small_demo_dir, mode="demo")
    assert set(counts(engine).values()) == {0}


def test_demo_pipeline_records_every_transition(engine: Engine, small_demo_dir: Path) -> None:
    load_demo(engine, data_dir=small_demo_dir, mode="demo")
    with Session(engine) as session:
        staff = session.exec(select(User).where(User.username == "demo-staff")).one()
        moved = session.exec(select(Match).where(Match.status != "proposed")).all()
        assert moved
        for match in moved:
            events = session.exec(select(MatchEvent).where(MatchEvent.match_id == match.id,
                                                           MatchEvent.note == DEMO_NOTE)
                                  .order_by(MatchEvent.created_at, MatchEvent.id)).all()
            assert events[0].from_status == "proposed" and events[-1].to_status == match.status
            assert all(a.to_status == b.from_status for a, b in pairwise(events))
            assert {e.actor_id for e in events} == {staff.id}
        for contract in session.exec(select(Contract)):
            assert date(2021, 1, 1) <= contract.signed_on <= date(2022, 12, 31)
            assert contract.amount_wan > 0
            assert contract.contract_type in {t.value for t in ContractType}
            assert session.get(Match, contract.match_id).status == "contracted"  # type: ignore[union-attr]


# ---------------------------------------------------------------- production refusal
def test_production_mode_refuses(engine: Engine, small_demo_dir: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SeedRefused, match="生产模式"):
        load_demo(engine, data_dir=small_demo_dir, mode="production")
    monkeypatch.setenv("ZHENGQI_MODE", "production")
    with pytest.raises(SeedRefused):
        load_demo(engine, data_dir=small_demo_dir)
    with pytest.raises(SeedRefused):
        seed_if_empty(engine, data_dir=small_demo_dir)
    prepare_database(engine, Settings())  # app start in production: migrates, never seeds
    found = counts(engine)
    # Shipped reference data, not demo data: the national 高企 rule set and the plan's three pools.
    shipped = {"ruleset": 1, "rule": 7, "pool": 3}
    assert {t: found.pop(t) for t in shipped} == shipped
    assert set(found.values()) == {0}


def test_seed_command_refuses_in_production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from web.cli import app

    monkeypatch.setenv("ZHENGQI_MODE", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    result = CliRunner().invoke(app, ["seed"])
    assert result.exit_code == 2
    assert not (tmp_path / "prod.db").exists()


# ---------------------------------------------------------------- broken rows
def _set(path: list[Any], value: Any):  # type: ignore[no-untyped-def]
    def apply(data: dict[str, Any]) -> None:
        target = data
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value
    return apply


BROKEN = [
    ("bad check char", _set(["orgs", 2, "credit_code"], "91350100M000100Y44"),
     "organisations.json", "第3条 (index 2, key=org-2)", "校验位"),
    ("short code", _set(["orgs", 0, "credit_code"], "9135"), "organisations.json", "第1条", "18位"),
    ("unknown kind", _set(["orgs", 1, "kind"], "bank"), "organisations.json", "第2条", "kind"),
    ("negative revenue", _set(["orgs", 1, "revenue_wan"], -1), "organisations.json", "第2条", "负数"),
    ("negative employees", _set(["orgs", 1, "employees"], -3), "organisations.json", "第2条",
     "employees"),
    ("bad qualification", _set(["orgs", 0, "qualifications", 0, "kind"], "独角兽"),
     "organisations.json", "第1条", "资质类型"),
    ("bad credit standing", _set(["orgs", 0, "credit", "standing"], "excellent"),
     "organisations.json", "第1条", "credit.standing"),
    ("bad date", _set(["orgs", 0, "credit", "date"], "2022/06/30"), "organisations.json", "第1条",
     "YYYY-MM-DD"),
    ("unknown related", _set(["orgs", 0, "related", 0, "org_key"], "nobody"),
     "organisations.json", "第1条", "关联方 org_key 不存在"),
    ("duplicate name", _set(["orgs", 3, "name"], "示例机构0有限公司"), "organisations.json",
     "第4条", "name 重复"),
    ("duplicate key", _set(["orgs", 3, "key"], "org-0"), "organisations.json", "第4条", "key 重复"),
    ("unknown category", _set(["needs", 1, "category"], "不存在的类别"), "needs.jsonl", "第2行",
     "服务类别"),
    ("unknown org", _set(["needs", 2, "org_key"], "org-99"), "needs.jsonl", "第3行", "org_key 不存在"),
    ("negative budget", _set(["needs", 0, "budget_wan"], -5), "needs.jsonl", "第1行", "负数"),
    ("budget not a number", _set(["needs", 0, "budget_wan"], "五十"), "needs.jsonl", "第1行", "数字"),
    ("deadline in the past", _set(["needs", 0, "deadline_days"], -10), "needs.jsonl", "第1行",
     "deadline_days"),
    ("need by a provider", _set(["needs", 0, "org_key"], "org-5"), "needs.jsonl", "第1行",
     "只能由企业"),
    ("title too long", _set(["needs", 0, "title"], "需" * 101), "needs.jsonl", "第1行", "过长"),
    ("missing title", _set(["needs", 0, "title"], ""), "needs.jsonl", "第1行", "缺少字段 title"),
    ("offer by an enterprise", _set(["offers", 1, "org_key"], "org-0"), "offers.jsonl", "第2行",
     "只能由服务机构"),
    ("bad offer status", _set(["offers", 2, "status"], "published"), "offers.jsonl", "第3行",
     "status"),
    ("duplicate offer key", _set(["offers", 2, "key"], "offer-0"), "offers.jsonl", "第3行",
     "key 重复"),
    ("unknown indicator", _set(["actuals", 1, "indicator"], "独角兽企业数量"),
     "indicator_actuals.json", "第2条", "未知指标"),
    ("negative actual", _set(["actuals", 0, "value"], -1), "indicator_actuals.json", "第1条", "负数"),
    ("duplicate actual", _set(["actuals", 1, "indicator"], "高新技术企业数量"),
     "indicator_actuals.json", "第2条", "重复"),
]


@pytest.mark.parametrize("mutate, filename, row, message",
                         [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_row_names_file_and_row(tmp_path: Path, mutate, filename: str, row: str,  # type: ignore[no-untyped-def]
                                       message: str) -> None:
    data = small_demo()
    mutate(data)
    directory = write_demo(tmp_path / "demo", data)
    with pytest.raises(SeedError) as info:
        read_demo(directory, indicator_names=[r[1] for r in PLAN_INDICATORS])
    err = info.value
    assert err.path.name == filename and err.row.startswith(row) and message in err.message, str(err)
    assert filename in str(err) and row in str(err)


def test_not_json_and_missing_file(tmp_path: Path) -> None:
    directory = write_demo(tmp_path / "demo", small_demo())
    path = directory / "offers.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:2] + ['{"key": "offer-x", ']) + "\n", encoding="utf-8")
    with pytest.raises(SeedError, match=r"offers\.jsonl: 第3行: 不是合法的 JSON"):
        read_demo(directory, indicator_names=[r[1] for r in PLAN_INDICATORS])
    (directory / "organisations.json").unlink()
    with pytest.raises(SeedError, match="organisations.json.*文件不存在"):
        read_demo(directory, indicator_names=[r[1] for r in PLAN_INDICATORS])


def test_broken_row_loads_nothing(engine: Engine, tmp_path: Path) -> None:
    data = small_demo()
    data["offers"][2]["price_wan"] = -1  # the last row of the third file
    directory = write_demo(tmp_path / "demo", data)
    with pytest.raises(SeedError, match=r"offers\.jsonl: 第3行"):
        load_demo(engine, data_dir=directory, mode="demo")
    assert set(counts(engine).values()) == {0}


def test_broken_row_in_a_copy_of_the_real_files(engine: Engine, tmp_path: Path) -> None:
    directory = Path(shutil.copytree(DEMO_DIR, tmp_path / "demo"))
    path = directory / "needs.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[16])
    row["category"] = "不存在的类别"
    lines[16] = json.dumps(row, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SeedError, match=r"needs\.jsonl: 第17行: 服务类别无效"):
        load_demo(engine, data_dir=directory, mode="demo")
    assert set(counts(engine).values()) == {0}


# ---------------------------------------------------------------- the real demo data
@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, str, float]]:
    """One full demo load per database (PostgreSQL: in its own schema), shared read-only."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'demo.db'}")
        upgrade(eng)
        started = time.perf_counter()
        report = load_demo(eng, mode="demo")
        yield eng, report, time.perf_counter() - started
        eng.dispose()
        return
    request.getfixturevalue("pg_engine")  # skips or fails as the shared fixture does
    schema = f"seed_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    eng = make_engine(f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}")
    try:
        upgrade(eng)
        started = time.perf_counter()
        report = load_demo(eng, mode="demo")
        yield eng, report, time.perf_counter() - started
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_demo_counts(seeded: tuple[Engine, str, float]) -> None:
    engine, report, seconds = seeded
    print(f"\n{engine.dialect.name}: full demo load {seconds:.1f}s\n{report}")
    with Session(engine) as session:
        kinds = dict(session.exec(select(Organisation.kind, func.count())
                                  .group_by(Organisation.kind)).all())
        assert kinds.get("enterprise", 0) >= 80
        assert sum(v for k, v in kinds.items() if k != "enterprise") >= 40
        assert kinds.get("university", 0) + kinds.get("research_institute", 0) >= 8
        assert kinds.get("financial", 0) >= 4
        assert session.exec(select(func.count()).select_from(Need)).one() == 200
        assert session.exec(select(func.count()).select_from(Offer)).one() == 200
        users = session.exec(select(User).where(User.is_demo)).all()
        assert {u.username for u in users} == DEMO_USERNAMES
        orgs = session.exec(select(Organisation)).all()
        assert all(o.is_demo and is_valid_credit_code(o.credit_code) for o in orgs)
        postings = [*session.exec(select(Need)), *session.exec(select(Offer))]
        assert all(p.category in CATEGORIES and p.tokens for p in postings)


def test_demo_targets_equal_the_plan(seeded: tuple[Engine, str, float]) -> None:
    engine = seeded[0]
    with Session(engine) as session:
        rows = []
        for ind in session.exec(select(Indicator).order_by(Indicator.number)):
            targets = {t.year: t.value for t in session.exec(
                select(IndicatorTarget).where(IndicatorTarget.indicator_id == ind.id))}
            rows.append((ind.number, _plain(ind.name), ind.unit,
                         *(targets[y] for y in (2020, 2021, 2022))))
    expected = [(n, _plain(name), unit, *(Decimal(v) for v in vs))
                for n, name, unit, *vs in DESIGN_TABLE]
    assert rows == expected


def test_demo_actuals_are_flagged_as_samples(seeded: tuple[Engine, str, float]) -> None:
    with Session(seeded[0]) as session:
        actuals = session.exec(select(IndicatorActual)).all()
        assert actuals and all(a.is_sample for a in actuals)


def test_demo_pipeline_is_alive(seeded: tuple[Engine, str, float]) -> None:
    with Session(seeded[0]) as session:
        statuses = dict(session.exec(select(Match.status, func.count())
                                     .group_by(Match.status)).all())
        assert statuses.get("proposed", 0) >= 50
        assert statuses.get("contracted") == 5
        assert sum(statuses.get(s, 0) for s in ("approved", "contacted", "negotiating")) == 8
        assert session.exec(select(func.count()).select_from(Contract)).one() == 5
        assert session.exec(select(func.count()).select_from(MatchEvent)
                            .where(MatchEvent.note == DEMO_NOTE)).one() == 5 * 4 + 3 * 3 + 3 * 2 + 2


def test_second_full_load_changes_nothing(seeded: tuple[Engine, str, float]) -> None:
    engine = seeded[0]
    before = counts(engine)
    assert "未作更改" in load_demo(engine, mode="demo")
    assert seed_if_empty(engine, mode="demo") is None
    assert counts(engine) == before
