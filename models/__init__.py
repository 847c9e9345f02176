"""SQLModel tables, the engine factory and migrations of zhengqi.

Importing this package registers every table on ``SQLModel.metadata``.
"""

from models import audit_chain  # noqa: F401  (seals audit entries into their hash chain at commit)
from models.audit import AuditChainHead, AuditLog, AuditPersonal
from models.idempotency import IdempotencyKey
from models.indicator import Indicator, IndicatorActual, IndicatorTarget
from models.match import Contract, Match, MatchEvent
from models.notification import Notification
from models.organisation import Organisation, Qualification, RelatedParty
from models.posting import Need, Offer
from models.privacy import PrivacyRequest
from models.user import LoginAttempt, LoginThrottle, User, UserSession

__all__ = [
    "AuditChainHead", "AuditLog", "AuditPersonal", "Contract", "IdempotencyKey", "Indicator", "IndicatorActual",
    "IndicatorTarget", "LoginAttempt", "LoginThrottle",
    "Match", "MatchEvent", "Need", "Notification", "Offer", "Organisation", "PrivacyRequest", "Qualification",
    "RelatedParty", "User", "UserSession",
]
