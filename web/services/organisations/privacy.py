"""What one organisation may see of another.

Before staff approve a match each side sees the other only as an anonymous profile
(kind, category, size band, district): no name, no contact. After approval both sides
see the name and the contacts that the other side agreed to share. Private portrait
fields (credit records, revenue, R&D figures, patents) never leave the organisation
and staff, whatever the match status.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from models import Match, Organisation
from models.organisation import ORG_KIND_LABELS

# Roles that may read an enterprise's credit code (统一社会信用代码) outside its own
# organisation: staff, who keep the portraits, and administrators. Officials read figures.
CREDIT_CODE_ROLES = frozenset({"staff", "admin"})

# Statuses at or after staff approval: the parties may know each other.
REVEALED_STATUSES = frozenset({"approved", "contacted", "negotiating", "contracted", "closed"})


def size_band(employees: int | None) -> str:
    """A coarse size band (规模) that does not identify the organisation."""
    if employees is None:
        return "规模未填写"
    if employees < 20:
        return "20人以下"
    if employees < 100:
        return "20–99人"
    if employees < 300:
        return "100–299人"
    if employees < 1000:
        return "300–999人"
    return "1000人以上"


@dataclass(frozen=True)
class Counterpart:
    """The other side of a match as the viewer may see it."""

    revealed: bool
    label: str  # 某高校 / 某企业 … or the real name once revealed
    kind_label: str
    size_band: str
    region: str
    name: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    contacts_shared: bool = False

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def is_revealed(match: Match) -> bool:
    return match.status in REVEALED_STATUSES


def counterpart(org: Organisation, *, revealed: bool) -> Counterpart:
    """The other organisation: anonymous until ``revealed``, then name and shared contacts."""
    kind_label = ORG_KIND_LABELS.get(org.kind, "机构")
    base = dict(kind_label=kind_label, size_band=size_band(org.employees), region=org.region or "")
    if not revealed:
        return Counterpart(revealed=False, label=f"某{kind_label}（匿名）", **base)
    shared = bool(org.share_contacts)
    return Counterpart(
        revealed=True, label=org.name, name=org.name, contacts_shared=shared,
        contact_name=org.contact_name if shared else None,
        contact_phone=org.contact_phone if shared else None,
        contact_email=org.contact_email if shared else None, **base,
    )


# Fields of an organisation that only its own users and staff may read.
PRIVATE_FIELDS = ("credit_code", "employees", "revenue_wan", "rd_spending_wan", "invention_patents",
                  "total_patents", "credit_standing", "credit_source", "credit_date")
