"""In-memory state of the Google emulator, guarded by one lock.

Every route takes ``state.lock`` for the whole of its read-modify-write; nothing here
locks on its own, so helpers can be composed inside one critical section.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kaleno.emulator.push import Channel, PushFault

DEFAULT_ACCESS_TOKEN_TTL_S = 3599
AUTH_CODE_TTL_S = 600


@dataclass
class Client:
    """A registered OAuth client."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]


@dataclass
class Calendar:
    """A calendar owned by one account; events keep their change sequence for sync."""

    calendar_id: str
    owner_email: str
    summary: str
    time_zone: str
    primary: bool
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    change_seq: dict[str, int] = field(default_factory=dict)
    # event id -> when its pending Meet conference becomes ready (time.time())
    conference_ready_at: dict[str, float] = field(default_factory=dict)


@dataclass
class Account:
    """A Google account with its primary calendar id equal to its email."""

    sub: str
    email: str
    name: str
    hd: str | None
    time_zone: str = "UTC"

    @property
    def given_name(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def family_name(self) -> str:
        parts = self.name.split(" ", 1)
        return parts[1] if len(parts) > 1 else ""

    @property
    def picture(self) -> str:
        return f"https://lh3.googleusercontent.com/a/emulator-{self.sub}=s96-c"


@dataclass
class PendingAuthorization:
    """What the next authorization request does instead of showing the consent page."""

    mode: str
    email: str | None
    scopes: list[str] | None


@dataclass
class AuthRequest:
    """A validated authorization request (kept while the consent page is open)."""

    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str | None
    nonce: str | None
    code_challenge: str | None
    access_type: str
    prompt: str | None
    login_hint: str | None
    include_granted_scopes: bool


@dataclass
class AuthCode:
    """An authorization code; single use, short-lived."""

    request: AuthRequest
    sub: str
    scopes: list[str]
    expires_at: float
    grant_id: str | None = None
    used: bool = False
    repeat_consent: bool = False  # every scope was consented before, no prompt=consent


@dataclass
class Grant:
    """What one code exchange created: a refresh token (maybe) and its access tokens."""

    grant_id: str
    client_id: str
    sub: str
    scopes: list[str]
    nonce: str | None
    refresh_token: str | None
    revoked: bool = False


@dataclass
class AccessToken:
    """One access token and the grant it belongs to."""

    token: str
    grant_id: str
    scopes: list[str]
    issued_at: float
    expires_at: float
    origin: str  # "code" or "refresh"


@dataclass
class Fault:
    """The next ``remaining`` calls of a method answer ``status`` after ``delay_ms``."""

    method: str
    status: int
    remaining: int
    delay_ms: int
    reason: str | None = None


class EmulatorState:
    """Everything the emulator knows; ``reset`` forgets all but the initial clients."""

    def __init__(self, initial_clients: list[Client] | None = None) -> None:
        self.lock = threading.Lock()
        self.initial_clients = list(initial_clients or [])
        self.generation = 0
        self._clear()

    def _clear(self) -> None:
        self.clients: dict[str, Client] = {
            c.client_id: Client(c.client_id, c.client_secret, list(c.redirect_uris))
            for c in self.initial_clients
        }
        self.accounts: dict[str, Account] = {}  # by email
        self.calendars: dict[str, Calendar] = {}  # by calendar id
        self.pending_authorizations: list[PendingAuthorization] = []
        self.auth_requests: dict[str, AuthRequest] = {}
        self.codes: dict[str, AuthCode] = {}
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> grant id
        self.consents: dict[tuple[str, str], list[str]] = {}  # (client_id, sub) -> scopes
        self.faults: list[Fault] = []
        self.calls: dict[str, int] = {}
        self.send_updates: list[dict[str, Any]] = []
        self.counters = {"issued": 0, "refreshed": 0, "revoked": 0}
        self.access_token_ttl_s = DEFAULT_ACCESS_TOKEN_TTL_S
        self.clock_offset_s = 0  # id_tokens carry iat/exp from a clock this far ahead
        self.conference_status = "success"  # or "pending": Meet links come later
        self.conference_ready_after_s = 1.0  # how long a pending conference stays pending
        self.refresh_token_on_repeat_consent = False  # Google: only with prompt=consent
        self.change_counter = 0
        # Push notifications (kaleno.emulator.push): channels by id, per-calendar
        # resource ids, pending push faults, and the lifetime of new channels.
        self.channels: dict[str, Channel] = {}
        self.resource_ids: dict[str, str] = {}
        self.push_faults: list[PushFault] = []
        self.channel_ttl_s = 604_800
        self.generation += 1

    def reset(self) -> None:
        """Forget everything except the clients given at start-up; stale all sync tokens."""
        self._clear()

    def next_change(self) -> int:
        """Return a new, ever-increasing change number for sync tokens."""
        self.change_counter += 1
        return self.change_counter

    def account_by_sub(self, sub: str) -> Account | None:
        """Find an account by its subject id."""
        return next((a for a in self.accounts.values() if a.sub == sub), None)

    def add_account(self, email: str, name: str, hd: str | None, time_zone: str = "UTC") -> Account:
        """Create an account and its primary calendar."""
        sub = str(10**20 + secrets.randbelow(9 * 10**20))
        account = Account(sub=sub, email=email, name=name, hd=hd, time_zone=time_zone)
        self.accounts[email] = account
        self.calendars[email] = Calendar(
            calendar_id=email, owner_email=email, summary=email, time_zone=time_zone, primary=True
        )
        return account

    def live_access_token(self, token: str, now: float | None = None) -> AccessToken | None:
        """Return the access token if it exists, is unexpired and its grant is live."""
        record = self.access_tokens.get(token)
        if record is None:
            return None
        if record.expires_at <= (time.time() if now is None else now):
            return None
        if self.grants[record.grant_id].revoked:
            return None
        return record

    def revoke_grant(self, grant_id: str) -> None:
        """Revoke a grant: its refresh token and every access token it issued die."""
        grant = self.grants[grant_id]
        if not grant.revoked:
            grant.revoked = True
            self.counters["revoked"] += 1

    def revoke_access(self, client_id: str, sub: str) -> None:
        """Remove the client's access to the account, as Google's revoke does: every grant
        of that client for that account dies and the consent is forgotten, so a later
        ``include_granted_scopes`` cannot bring the scopes back."""
        for grant in self.grants.values():
            if grant.client_id == client_id and grant.sub == sub:
                grant.revoked = True
        self.counters["revoked"] += 1  # one revocation, however many grants it ended
        self.consents.pop((client_id, sub), None)
