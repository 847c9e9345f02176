"""The enterprise portal (企业): profile, needs, recommendations, matches."""

from web.routes.pages._portal import build_portal_router
from web.services.postings import NEED

router = build_portal_router(NEED)
