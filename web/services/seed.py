"""Load the demo data (示例数据) into the database, idempotently and all or nothing.

Every file is read and checked first (``seed_data.loader``); then one transaction
writes what is missing, keyed on natural keys (credit code, username, the
organisation and title of a posting, indicator/year/source), computes engine
proposals (``matching.rebuild_proposals``) and a small demo pipeline, and commits once.
"""

from __future__ import annotations

import random
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session, col, func, select

from matcher import tokenizer_version
from models import (
    Contract,
    Indicator,
    IndicatorActual,
    Match,
    MatchEvent,
    Need,
    Offer,
    Organisation,
    Qualification,
    RelatedParty,
    User,
)
from models.db import read_engine
from models.match import ContractType, MatchStatus
from seed_data.loader import DemoData, PostingRow, read_demo
from web.presentation.times import default_today
from web.services.accounts.auth import create_user
from web.services.errors import DomainError
from web.services.indicators.plan import PLAN_INDICATORS, ensure_plan_indicators
from web.services.matching.index import MatchPolicy, join_tokens
from web.services.matching.proposals import rebuild_proposals

DEMO_PASSWORD = "Demo-2022"
DEMO_NOTE = "示例数据"
# (username, role, display name, linked organisation: first enterprise / first provider)
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("demo-enterprise", "enterprise", "演示企业用户", "enterprise"),
    ("demo-provider", "provider", "演示服务机构用户", "provider"),
    ("demo-staff", "staff", "演示服务专员", None),
    ("demo-official", "official", "演示领导", None),
    ("demo-admin", "admin", "演示管理员", None),
)
_PG_SEED_LOCK = 2020_2022  # advisory lock key: concurrent first starts seed once


class SeedRefused(DomainError):
    status_code = 403
    default_message = "生产模式（ZHENGQI_MODE=production）不允许加载演示数据和演示账号"


@dataclass
class SeedCounts:
    orgs: int = 0
    needs: int = 0
    offers: int = 0
    users: int = 0
    actuals: int = 0
    proposals: int = 0
    pipeline: int = 0
    contracts: int = 0
    seconds: float = 0.0
    totals: dict[str, int] = field(default_factory=dict)

    def report(self) -> str:
        t = self.totals
        added = (f"新增 added: 机构 {self.orgs}、需求 {self.needs}、服务 {self.offers}、账号 {self.users}、"
                 f"示例指标值 {self.actuals}、匹配建议 {self.proposals}、示例撮合 {self.pipeline}"
                 f"（签约 {self.contracts}）")
        total = (f"合计 total: 企业 {t.get('enterprises', 0)}、服务机构 {t.get('providers', 0)}、"
                 f"需求 {t.get('needs', 0)}、服务 {t.get('offers', 0)}、匹配 {t.get('matches', 0)}")
        head = "示例数据已加载 demo data loaded" if self.orgs or self.needs or self.offers \
            else "示例数据已存在，未作更改 demo data already present, nothing changed"
        return f"{head} ({self.seconds:.1f}s)\n{added}\n{total}"


def _refuse_in_production(mode: str) -> None:
    if mode == "production":
        raise SeedRefused()


# The caller names the platform's mode; a caller that does not is treated as production,
# so demo accounts never appear by omission.
def load_demo(engine: Engine, *, data_dir: Path | str | None = None, mode: str = "production",
              policy: MatchPolicy | None = None) -> str:
    """Load the demo data (idempotent; refused in production mode); return a short report."""
    _refuse_in_production(mode)
    started = time.perf_counter()
    data = read_demo(data_dir, indicator_names=[row[1] for row in PLAN_INDICATORS])
    tokens = _tokens(data)
    # One outer transaction; the session works in a savepoint inside it, so a service
    # that commits (the matching rebuild does) cannot make the load half-done.
    with engine.connect() as conn, conn.begin():
        with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
            _lock(session)
            counts = _load(session, data, tokens, policy or MatchPolicy())
            session.commit()
            counts.totals = _totals(session)
    counts.seconds = time.perf_counter() - started
    return counts.report()


def seed_if_empty(engine: Engine, *, data_dir: Path | str | None = None, mode: str = "production",
                  policy: MatchPolicy | None = None) -> str | None:
    """Load the demo data when the database holds no organisation; return the report or None."""
    _refuse_in_production(mode)
    with Session(read_engine(engine)) as session:
        if session.exec(select(Organisation.id).limit(1)).first() is not None:
            return None
    # Another worker may seed between this read and our write lock; load_demo's
    # natural keys make that second load a no-op.
    return load_demo(engine, data_dir=data_dir, mode=mode, policy=policy)


