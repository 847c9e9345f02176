"""The Jinja2 environment: one instance, with the globals every page needs."""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.datastructures import URL

from matcher.taxonomy import CATEGORIES, THEMES
from models.match import MATCH_STATUS_LABELS
from models.organisation import CREDIT_LABELS, ORG_KIND_LABELS
from models.posting import POSTING_STATUS_LABELS
from models.user import ROLE_LABELS
from web.presentation.dictionaries import dict_hint, dict_label, dict_options
from web.presentation.figures import TEMPLATE_GLOBALS as FIGURES
from web.presentation.formatting import STATUS_BADGE, STATUS_LABELS, highlight
from web.presentation.navigation import menu_links
from web.presentation.paths import route_path, route_url
from web.presentation.times import formatters, zone_label
from web.presentation.user_agent import browser_label
from web.security.idempotency import form_token
from web.services.matches.strength import STRENGTH_BANDS
from web.services.organisations.figures import BASIC_FIGURES, FLAG_CHOICES, RULE_FIGURES
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
    return route_path(context["request"], name, **params)


@pass_context
def url_for(context: dict[str, Any], name: str, /, **params: Any) -> URL:
    """Starlette's ``url_for`` (an absolute URL), through the route index."""
    return route_url(context["request"], name, **params)


def make_templates(tz: tzinfo) -> Jinja2Templates:
    """Templates with the shared globals; times are shown in ``tz`` (Settings.time_zone)."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    # Templates ship with the code and change only with a restart: no stat() of every
    # template file and its includes on each page.
    env.auto_reload = False
    env.globals.update(formatters(tz), zone_label=zone_label(tz))
    env.globals.update(FIGURES)
    env.globals.update(
        browser_label=browser_label,
        dict_hint=dict_hint,
        dict_label=dict_label,
        dict_options=dict_options,
        csrf_token=csrf_token,
        form_token=form_token,
        path_for=path_for,
        url_for=url_for,
        menu_links=menu_links,
        ROLE_LABELS=ROLE_LABELS,
        ORG_KIND_LABELS=ORG_KIND_LABELS,
        MATCH_STATUS_LABELS=MATCH_STATUS_LABELS,
        POSTING_STATUS_LABELS=POSTING_STATUS_LABELS,
        CREDIT_LABELS=CREDIT_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        STATUS_BADGE=STATUS_BADGE,
        CATEGORIES=CATEGORIES,
        THEMES=THEMES,
        highlight=highlight,
        SIDES=SIDES,
        STRENGTH_BANDS=STRENGTH_BANDS,
        RULE_FIGURES=RULE_FIGURES,
        BASIC_FIGURES=BASIC_FIGURES,
        FLAG_CHOICES=FLAG_CHOICES,
    )
    return templates
