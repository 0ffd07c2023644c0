"""Customer-written text that Google shows to others: names plain and short, no links.

Google sends the invitation from the host's account to whatever address a customer
typed, so the text in it must not carry an attacker's message: a name is letters and a
little punctuation, and notes (only ever in the event's description) are escaped so no
HTML renders and no address becomes a link.
"""

from __future__ import annotations

import html
import re
import unicodedata

MAX_NAME_LENGTH = 100
_NAME_PUNCTUATION = frozenset(" '\u2019-.,()")  # U+2019: the typographic apostrophe
_DOMAIN_DOT = re.compile(r"(?<=\w)\.(?=\w)")
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*):(//)?")


def plain_name(value: str) -> str:
    """``value`` when it is a plain personal name: letters, marks, digits, spaces and
    ``'-.,()`` (and the typographic apostrophe), no dotted words (``evil.example``),
    at most 100 characters.

    Raises:
        ValueError: for anything else (pydantic turns it into a 400 field error).
    """
    name = " ".join(value.split())
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"must be at most {MAX_NAME_LENGTH} characters")
    for char in name:
        if char not in _NAME_PUNCTUATION and unicodedata.category(char)[0] not in "LMN":
            raise ValueError("may hold only letters, digits, spaces and ' - . , ( )")
    if _DOMAIN_DOT.search(name):
        raise ValueError("must not look like a web address")
    return name


def unlinked(text: str) -> str:
    """``text`` escaped for an HTML description, with every address defanged (``[.]``,
    ``[:]``) so Google makes no link of it; still readable for the host."""
    text = _SCHEME.sub(lambda m: f"{m.group(1)}[:]{m.group(2) or ''}", text)
    text = _DOMAIN_DOT.sub("[.]", text)
    return html.escape(text, quote=True)