def _lock(session: Session) -> None:
    # SQLite: the session's BEGIN IMMEDIATE already serialises writers.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_SEED_LOCK})


def _tokens(data: DemoData) -> dict[tuple[str, str], str]:
    """Segment every posting before the write transaction opens, to keep the lock short."""
    out = {}
    for side, rows in (("need", data.needs), ("offer", data.offers)):
        for row in rows:
            out[(side, row.key)] = join_tokens(row.values["title"], row.values["description"])
    return out


def _load(session: Session, data: DemoData, tokens: dict[tuple[str, str], str],
          policy: MatchPolicy) -> SeedCounts:
    counts = SeedCounts()
    ensure_plan_indicators(session)
    org_ids = _load_orgs(session, data, counts)
    today = default_today()
    new_postings = 0
    for side, rows, model in (("need", data.needs, Need), ("offer", data.offers, Offer)):
        added = _load_postings(session, rows, model, org_ids=org_ids, today=today,
                               tokens={k: v for (s, k), v in tokens.items() if s == side})
        new_postings += added
        setattr(counts, f"{side}s", added)
    users = _load_users(session, data, org_ids, counts)
    _load_actuals(session, data, counts)
    if new_postings:
        counts.proposals = rebuild_proposals(session, policy=policy)
    if session.exec(select(MatchEvent.id).where(MatchEvent.note == DEMO_NOTE).limit(1)).first() is None:
        _demo_pipeline(session, staff=users["demo-staff"], counts=counts,
                       favour=(users["demo-enterprise"].org_id, users["demo-provider"].org_id))
    session.flush()
    return counts


def _load_orgs(session: Session, data: DemoData, counts: SeedCounts) -> dict[str, int]:
    codes = [o.values["credit_code"] for o in data.orgs]
    existing = {o.credit_code: o for o in session.exec(
        select(Organisation).where(col(Organisation.credit_code).in_(codes)))}
    ids: dict[str, int] = {}
    for row in data.orgs:
        org = existing.get(row.values["credit_code"])
        if org is None:
            org = Organisation(**row.values)
            session.add(org)
            session.flush()
            counts.orgs += 1
            for q in row.qualifications:
                session.add(Qualification(org_id=org.id, **q))
        assert org.id is not None
        ids[row.key] = org.id
    pairs = set(session.exec(select(RelatedParty.org_id, RelatedParty.related_org_id)).all())
    for row in data.orgs:
        for other, relation in row.related:
            pair = (ids[row.key], ids[other])
            if pair not in pairs:
                session.add(RelatedParty(org_id=pair[0], related_org_id=pair[1], relation=relation))
                pairs.add(pair)
    session.flush()
    return ids


def _load_postings(session: Session, rows: list[PostingRow], model: type[Need] | type[Offer], *,
                   org_ids: dict[str, int], today: date, tokens: dict[str, str]) -> int:
    existing = set(session.exec(select(model.org_id, model.title)).all())
    added = 0
    for row in rows:
        org_id = org_ids[row.org_key]
        if (org_id, row.values["title"]) in existing:
            continue
        # Demo postings are spread over the past year (stable per key), so that the
        # monthly operating figures have a history to show.
        extra: dict = {"created_at": datetime.combine(today, datetime.min.time(), tzinfo=UTC)
                       - timedelta(days=zlib.crc32(row.key.encode()) % 360, hours=9)}
        if row.deadline_days is not None:
            extra["deadline"] = today + timedelta(days=row.deadline_days)
        session.add(model(org_id=org_id, tokens=tokens[row.key], tokens_version=tokenizer_version(),
                          **row.values, **extra))
        added += 1
    session.flush()
    return added


def _load_users(session: Session, data: DemoData, org_ids: dict[str, int],
                counts: SeedCounts) -> dict[str, User]:
    first = {
        "enterprise": next((o.key for o in data.orgs if o.values["kind"] == "enterprise"), None),
        "provider": next((o.key for o in data.orgs if o.values["kind"] != "enterprise"), None),
    }
    users: dict[str, User] = {}
    for username, role, display, org_of in DEMO_ACCOUNTS:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            org_key = first[org_of] if org_of else None
            user = create_user(session, username=username, password=DEMO_PASSWORD, role=role,
                               display_name=display, org_id=org_ids[org_key] if org_key else None,
                               is_demo=True, check_strength=False,  # published on purpose
                               is_org_admin=bool(org_key))
            counts.users += 1
        users[username] = user
    return users


