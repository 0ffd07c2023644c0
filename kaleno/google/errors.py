"""Google failures as Kaleno errors: what a caller can act on, never a token or a body."""

from __future__ import annotations

from kaleno.errors import KalenoError


class GoogleUnavailable(KalenoError):
    status = 503
    slug = "google-unavailable"
    title = "Google did not answer"


class ClientMisconfigured(GoogleUnavailable):
    """Google refused Kaleno's own OAuth client: an operator must fix the configuration.

    A ``GoogleUnavailable`` so queued work is kept and retried once it is fixed.
    """

    slug = "google-client-misconfigured"
    title = "Kaleno's Google OAuth client is misconfigured"


class GoogleRejected(KalenoError):
    status = 502
    slug = "google-rejected"
    title = "Google refused the request"


class GoogleAuthFailed(KalenoError):
    status = 400
    slug = "google-sign-in-failed"
    title = "Signing in with Google failed"


class CalendarNotConnected(KalenoError):
    status = 409
    slug = "calendar-not-connected"
    title = "Google Calendar is not connected"


class CalendarRevoked(KalenoError):
    status = 409
    slug = "calendar-access-revoked"
    title = "Google Calendar access was revoked"


class ScopeNotGranted(KalenoError):
    status = 409
    slug = "calendar-scope-not-granted"
    title = "The host did not grant this Google Calendar permission"
