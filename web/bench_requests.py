"""Measure the portal's request latency: ``python -m web.bench_requests [--offers 100000]``.

1. Demo data: an enterprise posts needs; each POST is followed to the page that shows
   its recommendations (request to rendered page, in-process through the ASGI app).
2. The same with ``--offers`` extra open offers in the database (the index is loaded
   from their stored tokens at startup and never refitted on a request).
3. List pages with that many postings: a provider's own list (deep page, filtered)
   and the staff API list across all postings.

Prints p50/p95 in milliseconds. Uses a temporary SQLite file; nothing else is touched.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import Session, select

from models import Offer, Organisation, User
from models.credit_code import make_credit_code
from models.db import make_engine
from models.posting import OfferStatus
from web.app import create_app, prepare_database
from web.services.accounts.auth import hash_password
from web.settings import Settings

PASSWORD = "Bench-2022x"
NEEDS = [
    ("零部件表面缺陷视觉检测技术攻关", "需要AI视觉检测方案替代人工目检，识别划痕、裂纹等表面缺陷", "技术攻关"),
    ("专利质押融资对接", "公司拥有12项发明专利，希望通过知识产权质押获得500万元贷款", "科技金融"),
    ("高新技术企业认定辅导", "计划明年申报高新技术企业，需要梳理研发项目与知识产权", "资质申报"),
    ("工业互联网平台改造", "生产线设备联网，数据采集与能耗监测，推进两化融合", "数字化转型"),
    ("新型电池材料中试", "实验室阶段的正极材料需要小批量试制与工艺验证", "小批量试制"),
]


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def report(label: str, samples: list[float]) -> None:
    ms = [x * 1000 for x in samples]
    print(f"{label:<58} n={len(ms):>3}  p50={statistics.median(ms):7.1f} ms  p95={pct(ms, 0.95):7.1f} ms")


def timed(runs: int, fn: Callable[[int], None]) -> list[float]:
    out = []
    for i in range(runs):
        t = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t)
    return out


def add_user(engine, *, role: str, org_id: int | None, username: str) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        s.add(User(username=username, password_hash=hash_password(PASSWORD), role=role, org_id=org_id,
                   display_name=username))
        s.commit()


def add_org(engine, *, kind: str, name: str, serial: int) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        org = Organisation(name=name, kind=kind, credit_code=make_credit_code("120105", serial),
                           contact_name="测", contact_phone="022-1234567")
        s.add(org)
        s.commit()
        return org.id or 0


def login(client: TestClient, username: str) -> str:
    import re

    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    return re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]


def bench_posting(engine, settings: Settings, label: str, runs: int) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings, engine=engine)
    with TestClient(app) as client:
        token = login(client, "bench-ent")

        def post(i: int) -> None:
            title, desc, cat = NEEDS[i % len(NEEDS)]
            r = client.post("/enterprise/needs", data={"title": f"{title}（{i}）", "description": desc,
                                                       "category": cat, "csrf_token": token})
            assert r.status_code == 200 and "推荐" in r.text, r.status_code

        post(0)  # warm-up
        report(label, timed(runs, post))


def add_bulk_offers(engine, n: int, org_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    """n open offers with realistic stored tokens, recombined from the demo offers."""
    with Session(engine) as s:
        demo = s.exec(select(Offer.title, Offer.tokens, Offer.category)).all()
    rng = random.Random(7)
    pool = [(t, tok.split(), c) for t, tok, c in demo if tok]
    rows = []
    for i in range(n):
        title, toks, cat = pool[i % len(pool)]
        _, other, _ = pool[rng.randrange(len(pool))]
        mix = rng.sample(toks, k=max(1, len(toks) * 2 // 3)) + rng.sample(other, k=max(1, len(other) // 3))
        rows.append({"org_id": org_ids[i % len(org_ids)], "title": f"{title} {i}", "category": cat,
                     "description": "批量生成的基准测试服务", "tokens": " ".join(mix), "status": OfferStatus.open})
    with engine.begin() as conn:
        for k in range(0, n, 5000):
            conn.execute(insert(Offer), rows[k:k + 5000])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--offers", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=40)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(database_url=url, mode="demo", seed_on_start=False)
        engine = make_engine(url)
        t = time.perf_counter()
        prepare_database(engine, Settings(database_url=url, mode="demo", seed_on_start=True))
        print(f"demo data loaded in {time.perf_counter() - t:.1f} s")
        ent = add_org(engine, kind="enterprise", name="基准测试企业", serial=990001)
        prov = add_org(engine, kind="intermediary", name="基准测试服务机构", serial=990002)
        add_user(engine, role="enterprise", org_id=ent, username="bench-ent")
        add_user(engine, role="provider", org_id=prov, username="bench-prov")
        add_user(engine, role="staff", org_id=None, username="bench-staff")
        bench_posting(engine, settings, "post need + recommendations page (demo data)", args.runs)

        t = time.perf_counter()
        extra_orgs = [add_org(engine, kind="tech_transfer", name=f"基准机构{i}", serial=991000 + i)
                      for i in range(20)]
        add_bulk_offers(engine, args.offers, [prov, *extra_orgs])
        print(f"{args.offers} extra open offers inserted in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        bench_posting(engine, settings, f"post need + recommendations page (+{args.offers} offers)", args.runs)
        print(f"(app start incl. index load from stored tokens: see above; bench {time.perf_counter() - t:.1f} s)")

        app = create_app(settings, engine=engine)
        with TestClient(app) as client:
            login(client, "bench-prov")
            report("provider offer list, page 1", timed(args.runs, lambda i: client.get("/provider/offers")))
            report("provider offer list, deep page + category filter",
                   timed(args.runs, lambda i: client.get(f"/provider/offers?category=技术攻关&page={50 + i}")))
            report("provider offer list, keyword search",
                   timed(args.runs, lambda i: client.get("/provider/offers?q=检测&page=2")))
            report("provider matches list", timed(args.runs, lambda i: client.get("/provider/matches")))
            client.cookies.clear()
            login(client, "bench-staff")
            report("staff API offer list (all postings), deep page",
                   timed(args.runs, lambda i: client.get(f"/api/v1/offers?page={100 + i}&per_page=20")))
            report("staff API offer list, status+category filter",
                   timed(args.runs, lambda i: client.get("/api/v1/offers?status=open&category=知识产权")))
        engine.dispose()


if __name__ == "__main__":
    main()
