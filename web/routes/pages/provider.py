"""The provider portal (服务机构): profile, offers, recommended needs, matches."""

from web.routes.pages._portal import build_portal_router
from web.services.postings import OFFER

router = build_portal_router(OFFER)
