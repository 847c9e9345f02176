"""Confirming irreversible actions: a page that works without JavaScript, which forms marked
``data-confirm`` replace with a dialog (web/static/js/forms.js).

A route that changes something for good takes ``ConfirmDep``; until the request carries
``confirmed=1`` it answers with the confirmation page, which re-posts the same fields with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from web.presentation.responses import render

CONFIRMED_FIELD = "confirmed"
_NOT_RESENT = frozenset({CONFIRMED_FIELD, "csrf_token"})


@dataclass(frozen=True)
class Confirm:
    confirmed: bool
    fields: list[tuple[str, str]]  # the submitted form, to post again once confirmed


async def confirm_state(request: Request) -> Confirm:
    """Whether the form was confirmed, and its fields (files are never resent)."""
    form = await request.form()
    fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in _NOT_RESENT]
    return Confirm(confirmed=form.get(CONFIRMED_FIELD) == "1", fields=fields)


ConfirmDep = Annotated[Confirm, Depends(confirm_state)]


@dataclass(frozen=True)
class Question:
    title: str  # the action, e.g. "删除指标数值"
    consequence: str  # what will happen, in plain words
    confirm_label: str
    cancel_url: str
    details: tuple[tuple[str, str], ...] = ()  # what it is about: (label, value)


def ask(request: Request, question: Question, state: Confirm) -> Response:
    """The confirmation page: the same request again, with confirmed=1, or back."""
    return render(request, "includes/confirm.html", {
        "q": question, "action_url": str(request.url.path), "fields": state.fields,
        "confirmed_field": CONFIRMED_FIELD})
