"""JSON bodies validated by the same Django forms as the pages: same rules, same messages.

An operation takes ``payload: dict[str, Any] = Body(...)`` and calls :func:`clean` with the
form; values that do not validate answer 422 with one entry per field, shaped like ninja's
own validation errors::

    {"detail": [{"type": "form", "loc": ["body", "pain_now"], "msg": "This field is required."}]}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, QueryDict
from ninja.errors import HttpError

from .errors import error


class FormInvalid(HttpError):
    """A body whose values a form refused; the handler answers 422 with each field's errors."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(422, "The values do not validate.")
        self.errors = errors


def form_data(payload: dict[str, Any]) -> QueryDict:
    """A JSON object as the form data a browser would post (lists → repeated keys)."""
    data = QueryDict(mutable=True)
    for key, value in payload.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                data.appendlist(key, "true" if item else "false")
            elif isinstance(item, dict | list):
                data.appendlist(key, json.dumps(item))
            else:
                data.appendlist(key, str(item))
    return data


def clean(make: Callable[[QueryDict], forms.BaseForm], payload: dict[str, Any]) -> dict[str, Any]:
    """``make(data)``'s cleaned data, or :class:`FormInvalid` listing every error."""
    if not isinstance(payload, dict):
        raise FormInvalid([{"type": "form", "loc": ["body"], "msg": "Send a JSON object."}])
    form = make(form_data(payload))
    if form.is_valid():
        return dict(form.cleaned_data)
    raise form_errors(form)


def form_errors(form: forms.BaseForm) -> FormInvalid:
    """A bound, invalid form's errors as the API's 422."""
    errors = []
    for field, messages in form.errors.items():
        loc = ["body"] if field == NON_FIELD_ERRORS else ["body", field]
        errors += [{"type": "form", "loc": loc, "msg": str(m)} for m in messages]
    return FormInvalid(errors)


def form_invalid(request: HttpRequest, exc: FormInvalid | type[FormInvalid]) -> HttpResponse:
    """The exception handler for :class:`FormInvalid`."""
    return error(422, getattr(exc, "errors", []))
