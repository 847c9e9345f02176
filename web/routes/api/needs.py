"""JSON API: needs (需求)."""

from web.routes.api._postings import build_postings_api
from web.services.postings import NEED

router = build_postings_api(NEED)
