"""Fixtures for the emulator tests: one emulator per session, reset before each test."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import googleapiclient
import pytest
import requests
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from googleapiclient.discovery import build

from kaleno.emulator.testing import EmulatorServer

CLIENT_ID = "kaleno-test.apps.googleusercontent.com"
CLIENT_SECRET = "emulator-secret"
REDIRECT_URI = "http://127.0.0.1:5000/auth/google/callback"
HOST_EMAIL = "host@example.com"
SIGN_IN = ["openid", "email", "profile"]
FREEBUSY = "https://www.googleapis.com/auth/calendar.freebusy"
EVENTS_OWNED = "https://www.googleapis.com/auth/calendar.events.owned"
EMAIL_SCOPE = "https://www.googleapis.com/auth/userinfo.email"
PROFILE_SCOPE = "https://www.googleapis.com/auth/userinfo.profile"


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def google(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    """A clean emulator with the test client and one host account."""
    # oauthlib refuses http:// redirect URIs and changed scopes unless told otherwise.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    monkeypatch.setenv("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")
    emulator.reset()
    emulator.add_client(CLIENT_ID, CLIENT_SECRET, [REDIRECT_URI])
    emulator.add_account(HOST_EMAIL, "Hana Host")
    return emulator


class Kit:
    """What a test needs: the emulator, the test client, and the Google-library plumbing."""

    client_id = CLIENT_ID
    client_secret = CLIENT_SECRET
    redirect_uri = REDIRECT_URI
    host_email = HOST_EMAIL
    sign_in_scopes = SIGN_IN
    freebusy = FREEBUSY
    events_owned = EVENTS_OWNED
    calendarlist = "https://www.googleapis.com/auth/calendar.calendarlist.readonly"
    email_scope = EMAIL_SCOPE
    profile_scope = PROFILE_SCOPE

    def __init__(self, google: EmulatorServer, conforms: Callable[[Any, str], None]) -> None:
        self.google = google
        self.url = google.url
        self.conforms = conforms

    def flow(self, scopes: list[str], **kwargs: Any) -> Flow:
        """Build a google-auth-oauthlib Flow against the emulator, PKCE on."""
        config = {
            "web": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "auth_uri": f"{self.url}/o/oauth2/v2/auth",
                "token_uri": f"{self.url}/token",
                "redirect_uris": [REDIRECT_URI],
            }
        }
        kwargs.setdefault("autogenerate_code_verifier", True)
        return Flow.from_client_config(config, scopes=scopes, redirect_uri=REDIRECT_URI, **kwargs)

    @staticmethod
    def follow(url: str) -> str:
        """GET the authorization URL and return the Location it redirects to."""
        response = requests.get(url, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return str(response.headers["Location"])

    @staticmethod
    def query(url: str) -> dict[str, str]:
        """Return the single-valued query parameters of a URL."""
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    def sign_in(
        self,
        scopes: list[str] | None = None,
        grant: list[str] | None = None,
        email: str = HOST_EMAIL,
        **auth_params: str,
    ) -> Credentials:
        """Run the whole redirect dance (scripted approval) and return the credentials."""
        flow = self.flow(scopes or [*SIGN_IN, FREEBUSY, EVENTS_OWNED])
        self.google.set_authorization("approve", email, grant)
        auth_params.setdefault("access_type", "offline")
        url, _ = flow.authorization_url(**auth_params)
        flow.fetch_token(authorization_response=self.follow(url))
        credentials: Credentials = flow.credentials
        return credentials

    def service(self, credentials: Credentials) -> Any:
        """Build the Calendar v3 client from the bundled discovery document."""
        return build(
            "calendar",
            "v3",
            credentials=credentials,
            client_options={"api_endpoint": f"{self.url}/calendar/v3/"},
            static_discovery=True,
            cache_discovery=False,
        )


@pytest.fixture
def kit(google: EmulatorServer, conforms: Callable[[Any, str], None]) -> Kit:
    return Kit(google, conforms)


@pytest.fixture
def calendar(kit: Kit) -> Any:
    """A googleapiclient Calendar service for the host, with Kaleno's scopes."""
    return kit.service(kit.sign_in())


_DISCOVERY = Path(googleapiclient.__file__).parent / "discovery_cache/documents/calendar.v3.json"
_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "number": (int, float),
    "object": dict,
    "array": list,
    "any": object,
}


def _check(value: Any, schema: dict[str, Any], schemas: dict[str, Any], path: str) -> None:
    if "$ref" in schema:
        schema = schemas[schema["$ref"]]
    kind = schema.get("type", "object")
    expected = _TYPES[kind]
    assert isinstance(value, expected), f"{path}: {type(value).__name__} is not {kind}"
    if kind == "integer" or (kind == "string" and schema.get("format") == "int64"):
        assert not isinstance(value, bool), f"{path}: boolean is not {kind}"
    if kind == "array":
        for index, item in enumerate(value):
            _check(item, schema.get("items", {}), schemas, f"{path}[{index}]")
    if kind == "object":
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                _check(item, properties[key], schemas, f"{path}.{key}")
            elif extra is not None:
                _check(item, extra, schemas, f"{path}[{key!r}]")
            else:
                raise AssertionError(f"{path}: field {key!r} is not in the discovery schema")


@pytest.fixture(scope="session")
def conforms() -> Callable[[Any, str], None]:
    """Assert a JSON body fits a schema of the bundled calendar.v3 discovery document."""
    schemas = json.loads(_DISCOVERY.read_text())["schemas"]

    def check(body: Any, schema_name: str) -> None:
        _check(body, {"$ref": schema_name}, schemas, schema_name)

    return check
