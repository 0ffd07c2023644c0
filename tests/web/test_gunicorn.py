"""gunicorn with gunicorn.conf.py: serves a migrated database, logs JSON without queries."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from tests.web.conftest import production_env

ROOT = Path(__file__).resolve().parents[2]
CANARY = "canary-code-4f7a"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _environment(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KALENO_", "PROMETHEUS_"))}
    env.update(production_env(f"sqlite:///{tmp_path / 'served.sqlite3'}"))
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env.update(
        {
            "KALENO_BIND": f"127.0.0.1:{port}",
            "KALENO_WEB_WORKERS": "2",
            "KALENO_WEB_THREADS": "2",
            "KALENO_WEB_GRACEFUL_TIMEOUT": "5",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        }
    )
    return env


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited during start"
        try:
            _get(f"{base}/healthz")
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not answer within 15 s")


def test_gunicorn_serves_with_json_access_log_without_query_strings(tmp_path: Path) -> None:
    port = _free_port()
    env = _environment(tmp_path, port)
    migrate = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert migrate.returncode == 0, migrate.stderr.decode()[-2000:]

    out, err = tmp_path / "access.log", tmp_path / "error.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, server)
            status, headers, _ = _get(f"{base}/healthz?code={CANARY}&state={CANARY}")
            assert status == 200
            assert headers["Strict-Transport-Security"].startswith("max-age=")
            assert _get(f"{base}/readyz")[0] == 200
            assert _get(f"{base}/m/{CANARY}")[0] == 404  # a manage link's token
            request_link = f"/privacy/requests/{uuid.UUID(int=1)}/t/{CANARY}"
            assert _get(base + request_link)[0] == 404  # a privacy request link's token
            status, _, metrics = _get(f"{base}/metrics")
            assert status == 200
            assert 'route="/healthz"' in metrics
            assert "kaleno_outbox_pending_jobs 0.0" in metrics
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=15)
    assert server.returncode == 0

    logged = out.read_text() + err.read_text()
    assert CANARY not in logged
    access = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    health = [entry for entry in access if entry["path"] == "/healthz"]
    assert health, "the request to /healthz is in the access log"
    assert any(entry["path"] == "/m/[redacted]" for entry in access)
    request_path = f"/privacy/requests/{uuid.UUID(int=1)}/t/[redacted]"
    assert any(entry["path"] == request_path for entry in access)
    entry = health[-1]
    assert entry["method"] == "GET" and entry["status"] == "200"
    assert len(entry["request_id"]) >= 8 and entry["ts"].endswith("+00:00")
