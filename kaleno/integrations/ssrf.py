"""Where webhooks may be sent: public HTTPS only, checked after DNS (an SSRF guard).

A URL is checked when the endpoint is created and again before every attempt, after
resolving its host; the attempt then connects to the very address that was checked, so a
name that later resolves elsewhere (DNS rebinding) cannot redirect it. Development and
test also allow plain ``http://127.0.0.1`` so a local receiver works.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from kaleno.errors import KalenoError

LOCAL_HOST = "127.0.0.1"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class UnsafeTarget(KalenoError):
    """The webhook URL is not one Kaleno will send to."""

    status = 400
    slug = "unsafe-webhook-url"
    title = "Webhook URL not allowed"


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to ``address``, present ``host`` (Host header, TLS SNI)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is globally routable: not loopback, link-local, private,
    shared, reserved, multicast or unspecified (IPv4-mapped IPv6 judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return address.is_global and not (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def check_url(url: str, *, allow_local_http: bool, resolver: Resolver = resolve) -> Target:
    """Check ``url`` and resolve it to the one address an attempt may connect to.

    Raises:
        UnsafeTarget: 400 for another scheme, credentials in the URL, a host that does
            not resolve, or any resolved address that is not public.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeTarget("The URL's port is not valid.") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("Put no user name or password in the URL.")
    if allow_local_http and parts.scheme == "http" and host == LOCAL_HOST:
        return Target(parts.scheme, host, port, path, LOCAL_HOST)
    if parts.scheme != "https" or not host:
        raise UnsafeTarget("Webhook URLs must start with https://.")
    try:
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(host, port)]
    except (OSError, UnicodeError, ValueError):
        raise UnsafeTarget("The URL's host does not resolve.") from None
    if not addresses:
        raise UnsafeTarget("The URL's host does not resolve.")
    if not all(is_public(address) for address in addresses):
        raise UnsafeTarget(
            "The URL's host resolves to a loopback, link-local, private or reserved address."
        )
    return Target(parts.scheme, host, port, path, str(addresses[0]))
