"""SQLModel tables, the engine factory and migrations of zhengqi.

Importing this package registers every table on ``SQLModel.metadata``.
"""

from models.audit import AuditLog
from models.feed import FeedCursor, IndexVersion, PostingChange
from models.indicator import Indicator, IndicatorActual, IndicatorTarget
from models.match import Contract, Match, MatchEvent, Rating
from models.notification import Notification
from models.organisation import Organisation, Qualification, RelatedParty
from models.posting import Need, Offer
from models.user import LoginAttempt, LoginThrottle, User, UserSession

__all__ = [
    "AuditLog", "Contract", "FeedCursor", "IndexVersion", "Indicator", "IndicatorActual",
    "IndicatorTarget", "LoginAttempt", "LoginThrottle", "Match", "MatchEvent", "Need", "Notification",
    "Offer", "Organisation", "PostingChange", "Qualification", "Rating", "RelatedParty", "User", "UserSession",
]
