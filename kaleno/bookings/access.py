"""Who may see or change a booking: its host (session) or its customer (manage token)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from flask import request

from kaleno.auth.api_keys import is_api_key
from kaleno.auth.sessions import require_user
from kaleno.bookings.present import hash_manage_token
from kaleno.errors import NotAuthenticated, NotFound
from kaleno.extensions import db
from kaleno.models import Booking

Role = Literal["host", "customer"]
_NOT_FOUND = "No booking with this id for these credentials."


@dataclass(frozen=True)
class Access:
    """A booking and the role of the one asking for it."""

    booking: Booking
    role: Role


def bearer_token() -> str | None:
    """The ``Authorization: Bearer`` credential of this request, if one is sent.

    Raises:
        NotAuthenticated: 401 for an Authorization header that is not a bearer token.
    """
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("Send Authorization: Bearer <manage token>, or sign in.")
    return token.strip()


def booking_access(booking_id: uuid.UUID) -> Access:
    """The booking, for its customer (manage token) or its host (session + CSRF, or an
    API key with the bookings scope).

    A bearer token is checked on its own: cookies are ignored then, so no CSRF applies.

    Raises:
        NotFound: 404 when the booking does not exist or is not the caller's (the same
            answer either way, so ids cannot be probed).
        NotAuthenticated: 401 without any credential.
        CSRFFailed: 403 for a host's unsafe request without the CSRF token.
    """
    token = bearer_token()
    if token is not None and not is_api_key(token):
        booking = (
            db.session.query(Booking)
            .filter(Booking.manage_token_hash == hash_manage_token(token))
            .one_or_none()
        )
        if booking is None or booking.id != booking_id:
            raise NotFound(_NOT_FOUND)
        return Access(booking, "customer")
    user = require_user()
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.host_id != user.id:
        raise NotFound(_NOT_FOUND)
    return Access(booking, "host")
