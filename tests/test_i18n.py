"""Languages: Accept-Language, the explicit choice and its cookie, Babel formatting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask, render_template_string
from flask_babel import force_locale

import kaleno
from kaleno import create_app
from kaleno.i18n import LANG_COOKIE, clock, long_day, moment_in, zone_label
from tests.conftest import dispose, make_config

ROOT = Path(kaleno.__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "kaleno" / "translations"
PAGE = '{% extends "base.html" %}{% block content %}<p>{{ _("(optional)") }}</p>{% endblock %}'


@pytest.fixture
def page_app(database_url: str) -> Iterator[Flask]:
    """An app with one extra page that extends ``base.html``."""
    app = create_app(make_config(database_url))
    app.add_url_rule("/_i18n", "i18n_page", lambda: render_template_string(PAGE))
    app.add_url_rule(
        "/_clock",
        "i18n_clock",
        lambda: clock(datetime(2026, 12, 7, 13, 30, tzinfo=UTC), "Europe/Paris"),
    )
    yield app
    dispose(app)


def test_accept_language_picks_the_page_language(page_app: Flask) -> None:
    client = page_app.test_client()
    indonesian = client.get("/_i18n", headers={"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"})
    text = indonesian.get_data(as_text=True)
    assert '<html lang="id">' in text
    assert "(opsional)" in text and "Langsung ke konten utama" in text
    english = client.get("/_i18n", headers={"Accept-Language": "fr-FR,en;q=0.5"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "(optional)" in english.get_data(as_text=True)


def test_an_explicit_choice_wins_and_is_remembered(page_app: Flask) -> None:
    client = page_app.test_client()
    chosen = client.get("/_i18n?lang=id", headers={"Accept-Language": "en"})
    assert '<html lang="id">' in chosen.get_data(as_text=True)
    cookie = client.get_cookie(LANG_COOKIE)
    assert cookie is not None and cookie.value == "id" and cookie.http_only
    later = client.get("/_i18n", headers={"Accept-Language": "en"})
    assert '<html lang="id">' in later.get_data(as_text=True)
    # The switcher links to this page in the other language.
    assert 'href="/_i18n?lang=en"' in later.get_data(as_text=True)


def test_an_unknown_language_choice_is_ignored(page_app: Flask) -> None:
    client = page_app.test_client()
    response = client.get("/_i18n?lang=xx", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in response.get_data(as_text=True)
    assert client.get_cookie(LANG_COOKIE) is None


@pytest.mark.parametrize(
    ("accept", "shown"),
    [("en", "14:30"), ("en-GB", "14:30"), ("en-US", "2:30\u202fPM"), ("id", "14.30")],
)
def test_times_follow_the_locale(page_app: Flask, accept: str, shown: str) -> None:
    response = page_app.test_client().get("/_clock", headers={"Accept-Language": accept})
    assert response.get_data(as_text=True) == shown


def test_days_and_zones_are_localized(page_app: Flask) -> None:
    with page_app.test_request_context(headers={"Accept-Language": "id"}):
        assert long_day(date(2026, 12, 7)) == "Senin, 07 Desember 2026"
    with page_app.test_request_context(headers={"Accept-Language": "en"}):
        assert long_day(date(2026, 12, 7)) == "Monday, 7 December 2026"
        assert zone_label("Europe/Paris") == "Europe/Paris (Central European Time)"


def _key(value: object) -> object:
    return value if isinstance(value, str) else tuple(value)  # type: ignore[call-overload]


def test_the_committed_catalogs_are_compiled_from_the_po_files() -> None:
    with open(f"{TRANSLATIONS}/id/LC_MESSAGES/messages.po", "rb") as handle:
        po = {_key(m.id): _key(m.string) for m in read_po(handle) if m.id}
    with open(f"{TRANSLATIONS}/id/LC_MESSAGES/messages.mo", "rb") as handle:
        mo = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    assert po == mo, "run `make translations` and commit the .mo"
    untranslated = [k for k, v in po.items() if not v or not all(v)]
    assert not untranslated, f"untranslated: {untranslated}"


def test_every_marked_string_has_an_indonesian_translation() -> None:
    with open(f"{TRANSLATIONS}/messages.pot", "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with open(f"{TRANSLATIONS}/id/LC_MESSAGES/messages.po", "rb") as handle:
        have = {m.id for m in read_po(handle) if m.id and m.string}
    assert wanted <= have, f"missing: {sorted(map(str, wanted - have))}"


def test_the_template_catalog_lists_every_marked_string() -> None:
    with open(ROOT / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    marked = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(
            str(ROOT),
            method_map,
            options_map,
            keywords={
                "_": None,
                "_l": None,
                "gettext": None,
                "ngettext": (1, 2),
                "lazy_gettext": None,
                "_n": (1, 2),
            },
        )
    }
    with open(f"{TRANSLATIONS}/messages.pot", "rb") as handle:
        listed = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert marked == listed, "run `make translations`"


def test_formatting_outside_a_request_takes_the_language_given(page_app: Flask) -> None:
    moment = datetime(2026, 12, 7, 13, 30, tzinfo=UTC)
    with page_app.app_context():  # as the outbox worker writes an email
        assert clock(moment, "Asia/Jakarta") == "20:30"
        assert clock(moment, "Asia/Jakarta", "id") == "20.30"
        assert clock(moment, "America/New_York", "en-US") == "8:30\u202fAM"
        assert moment_in(moment, "Asia/Jakarta", "id") == "Senin, 07 Desember 2026, 20.30"
        with force_locale("id"):
            assert long_day(date(2026, 12, 7)) == "Senin, 07 Desember 2026"


@pytest.mark.parametrize(
    ("zone", "language", "label"),
    [
        ("UTC", "en", "UTC (Coordinated Universal Time)"),
        ("Etc/UTC", "id", "Etc/UTC (Waktu Universal Terkoordinasi)"),
        ("Etc/GMT+5", "en", "Etc/GMT+5 (GMT-05:00)"),
    ],
)
def test_utc_and_fixed_offsets_have_a_name_not_an_unknown_region(
    page_app: Flask, zone: str, language: str, label: str
) -> None:
    with page_app.test_request_context(headers={"Accept-Language": language}):
        assert zone_label(zone) == label
