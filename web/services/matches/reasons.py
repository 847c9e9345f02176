"""What a match's stored reasons show every audience: the shared terms, as the postings
wrote them, and the other signals."""

from __future__ import annotations

from models import Match, Need, Offer
from web.presentation.terms import shown_terms


def shown_reason_terms(match: Match, need: Need, offer: Offer) -> list[str]:
    """Shared terms worth showing: whole words of both postings, as the posting wrote them."""
    return shown_terms([str(t[0]) for t in (match.reasons or {}).get("terms", []) if t],
                       need_text=f"{need.title} {need.description}",
                       offer_text=f"{offer.title} {offer.description}",
                       need_tokens=need.tokens or "", offer_tokens=offer.tokens or "")


def signals(match: Match) -> list[tuple[str, str, float]]:
    return [tuple(s) for s in (match.reasons or {}).get("signals", [])]  # type: ignore[misc]
