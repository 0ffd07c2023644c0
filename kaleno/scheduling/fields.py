"""Field types shared by the scheduling shapes: IANA zones, ISO dates, slugs, clock times."""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from kaleno.errors import Conflict, ValidationProblem

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
CLOCK_PATTERN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# Top-level paths a host slug may never take (DESIGN.md "Pages people use"), so a page of
# the app is never shadowed; update_profile also refuses every top-level path the running
# app routes, so paths added later are covered too.
RESERVED_SLUGS = frozenset(
    {
        "api", "auth", "console", "docs", "m", "privacy", "cookies", "static", "webhooks",
        "healthz", "readyz", "metrics", "openapi", "openapi.json", "dev", "emulator",
        "login", "logout", "signin", "signup", "admin", "assets", "favicon", "robots",
        "sitemap", "well-known", "help", "about", "terms",
    }
)  # fmt: skip
ORIGIN_PATTERN = r"^https?://[a-z0-9.-]+(?::[0-9]{1,5})?$"
MAX_EMBED_ORIGINS = 10


class SlugTaken(Conflict):
    slug = "slug-taken"
    title = "This slug is already in use"


@functools.cache
def _known_zones() -> frozenset[str]:
    # available_timezones() scans the tz database once; only names in this set are
    # accepted (no paths). Some systems list files that are not zones for people.
    return (frozenset(zoneinfo.available_timezones()) - _NOT_ZONES) | {"UTC"}


def is_known_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time-zone name this server knows."""
    return name in _known_zones()


@functools.lru_cache(maxsize=512)
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The ZoneInfo for a known IANA name (cached: routes look zones up per request).

    Raises:
        ValueError: the name is not a known IANA zone.
    """
    if not is_known_zone(name):
        raise ValueError(f"unknown time zone {name!r}")
    return zoneinfo.ZoneInfo(name)


def _check_zone(name: str) -> str:
    if not is_known_zone(name):
        raise ValueError("not a known IANA time zone (e.g. Asia/Jakarta)")
    return name


def _check_host_slug(slug: str) -> str:
    if slug in RESERVED_SLUGS:
        raise ValueError("this address is reserved for a page of Kaleno; pick another")
    return slug


def _check_origins(origins: list[str]) -> list[str]:
    if len(origins) > MAX_EMBED_ORIGINS:
        raise ValueError(f"at most {MAX_EMBED_ORIGINS} origins")
    if any(not re.match(ORIGIN_PATTERN, origin) for origin in origins):
        raise ValueError("each origin is scheme://host[:port] in lower case, no path")
    return sorted(set(origins))


def _parse_date(value: Any) -> date:
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("use the format YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a real calendar date") from None


IanaZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_check_zone)]
IsoDate = Annotated[date, BeforeValidator(_parse_date)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
HostSlug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN), AfterValidator(_check_host_slug)]
EmbedOrigins = Annotated[list[str], AfterValidator(_check_origins)]
ClockTime = Annotated[str, StringConstraints(pattern=CLOCK_PATTERN)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def clock_minutes(text: str) -> int:
    """Minutes since midnight of an ``HH:MM`` clock time (``24:00`` is 1440)."""
    return int(text[:2]) * 60 + int(text[3:])


def field_problem(errors: list[tuple[str, str]], location: str = "body") -> ValidationProblem:
    """A 400 problem naming each ``(field, message)``, like the ``@operation`` validation."""
    entries = [{"field": name, "in": location, "message": message} for name, message in errors]
    fields = ", ".join(sorted({name for name, _ in errors}))
    return ValidationProblem(f"Invalid {location}: {fields}", errors=entries)


class StrictModel(BaseModel):
    """A request body that names unknown fields instead of ignoring them."""

    model_config = ConfigDict(extra="forbid")


class PatchModel(StrictModel):
    """A partial update: absent fields stay as they are; ``null`` only where ``nullable``."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("must not be null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, with their validated values."""
        return {name: getattr(self, name) for name in self.model_fields_set}
