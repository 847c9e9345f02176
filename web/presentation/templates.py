"""The Jinja2 environment: one instance, with the globals every page needs."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from models.match import MATCH_STATUS_LABELS
from models.organisation import CREDIT_LABELS, ORG_KIND_LABELS
from models.posting import POSTING_STATUS_LABELS
from models.user import ROLE_LABELS
from web.presentation.dictionaries import dict_hint, dict_label, dict_options
from web.presentation.navigation import nav_items
from web.presentation.times import fmt_time
from web.presentation.user_agent import browser_label
from web.services.organisations.figures import BASIC_FIGURES, FLAG_CHOICES, RULE_FIGURES

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"


def csrf_token(request: Request) -> str:
    """The token to put in a form: the session's, or the anonymous double-submit one."""
    user = getattr(request.state, "user", None)
    if user is not None:
        return user.csrf_token
    return getattr(request.state, "anon_csrf", "") or request.cookies.get("zq_csrf", "")


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.globals.update(
        browser_label=browser_label,
        dict_hint=dict_hint,
        dict_label=dict_label,
        dict_options=dict_options,
        fmt_time=fmt_time,
        csrf_token=csrf_token,
        nav_items=nav_items,
        ROLE_LABELS=ROLE_LABELS,
        ORG_KIND_LABELS=ORG_KIND_LABELS,
        MATCH_STATUS_LABELS=MATCH_STATUS_LABELS,
        POSTING_STATUS_LABELS=POSTING_STATUS_LABELS,
        CREDIT_LABELS=CREDIT_LABELS,
        RULE_FIGURES=RULE_FIGURES,
        BASIC_FIGURES=BASIC_FIGURES,
        FLAG_CHOICES=FLAG_CHOICES,
    )
    return templates
