"""The Jinja2 environment: one instance, with the globals every page needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from matcher.taxonomy import CATEGORIES, THEMES
from models.match import MATCH_STATUS_LABELS
from models.organisation import CREDIT_LABELS, ORG_KIND_LABELS
from models.posting import POSTING_STATUS_LABELS
from models.user import ROLE_LABELS
from web.presentation.formatting import STATUS_BADGE, STATUS_LABELS, fmt_time, highlight
from web.presentation.navigation import nav_items
from web.security.idempotency import form_token
from web.services.postings.side import SIDES

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"


def csrf_token(request: Request) -> str:
    """The token to put in a form: the session's, or the anonymous double-submit one."""
    user = getattr(request.state, "user", None)
    if user is not None:
        return user.csrf_token
    return getattr(request.state, "anon_csrf", "") or request.cookies.get("zq_csrf", "")


@pass_context
def path_for(context: dict[str, Any], name: str, /, **params: Any) -> str:
    """The path (no scheme or host) of the route ``name``: links stay relative, as typed ones were."""
    return str(context["request"].app.url_path_for(name, **params))


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.globals.update(
        csrf_token=csrf_token,
        form_token=form_token,
        path_for=path_for,
        nav_items=nav_items,
        ROLE_LABELS=ROLE_LABELS,
        ORG_KIND_LABELS=ORG_KIND_LABELS,
        MATCH_STATUS_LABELS=MATCH_STATUS_LABELS,
        POSTING_STATUS_LABELS=POSTING_STATUS_LABELS,
        CREDIT_LABELS=CREDIT_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        STATUS_BADGE=STATUS_BADGE,
        CATEGORIES=CATEGORIES,
        THEMES=THEMES,
        fmt_time=fmt_time,
        highlight=highlight,
        SIDES=SIDES,
    )
    return templates
