"""The ranking model learned from staff decisions: training, versions, rollback.

The stored decisions — staff approvals and rejections (with reason code), manual
matches, interest expressed by either side, signed contracts — become
:class:`matcher.learning.DecisionRecord` rows in the order they happened;
:func:`matcher.learning.learn` fits a model, judges it on held-out needs and keeps it
as a new version in a :class:`matcher.model_store.DirectoryModelStore` under
``Settings.model_dir``. Only a model that beats the active one (or, with none, the plain
engine) on decisions it did not train on becomes active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, or_, select

from matcher import MatchIndex, Posting
from matcher.learning import (
    MIN_DECISIONS,
    MIN_PER_LABEL,
    DecisionRecord,
    NotEnoughDecisions,
    decisions_from_records,
    learn,
)
from matcher.model_store import DirectoryModelStore, LearnReport
from models import Match, MatchEvent, Need, Offer, Organisation
from models.posting import NeedStatus, OfferStatus
from web.services import audit
from web.services.errors import DomainError
from web.services.matching.index import need_key, offer_key
from web.settings import Settings

# Statuses of a match that record a decision, as learning kinds (manual matches are
# told apart by their source); contacted / negotiating follow an approval already counted.
_EVENT_KINDS = {"approved": "approved", "rejected": "rejected", "contracted": "contracted"}


def model_store(settings: Settings) -> DirectoryModelStore:
    return DirectoryModelStore(Path(settings.model_dir))


def decision_records(session: Session) -> list[DecisionRecord]:
    """Every stored decision about a pair, oldest first (a later one revises an earlier)."""
    rows = session.exec(
        select(Match.need_id, Match.offer_id, Match.source, Match.reject_code, MatchEvent.to_status)
        .join(MatchEvent, col(MatchEvent.match_id) == Match.id)
        .where(col(MatchEvent.to_status).in_(list(_EVENT_KINDS)))
        .order_by(col(MatchEvent.created_at), col(MatchEvent.id))).all()
    records = []
    for need_id, offer_id, source, reject_code, to_status in rows:
        kind = _EVENT_KINDS[to_status]
        if kind == "approved" and source == "manual":
            kind = "manual"
        records.append(DecisionRecord(need_key(need_id), offer_key(offer_id), kind,
                                      reject_code if kind == "rejected" else None))
    # Interest has no event row; a party only sees a match once staff approved it, so it
    # comes after that approval (and a rejection can no longer follow).
    interested = session.exec(select(Match.need_id, Match.offer_id).where(
        or_(col(Match.enterprise_interested), col(Match.provider_interested)),
        Match.status != "rejected").order_by(col(Match.id))).all()
    records += [DecisionRecord(need_key(n), offer_key(o), "interest") for n, o in interested]
    return records


@dataclass(frozen=True)
class DecisionCount:
    """How many usable decisions there are and, if too few, how many more are needed."""

    total: int
    approved: int
    rejected: int
    missing: int  # 0 when there are enough to try


def count_decisions(session: Session) -> DecisionCount:
    """Decisions per pair as training would see them (before dropping postings that
    are gone, so training may still find a few too few)."""
    decisions = decisions_from_records(decision_records(session))
    total, approved = len(decisions), sum(d.label for d in decisions)
    rejected = total - approved
    enough = total >= MIN_DECISIONS and min(approved, rejected) >= MIN_PER_LABEL
    missing = NotEnoughDecisions(have=total, approved=approved, rejected=rejected).missing
    return DecisionCount(total, approved, rejected, 0 if enough else missing)


def training_index(session: Session, records: list[DecisionRecord]) -> MatchIndex:
    """Open postings plus every posting a decision is about (closed ones too: a signed
    contract usually closes the need), all open to the engine so each has its pool."""
    decided_needs = {int(r.need_id[1:]) for r in records}
    decided_offers = {int(r.offer_id[1:]) for r in records}
    needs = [Posting(need_key(i), category=c, region=r, tokens=tuple(t.split()))
             for i, t, c, r in session.exec(
                 select(Need.id, Need.tokens, Need.category, Organisation.region)
                 .join(Organisation, col(Organisation.id) == Need.org_id)
                 .where(or_(Need.status == NeedStatus.open, col(Need.id).in_(decided_needs or {0})))
                 .order_by(col(Need.id))).all() if t]
    offers = [Posting(offer_key(i), category=c, region=r, credit=cr, tokens=tuple(t.split()))
              for i, t, c, r, cr in session.exec(
                  select(Offer.id, Offer.tokens, Offer.category, Organisation.region,
                         Organisation.credit_standing)
                  .join(Organisation, col(Organisation.id) == Offer.org_id)
                  .where(or_(Offer.status == OfferStatus.open, col(Offer.id).in_(decided_offers or {0})))
                  .order_by(col(Offer.id))).all() if t]
    return MatchIndex().fit(needs, offers)


@dataclass(frozen=True)
class TrainOutcome:
    """A training run: either a report (a version was kept) or the too-few error."""

    report: LearnReport | None = None
    too_few: NotEnoughDecisions | None = None

    @property
    def message(self) -> str:
        if self.too_few is not None:
            return str(self.too_few)
        assert self.report is not None
        return f"已训练模型版本 {self.report.version}。{self.report.reason}"


def train(session: Session, settings: Settings, *, actor_id: int | None) -> TrainOutcome:
    """Learn from the stored decisions now; audited (flushes; the caller commits)."""
    records = decision_records(session)
    outcome: TrainOutcome
    try:
        if not records:
            raise NotEnoughDecisions(have=0, approved=0, rejected=0)
        report = learn(model_store(settings), training_index(session, records), records)
        outcome = TrainOutcome(report=report)
    except NotEnoughDecisions as exc:
        outcome = TrainOutcome(too_few=exc)
    detail: dict[str, object] = {"result": outcome.message}
    if outcome.report is not None:
        detail |= {"version": outcome.report.version, "activated": outcome.report.activated}
    audit.record(session, actor_id=actor_id, action="ranking.train", object_type="ranking_model",
                 object_id=outcome.report.version if outcome.report else None, detail=detail)
    return outcome


def report_lines(outcome: TrainOutcome) -> list[str]:
    """The outcome for a person: both figures, whether the new model was activated and why."""
    if outcome.too_few is not None:
        return [f"未学习：{outcome.too_few}"]
    r = outcome.report
    assert r is not None
    bar = ("当前启用的模型", r.active_auc) if r.active_auc is not None else ("不使用模型的引擎", r.engine_auc)
    return [
        f"训练决定 {r.trained_on} 条，留出（未参与训练）决定 {r.held_out} 条；"
        "指标：同一需求下批准的排在拒绝之前的比例（AUC）",
        f"新模型（版本 {r.version}）：{r.new_auc:.3f}",
        f"{bar[0]}：{bar[1]:.3f}",
        ("已启用新模型" if r.activated else "未启用新模型") + f"：{r.reason}",
    ]


@dataclass(frozen=True)
class ModelStatus:
    active: int | None
    versions: list[dict]  # newest first, each a LearnReport as a dict plus "version"

    @property
    def last(self) -> dict | None:
        return self.versions[0] if self.versions else None

    def created_at(self, version: dict) -> datetime:
        return datetime.fromisoformat(version["created"])


def status(settings: Settings) -> ModelStatus:
    store = model_store(settings)
    return ModelStatus(store.active_version(), list(reversed(store.versions())))


def rollback(session: Session, settings: Settings, *, actor_id: int) -> int | None:
    """Deactivate the active model (the previous one, or the plain engine, is active
    again); audited. Returns the version now active."""
    store = model_store(settings)
    before = store.active_version()
    if before is None:
        raise DomainError("没有启用中的模型，无需回滚")
    now = store.rollback()
    audit.record(session, actor_id=actor_id, action="ranking.rollback", object_type="ranking_model",
                 object_id=before, detail={"from": f"版本 {before}",
                                           "to": f"版本 {now}" if now else "不使用模型"})
    return now
