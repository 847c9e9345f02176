"""SQLModel tables, the engine factory and migrations of zhengqi.

Importing this package registers every table on ``SQLModel.metadata``.
"""

from models import audit_chain  # noqa: F401  (seals audit entries into their hash chain at commit)
from models.announcement import Announcement, AnnouncementRead
from models.audit import AuditChainHead, AuditLog, AuditPersonal
from models.cultivation import GapNeed, ListingStep, Pool, PoolMember, Rule, RuleSet
from models.dictionary import DictChange, DictItem
from models.feed import FeedCursor, IndexVersion, PostingChange
from models.idempotency import IdempotencyKey
from models.indicator import Indicator, IndicatorActual, IndicatorTarget
from models.job import Job, JobRun
from models.liaison import Appeal, AppealStep, LiaisonAssignment, Visit, VisitSchedule
from models.match import Contract, Match, MatchEvent, Rating
from models.notification import Notification
from models.organisation import Organisation, Qualification, RelatedParty
from models.posting import Need, Offer
from models.privacy import PrivacyRequest
from models.user import LoginAttempt, LoginThrottle, User, UserSession

__all__ = [
    "Announcement", "AnnouncementRead", "Appeal", "AppealStep", "AuditChainHead", "AuditLog", "AuditPersonal",
    "Contract", "DictChange", "DictItem", "FeedCursor", "GapNeed", "IdempotencyKey", "IndexVersion", "Indicator",
    "IndicatorActual", "IndicatorTarget", "Job", "JobRun", "LiaisonAssignment", "ListingStep", "LoginAttempt",
    "LoginThrottle", "Match", "MatchEvent", "Need", "Notification", "Offer", "Organisation", "Pool", "PoolMember",
    "PostingChange", "PrivacyRequest", "Qualification", "Rating", "RelatedParty", "Rule", "RuleSet", "User",
    "UserSession", "Visit", "VisitSchedule",
]
