"""One POST to a checked target: pinned to the checked address, no redirects, bounded time."""

from __future__ import annotations

import time
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, SSLError, TimeoutError

from kaleno.integrations.ssrf import Target

USER_AGENT = "Kaleno-Webhooks/1"
MAX_RESPONSE_BYTES = 4096  # the answer is not used; read a little so the connection closes


@dataclass(frozen=True)
class Answer:
    """What one attempt got: the status code (None without an answer) and a short reason."""

    status_code: int | None
    error: str | None
    duration_ms: int


def _pool(target: Target, timeout: float, ca_certs: str | None) -> urllib3.HTTPConnectionPool:
    common = {"timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        # Connect to the checked address; present and verify the name the URL gave.
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_certs,
            **common,  # type: ignore[arg-type]
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, **common)  # type: ignore[arg-type]


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def post(
    target: Target,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    ca_certs: str | None = None,
) -> Answer:
    """POST ``body`` to ``target``; never raises for network trouble, never follows a redirect.

    ``ca_certs`` replaces the system's trusted roots (tests use their own CA).
    """
    started = time.monotonic()
    sent = {
        **headers,
        "Host": _host_header(target),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    status: int | None = None
    error: str | None = None
    with _pool(target, timeout, ca_certs) as pool:
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=sent,
                redirect=False,
                preload_content=False,
                release_conn=True,
            )
            status = response.status
            response.read(MAX_RESPONSE_BYTES)
            response.release_conn()
        except TimeoutError:
            error = f"no answer within {timeout:g} s"
        except SSLError:
            error = "TLS handshake or certificate check failed"
        except NewConnectionError:
            error = "connection failed"
        except (HTTPError, OSError) as failure:
            error = f"request failed ({type(failure).__name__})"
    if status is not None and not 200 <= status < 300:
        error = f"answered HTTP {status}"
    duration_ms = int((time.monotonic() - started) * 1000)
    return Answer(status, error, duration_ms)
