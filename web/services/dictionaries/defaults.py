"""The values the platform ships with: the lists start from these until an admin edits them."""

from __future__ import annotations

from matcher.taxonomy import CATEGORIES
from models.match import ContractType
from models.organisation import QualificationKind

REJECT_REASONS: dict[str, str] = {
    "irrelevant": "不相关",
    "capability": "服务能力不符",
    "credit": "信用风险",
    "conflict": "利益冲突",
    "duplicate": "重复推荐",
    "other": "其他",
}

# kind -> [(code, label, description)]
DEFAULTS: dict[str, list[tuple[str, str, str]]] = {
    "category": [(name, name, about) for name, about in CATEGORIES.items()],
    "reject_reason": [(code, label, "") for code, label in REJECT_REASONS.items()],
    "contract_type": [(t.value, t.value, "") for t in ContractType],
    "qualification": [(q.value, q.value, "") for q in QualificationKind],
}
