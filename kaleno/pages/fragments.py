"""The rendered day list and time choice, kept per slots answer.

The HTML of the picker is a pure function of the slots answer (itself cached per host and
keyed on everything it depends on), the visitor's locale and the page's address, so it is
kept in a small in-process LRU keyed on exactly those: a page served again within the
minute renders only its form. Nothing personal goes into it (forms with input are never
cached).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from threading import Lock
from typing import Any

from flask import render_template
from markupsafe import Markup

from kaleno.i18n import format_locale, html_lang
from kaleno.pages.picker import Picker

MAX_FRAGMENTS = 256
_fragments: OrderedDict[tuple[Any, ...], tuple[Markup, Markup]] = OrderedDict()
_lock = Lock()


def picker_fragments(picker: Picker, **context: Any) -> tuple[Markup, Markup]:
    """The picker (zone form, days) and the time radios of an unfilled form, as HTML."""
    key = (
        hashlib.sha256(picker.source.encode()).hexdigest() if picker.source else "",
        picker.zone,
        picker.zone_auto,
        picker.zone_error,
        picker.date_error,
        picker.selected,
        picker.first,
        picker.today,
        picker.closed,
        html_lang(),
        str(format_locale()),
        context["host"].timezone,
        context["base_path"],
    )
    with _lock:
        found = _fragments.get(key)
        if found is not None:
            _fragments.move_to_end(key)
            return found
    # Autoescaped template output: already safe HTML.
    picker_html = render_template("pages/_picker.html", picker=picker, **context)
    slots_html = render_template(
        "pages/_slots.html", picker=picker, values={}, errors={}, **context
    )
    made = (Markup(picker_html), Markup(slots_html))  # noqa: S704
    with _lock:
        _fragments[key] = made
        while len(_fragments) > MAX_FRAGMENTS:
            _fragments.popitem(last=False)
    return made
