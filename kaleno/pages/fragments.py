"""Rendered booking pages, kept per slots answer.

An unfilled booking page is a pure function of the slots answer (itself cached per host
and keyed on everything it depends on in the database), the host's public profile, the
event type's version, the visitor's language and the page's address. It is kept in a
small in-process LRU keyed on exactly those, with a placeholder where the per-render
idempotency key goes: a page served again within the minute costs a lookup and a string
replace. Pages with a visitor's input or errors are never kept.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Any

from flask import request

from kaleno.i18n import format_locale, html_lang
from kaleno.models import EventType, User
from kaleno.pages.forms import new_form_key
from kaleno.pages.picker import Picker

MAX_PAGES = 256
FORM_KEY_PLACEHOLDER = "kaleno-form-key-placeholder"
_pages: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_lock = Lock()


def _key(picker: Picker, host: User, event_type: EventType) -> tuple[Any, ...]:
    return (
        hashlib.sha256(picker.source.encode()).hexdigest() if picker.source else "",
        picker.zone,
        picker.zone_auto,
        picker.zone_error,
        picker.date_error,
        picker.selected,
        picker.first,
        picker.today,
        picker.closed,
        host.id,
        host.name,
        host.slug,
        host.timezone,
        event_type.id,
        event_type.updated_at,
        html_lang(),
        str(format_locale()),
        request.full_path,
    )


def unfilled_page(
    picker: Picker, host: User, event_type: EventType, render: Callable[[str], str]
) -> str:
    """The booking page without input, with a fresh form key (``render(key)`` makes it)."""
    key = _key(picker, host, event_type)
    with _lock:
        html = _pages.get(key)
        if html is not None:
            _pages.move_to_end(key)
    if html is None:
        html = render(FORM_KEY_PLACEHOLDER)
        with _lock:
            _pages[key] = html
            while len(_pages) > MAX_PAGES:
                _pages.popitem(last=False)
    return html.replace(FORM_KEY_PLACEHOLDER, new_form_key(), 1)
