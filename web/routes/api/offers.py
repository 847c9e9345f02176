"""JSON API: offers (服务/成果)."""

from web.routes.api._postings import build_postings_api
from web.services.postings import OFFER

router = build_postings_api(OFFER)
