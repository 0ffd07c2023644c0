"""A JSON description of the emulator state, for ``GET /_emulator/state``."""

from __future__ import annotations

import copy
import time
from typing import Any

from kaleno.emulator.push import describe_channels
from kaleno.emulator.push_delivery import deliverer
from kaleno.emulator.state import EmulatorState


def describe_state(state: EmulatorState) -> dict[str, Any]:
    """Return accounts, clients, tokens, events, calls and settings (call under the lock)."""
    now = time.time()
    emails = {a.sub: a.email for a in state.accounts.values()}
    access_tokens = [
        {
            "token": t.token,
            "grant_id": t.grant_id,
            "client_id": state.grants[t.grant_id].client_id,
            "email": emails.get(state.grants[t.grant_id].sub),
            "scopes": t.scopes,
            "origin": t.origin,
            "issued_at": t.issued_at,
            "expires_at": t.expires_at,
            "expired": t.expires_at <= now,
            "revoked": state.grants[t.grant_id].revoked,
        }
        for t in state.access_tokens.values()
    ]
    grants = [
        {
            "grant_id": g.grant_id,
            "client_id": g.client_id,
            "email": emails.get(g.sub),
            "scopes": g.scopes,
            "refresh_token": g.refresh_token,
            "revoked": g.revoked,
        }
        for g in state.grants.values()
    ]
    return {
        "accounts": [
            {
                "sub": a.sub,
                "email": a.email,
                "name": a.name,
                "hd": a.hd,
                "timeZone": a.time_zone,
                "calendars": [
                    c.calendar_id for c in state.calendars.values() if c.owner_email == a.email
                ],
            }
            for a in state.accounts.values()
        ],
        "clients": [
            {
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "redirect_uris": c.redirect_uris,
            }
            for c in state.clients.values()
        ],
        "tokens": {
            **state.counters,
            "access_tokens": access_tokens,
            "refresh_tokens": [g["refresh_token"] for g in grants if g["refresh_token"]],
            "grants": grants,
        },
        "consents": [
            {"client_id": client_id, "email": emails.get(sub), "scopes": scopes}
            for (client_id, sub), scopes in state.consents.items()
        ],
        "events": {
            c.calendar_id: [copy.deepcopy(e) for e in c.events.values()]
            for c in state.calendars.values()
        },
        "calls": dict(state.calls),
        "send_updates": list(state.send_updates),
        "faults": [
            {
                "method": f.method,
                "status": f.status,
                "remaining": f.remaining,
                "delay_ms": f.delay_ms,
            }
            for f in state.faults
        ],
        "channels": describe_channels(state),
        "push": {
            "delivered": list(deliverer(state).log),
            "faults": [
                {"mode": f.mode, "remaining": f.remaining, "delay_ms": f.delay_ms}
                for f in state.push_faults
            ],
        },
        "pending_authorizations": [
            {"mode": p.mode, "email": p.email, "scopes": p.scopes}
            for p in state.pending_authorizations
        ],
        "settings": {
            "access_token_ttl_s": state.access_token_ttl_s,
            "clock_offset_s": state.clock_offset_s,
            "conference_status": state.conference_status,
            "conference_ready_after_s": state.conference_ready_after_s,
            "refresh_token_on_repeat_consent": state.refresh_token_on_repeat_consent,
            "channel_ttl_s": state.channel_ttl_s,
        },
    }