def _load_actuals(session: Session, data: DemoData, counts: SeedCounts) -> None:
    ind_ids = dict(session.exec(select(Indicator.name, Indicator.id)).all())
    existing = set(session.exec(select(IndicatorActual.indicator_id, IndicatorActual.year,
                                       IndicatorActual.source)).all())
    for row in data.actuals:
        key = (ind_ids[row.indicator], row.year, row.values["source"])
        if key not in existing:
            session.add(IndicatorActual(indicator_id=key[0], year=row.year, is_sample=True,
                                        **row.values))
            existing.add(key)
            counts.actuals += 1
    session.flush()


def _demo_pipeline(session: Session, *, staff: User, counts: SeedCounts,
                   favour: tuple[int | None, int | None]) -> None:
    """Move a few proposals along the lifecycle so the staff board and dashboard look alive."""
    rng = random.Random(2022)
    rows = session.exec(
        select(Match, Need.org_id, Offer.org_id).join(Need, col(Need.id) == Match.need_id)
        .join(Offer, col(Offer.id) == Match.offer_id).where(Match.status == MatchStatus.proposed)
        .order_by(col(Match.score).desc(), col(Match.id))).all()
    related = set(session.exec(select(RelatedParty.org_id, RelatedParty.related_org_id)).all())
    ent_org, prov_org = favour
    # The demo accounts' own organisations first, so their portals show a live match.
    rows = sorted(rows, key=lambda r: (r[1] != ent_org and r[2] != prov_org))
    picked: list[Match] = []
    used_needs: set[int] = set()
    used_offers: set[int] = set()
    for match, need_org, offer_org in rows:
        if len(picked) == 13:
            break
        if match.need_id in used_needs or match.offer_id in used_offers:
            continue
        if (need_org, offer_org) in related or (offer_org, need_org) in related:
            continue
        picked.append(match)
        used_needs.add(match.need_id)
        used_offers.add(match.offer_id)
    S = MatchStatus
    path = [S.approved, S.contacted, S.negotiating, S.contracted]
    targets = [S.contracted] * 5 + [S.negotiating] * 3 + [S.contacted] * 3 + [S.approved] * 2
    now = datetime.now(UTC).replace(microsecond=0)
    contract_types = list(ContractType)
    # A small demo set may yield fewer pairs than there are targets: the first ones get a target.
    for i, (match, target) in enumerate(zip(picked, targets, strict=False)):
        steps = path[: path.index(target) + 1]
        if target == MatchStatus.contracted:
            signed = date(2021, 3, 1) + timedelta(days=rng.randrange(0, 640))
            end = datetime(signed.year, signed.month, signed.day, 2, 0, tzinfo=UTC)
            gaps = [rng.randrange(10, 25) for _ in steps]
        else:
            end = now - timedelta(days=rng.randrange(1, 30), hours=rng.randrange(0, 8))
            gaps = [rng.randrange(2, 9) for _ in steps]
        times = [end - timedelta(days=sum(gaps[k + 1:])) for k in range(len(steps))]
        previous = MatchStatus.proposed
        for step, when in zip(steps, times, strict=True):
            session.add(MatchEvent(match_id=match.id, actor_id=staff.id, from_status=previous,
                                   to_status=step, note=DEMO_NOTE, created_at=when))
            previous = step
        match.status = target
        match.decided_by, match.decided_at = staff.id, times[0]
        match.created_at = times[0] - timedelta(days=1)
        # A posting exists before anything is decided about it.
        for posting in (session.get(Need, match.need_id), session.get(Offer, match.offer_id)):
            if posting is not None:
                posting.created_at = match.created_at - timedelta(days=rng.randrange(3, 30))
                session.add(posting)
        match.updated_at = times[-1]
        match.enterprise_interested = match.provider_interested = True
        session.add(match)
        if target == MatchStatus.contracted:
            amount = _contract_amount(session, match, rng)
            session.add(Contract(match_id=match.id, amount_wan=amount, signed_on=signed,
                                 contract_type=contract_types[i % len(contract_types)].value,
                                 created_by=staff.id, created_at=end))
            counts.contracts += 1
        counts.pipeline += 1
    session.flush()


def _contract_amount(session: Session, match: Match, rng: random.Random) -> Decimal:
    need = session.get(Need, match.need_id)
    base = need.budget_wan if need is not None and need.budget_wan else Decimal(rng.randrange(40, 300))
    share = Decimal(rng.randrange(70, 101)) / 100
    return max(Decimal("1.00"), (base * share).quantize(Decimal("0.01")))


def _totals(session: Session) -> dict[str, int]:
    def count(model, *where) -> int:  # type: ignore[no-untyped-def]
        return session.exec(select(func.count()).select_from(model).where(*where)).one()

    return {
        "enterprises": count(Organisation, Organisation.kind == "enterprise"),
        "providers": count(Organisation, Organisation.kind != "enterprise"),
        "needs": count(Need), "offers": count(Offer), "matches": count(Match),
    }
