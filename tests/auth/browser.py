"""A scripted browser: follows the OAuth redirect dance over real HTTP, one hop at a time."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field

import requests
from flask import Flask

from kaleno.emulator.testing import EmulatorServer

FREEBUSY = "https://www.googleapis.com/auth/calendar.freebusy"
EVENTS = "https://www.googleapis.com/auth/calendar.events.owned"


@dataclass
class Browser:
    """A requests session against the live app, remembering each hop it made."""

    app: Flask
    google: EmulatorServer
    http: requests.Session = field(default_factory=requests.Session)
    hops: list[requests.Response] = field(default_factory=list)

    @property
    def base(self) -> str:
        return str(self.app.config["BASE_URL"])

    def get(self, path_or_url: str, **kwargs: object) -> requests.Response:
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        response = self.http.get(url, allow_redirects=False, timeout=10, **kwargs)  # type: ignore[arg-type]
        self.hops.append(response)
        return response

    def post(self, path: str, **kwargs: object) -> requests.Response:
        response = self.http.post(self.base + path, allow_redirects=False, timeout=10, **kwargs)  # type: ignore[arg-type]
        self.hops.append(response)
        return response

    def start(self, path: str) -> str:
        """GET ``path`` on the app; return the Google authorization URL it redirects to."""
        response = self.get(path)
        assert response.status_code == 302, response.text
        location = response.headers["Location"]
        assert location.startswith(self.google.url + "/o/oauth2/v2/auth?")
        return location

    def at_google(self, authorization_url: str) -> str:
        """Let the emulator answer (as scripted); return the callback URL it redirects to."""
        response = self.get(authorization_url)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def dance(self, path: str) -> requests.Response:
        """Start at ``path``, pass through Google, and return the app's callback response."""
        return self.get(self.at_google(self.start(path)))

    def sign_in(self, email: str = "host@example.com", name: str = "Host Example") -> str:
        """Create the Google account, sign in; return the account's ``sub``."""
        sub = self.google.add_account(email, name)
        self.google.set_authorization("approve", email, None)
        response = self.dance("/auth/google/login")
        assert response.status_code == 302, response.text
        return sub

    def connect_calendar(self, email: str, scopes: list[str] | None = None) -> requests.Response:
        self.google.set_authorization("approve", email, scopes)
        return self.dance("/auth/google/calendar")

    def me(self) -> requests.Response:
        return self.get("/api/me")

    def csrf(self) -> str:
        return str(self.me().json()["csrf_token"])


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
