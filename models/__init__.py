"""SQLModel tables, the engine factory and migrations of zhengqi.

Importing this package registers every table on ``SQLModel.metadata``.
"""

from models.announcement import Announcement, AnnouncementRead
from models.audit import AuditLog
from models.dictionary import DictChange, DictItem
from models.indicator import Indicator, IndicatorActual, IndicatorTarget
from models.job import Job, JobRun
from models.match import Contract, Match, MatchEvent
from models.notification import Notification
from models.organisation import Organisation, Qualification, RelatedParty
from models.posting import Need, Offer
from models.user import LoginAttempt, LoginThrottle, User, UserSession

__all__ = [
    "Announcement", "AnnouncementRead", "AuditLog", "Contract", "DictChange", "DictItem",
    "Indicator", "IndicatorActual", "IndicatorTarget", "Job", "JobRun", "LoginAttempt",
    "LoginThrottle", "Match", "MatchEvent", "Need", "Notification", "Offer", "Organisation",
    "Qualification", "RelatedParty", "User", "UserSession",
]
