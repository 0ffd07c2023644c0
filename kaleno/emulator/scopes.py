"""Scopes each Calendar v3 method accepts, copied from the discovery document.

Source: ``calendar.v3.json`` bundled with google-api-python-client 2.202.0 (discovery
revision 20261030). A token holding any one listed scope passes the method's check.
"""

from __future__ import annotations

_AUTH = "https://www.googleapis.com/auth/"

CALENDAR_METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "calendar.freebusy.query": (
        _AUTH + "calendar",
        _AUTH + "calendar.events.freebusy",
        _AUTH + "calendar.freebusy",
        _AUTH + "calendar.readonly",
    ),
    "calendar.events.insert": (
        _AUTH + "calendar",
        _AUTH + "calendar.app.created",
        _AUTH + "calendar.events",
        _AUTH + "calendar.events.owned",
    ),
    "calendar.events.get": (
        _AUTH + "calendar",
        _AUTH + "calendar.app.created",
        _AUTH + "calendar.events",
        _AUTH + "calendar.events.freebusy",
        _AUTH + "calendar.events.owned",
        _AUTH + "calendar.events.owned.readonly",
        _AUTH + "calendar.events.public.readonly",
        _AUTH + "calendar.events.readonly",
        _AUTH + "calendar.readonly",
    ),
    "calendar.events.list": (
        _AUTH + "calendar",
        _AUTH + "calendar.app.created",
        _AUTH + "calendar.events",
        _AUTH + "calendar.events.freebusy",
        _AUTH + "calendar.events.owned",
        _AUTH + "calendar.events.owned.readonly",
        _AUTH + "calendar.events.public.readonly",
        _AUTH + "calendar.events.readonly",
        _AUTH + "calendar.readonly",
    ),
    "calendar.events.patch": (
        _AUTH + "calendar",
        _AUTH + "calendar.app.created",
        _AUTH + "calendar.events",
        _AUTH + "calendar.events.owned",
    ),
    "calendar.events.update": (
        _AUTH + "calendar",
        _AUTH + "calendar.app.created",
        _AUTH + "calendar.events",
        _AUTH + "calendar.events.owned",
    ),
    "calendar.events.delete": (
        _AUTH + "calendar",
        _AUTH + "calendar.app.created",
        _AUTH + "calendar.events",
        _AUTH + "calendar.events.owned",
    ),
    "calendar.events.watch": (
        _AUTH + "calendar",
        _AUTH + "calendar.app.created",
        _AUTH + "calendar.events",
        _AUTH + "calendar.events.freebusy",
        _AUTH + "calendar.events.owned",
        _AUTH + "calendar.events.owned.readonly",
        _AUTH + "calendar.events.public.readonly",
        _AUTH + "calendar.events.readonly",
        _AUTH + "calendar.readonly",
    ),
    "calendar.calendarList.list": (
        _AUTH + "calendar",
        _AUTH + "calendar.calendarlist",
        _AUTH + "calendar.calendarlist.readonly",
        _AUTH + "calendar.readonly",
    ),
    "calendar.channels.stop": (
        _AUTH + "calendar",
        _AUTH + "calendar.acls",
        _AUTH + "calendar.acls.readonly",
        _AUTH + "calendar.app.created",
        _AUTH + "calendar.calendarlist",
        _AUTH + "calendar.calendarlist.readonly",
        _AUTH + "calendar.events",
        _AUTH + "calendar.events.freebusy",
        _AUTH + "calendar.events.owned",
        _AUTH + "calendar.events.owned.readonly",
        _AUTH + "calendar.events.public.readonly",
        _AUTH + "calendar.events.readonly",
        _AUTH + "calendar.readonly",
        _AUTH + "calendar.settings",
        _AUTH + "calendar.settings.readonly",
    ),
}

# Google answers the short OIDC scope names with their long forms.
SCOPE_ALIASES: dict[str, str] = {
    "email": _AUTH + "userinfo.email",
    "profile": _AUTH + "userinfo.profile",
}
EMAIL_SCOPE = SCOPE_ALIASES["email"]
PROFILE_SCOPE = SCOPE_ALIASES["profile"]
# Consented together on their own page, never ticked one by one (granular permissions).
SIGN_IN_SCOPES = ("openid", EMAIL_SCOPE, PROFILE_SCOPE)


def normalize_scopes(scopes: list[str]) -> list[str]:
    """Return scopes with short OIDC names expanded, duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for scope in scopes:
        seen.setdefault(SCOPE_ALIASES.get(scope, scope), None)
    return list(seen)


def is_known_scope(scope: str) -> bool:
    """Tell whether Google would recognise this scope string."""
    return scope in ("openid", *SCOPE_ALIASES) or scope.startswith(_AUTH)


def rpc_method_name(method_id: str) -> str:
    """Map ``calendar.events.list`` to ``calendar.v3.Events.List`` as in ErrorInfo."""
    service, resource, verb = method_id.split(".")
    return f"{service}.v3.{resource[:1].upper()}{resource[1:]}.{verb[:1].upper()}{verb[1:]}"
