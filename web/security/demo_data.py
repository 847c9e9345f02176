"""Demo accounts and demo data: found before a production start, and removed on command.

Demo data is what the seed loader writes: organisations and accounts flagged ``is_demo``
and sample indicator figures (示例数据) that no person entered. Everything hanging off
them (postings, matches, their events, contracts and notifications, sessions, login
attempts, announcements they published and read marks) goes with them; rows of real users
that merely point at a demo account (a real match a demo staff member approved, say) keep
the row and lose the pointer. So does the history of 字典管理: the dictionary a demo admin
edited stays as it is, so the record of the edit stays too, without its author; and a real
organisation merged into a demo one keeps its mark. The audit log is append-only: the
demo's entries stay, as history, without the demo accounts' personal fields (usernames,
addresses), and the removal itself is the next entry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Engine, delete, or_, update
from sqlmodel import Session, col, func, select

from models import (
    Announcement,
    AnnouncementRead,
    Appeal,
    AppealStep,
    AuditPersonal,
    Contract,
    DictChange,
    GapNeed,
    IdempotencyKey,
    IndicatorActual,
    LiaisonAssignment,
    ListingStep,
    LoginAttempt,
    Match,
    MatchEvent,
    Need,
    Notification,
    Offer,
    Organisation,
    Pool,
    PoolMember,
    PrivacyRequest,
    Qualification,
    Rating,
    RelatedParty,
    RuleSet,
    User,
    UserSession,
    Visit,
    VisitSchedule,
)
from models.db import read_engine
from web.services import audit
from web.services.errors import DomainError

REMOVE_COMMAND = "zhengqi removedemo"

# Columns of surviving rows that may name a demo account; they are set to NULL.
USER_POINTERS = (Match.decided_by, MatchEvent.actor_id, Contract.created_by, Contract.voided_by, Need.created_by,
                 Offer.created_by, IndicatorActual.entered_by, Rating.created_by, PrivacyRequest.handled_by,
                 DictChange.actor_id, RuleSet.created_by, Pool.created_by, PoolMember.added_by, PoolMember.left_by,
                 GapNeed.recorded_by, ListingStep.updated_by, LiaisonAssignment.assigned_by,
                 VisitSchedule.set_by, Visit.recorded_by, Appeal.created_by, AppealStep.actor_id)
# The same for surviving rows that name a demo organisation.
ORG_POINTERS = (Organisation.merged_into_id,)
# Cultivation and liaison rows about an organisation go with it (steps of its 诉求 cascade).
ORG_ROWS = (PoolMember, GapNeed, ListingStep, LiaisonAssignment, VisitSchedule, Visit, Appeal)


@dataclass(frozen=True)
class DemoLeftovers:
    accounts: int
    organisations: int
    sample_figures: int

    @property
    def any(self) -> bool:
        return bool(self.accounts or self.organisations or self.sample_figures)


class DemoDataPresent(DomainError):
    """Raised by a production start on a database that still holds demo data."""

    status_code = 503

    def __init__(self, found: DemoLeftovers) -> None:
        super().__init__(
            "生产模式（ZHENGQI_MODE=production）拒绝启动：数据库中仍有演示数据"
            f"（演示账号 {found.accounts} 个、演示机构 {found.organisations} 家、"
            f"示例指标值 {found.sample_figures} 条）。演示账号的密码已在 README 中公开，"
            f"不能用于生产。请先运行 `{REMOVE_COMMAND}` 删除全部演示账号和演示数据"
            "（或改用一个新的空数据库），再用 `zhengqi createadmin` 创建管理员。")
        self.found = found


def _sample_figures():  # type: ignore[no-untyped-def]
    return (col(IndicatorActual.is_sample).is_(True), col(IndicatorActual.entered_by).is_(None))


def find_demo_data(session: Session) -> DemoLeftovers:
    """Count the demo accounts, demo organisations and seeded sample figures."""
    def count(model, *where) -> int:  # type: ignore[no-untyped-def]
        return session.exec(select(func.count()).select_from(model).where(*where)).one()

    return DemoLeftovers(
        accounts=count(User, col(User.is_demo).is_(True)),
        organisations=count(Organisation, col(Organisation.is_demo).is_(True)),
        sample_figures=count(IndicatorActual, *_sample_figures()),
    )


def refuse_demo_data(engine: Engine) -> None:
    """Raise DemoDataPresent if the database still holds demo accounts or demo data."""
    with Session(read_engine(engine)) as session:
        found = find_demo_data(session)
    if found.any:
        raise DemoDataPresent(found)


@dataclass
class Removed:
    accounts: int = 0
    organisations: int = 0
    postings: int = 0
    matches: int = 0
    sample_figures: int = 0

    def report(self) -> str:
        return (f"已删除演示账号 {self.accounts} 个、演示机构 {self.organisations} 家、"
                f"需求与服务 {self.postings} 条、匹配 {self.matches} 条、示例指标值 {self.sample_figures} 条")


def _ids(session: Session, column, *where) -> list[int]:  # type: ignore[no-untyped-def]
    return list(session.exec(select(column).where(*where)).all())


def remove_demo_data(session: Session) -> Removed:
    """Delete every demo account and all demo data in one transaction; commit and report."""
    orgs = _ids(session, Organisation.id, col(Organisation.is_demo).is_(True))
    users = session.exec(select(User.id, User.username).where(
        or_(col(User.is_demo).is_(True), col(User.org_id).in_(orgs)))).all()
    user_ids = [u for u, _ in users]
    needs = _ids(session, Need.id, col(Need.org_id).in_(orgs))
    offers = _ids(session, Offer.id, col(Offer.org_id).in_(orgs))
    matches = _ids(session, Match.id, or_(col(Match.need_id).in_(needs), col(Match.offer_id).in_(offers)))
    removed = Removed(accounts=len(user_ids), organisations=len(orgs),
                      postings=len(needs) + len(offers), matches=len(matches))
    session.execute(delete(Notification).where(or_(
        col(Notification.match_id).in_(matches), col(Notification.org_id).in_(orgs),
        col(Notification.user_id).in_(user_ids))))
    for model in (Contract, MatchEvent, Rating):  # a rating's two organisations are its match's
        session.execute(delete(model).where(col(model.match_id).in_(matches)))
    session.execute(delete(Match).where(col(Match.id).in_(matches)))
    session.execute(delete(GapNeed).where(col(GapNeed.need_id).in_(needs)))
    for model in ORG_ROWS:
        session.execute(delete(model).where(col(model.org_id).in_(orgs)))
    session.execute(delete(LiaisonAssignment).where(col(LiaisonAssignment.user_id).in_(user_ids)))
    session.execute(delete(Need).where(col(Need.id).in_(needs)))
    session.execute(delete(Offer).where(col(Offer.id).in_(offers)))
    session.execute(delete(Qualification).where(col(Qualification.org_id).in_(orgs)))
    session.execute(delete(RelatedParty).where(or_(col(RelatedParty.org_id).in_(orgs),
                                                   col(RelatedParty.related_org_id).in_(orgs))))
    removed.sample_figures = session.execute(delete(IndicatorActual).where(*_sample_figures())).rowcount
    # The audit entries stay (append-only); the demo accounts' personal fields in them go.
    session.execute(delete(AuditPersonal).where(col(AuditPersonal.user_id).in_(user_ids)))
    # Announcements the demo accounts published are demo content: they go, with their read marks.
    demo_notices = _ids(session, Announcement.id, col(Announcement.created_by).in_(user_ids))
    session.execute(delete(AnnouncementRead).where(or_(col(AnnouncementRead.user_id).in_(user_ids),
                                                       col(AnnouncementRead.announcement_id).in_(demo_notices))))
    session.execute(delete(Announcement).where(col(Announcement.id).in_(demo_notices)))
    for column in USER_POINTERS:
        session.execute(update(column.class_).where(column.in_(user_ids)).values({column.key: None}))
    for column in ORG_POINTERS:
        session.execute(update(column.class_).where(column.in_(orgs)).values({column.key: None}))
    session.execute(delete(UserSession).where(col(UserSession.user_id).in_(user_ids)))
    session.execute(delete(PrivacyRequest).where(col(PrivacyRequest.user_id).in_(user_ids)))
    session.execute(delete(IdempotencyKey).where(col(IdempotencyKey.user_id).in_(user_ids)))
    session.execute(delete(LoginAttempt).where(
        col(LoginAttempt.username).in_([name.lower() for _, name in users])))
    session.execute(delete(User).where(col(User.id).in_(user_ids)))
    session.execute(delete(Organisation).where(col(Organisation.id).in_(orgs)))
    audit.record(session, actor_id=None, action="demo.remove", object_type="system", detail=asdict(removed))
    session.commit()
    return removed
