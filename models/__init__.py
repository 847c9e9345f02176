"""SQLModel tables, the engine factory and migrations of zhengqi.

Importing this package registers every table on ``SQLModel.metadata``.
"""

from models.announcement import Announcement, AnnouncementRead
from models.audit import AuditLog
from models.cultivation import GapNeed, ListingStep, Pool, PoolMember, Rule, RuleSet
from models.dictionary import DictChange, DictItem
from models.feed import FeedCursor, IndexVersion, PostingChange
from models.indicator import Indicator, IndicatorActual, IndicatorTarget
from models.job import Job, JobRun
from models.liaison import Appeal, AppealStep, LiaisonAssignment, Visit, VisitSchedule
from models.match import Contract, Match, MatchEvent, Rating
from models.notification import Notification
from models.organisation import Organisation, Qualification, RelatedParty
from models.posting import Need, Offer
from models.user import LoginAttempt, LoginThrottle, User, UserSession

__all__ = [
    "Announcement", "AnnouncementRead", "Appeal", "AppealStep", "AuditLog", "Contract", "DictChange",
    "DictItem", "FeedCursor", "GapNeed", "IndexVersion", "Indicator", "IndicatorActual", "IndicatorTarget",
    "Job", "JobRun", "LiaisonAssignment", "ListingStep", "LoginAttempt", "LoginThrottle", "Match",
    "MatchEvent", "Need", "Notification", "Offer", "Organisation", "Pool", "PoolMember", "PostingChange",
    "Qualification", "Rating", "RelatedParty", "Rule", "RuleSet", "User", "UserSession", "Visit",
    "VisitSchedule",
]
