"""A misconfigured production under gunicorn stops at once with a non-zero status and the
one-line reason, instead of forking refusing workers forever."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.web.conftest import production_env

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run(tmp_path: Path, **overrides: str) -> tuple[int, str]:
    """Run gunicorn with a production environment plus ``overrides``; its status and output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KALENO_", "PROMETHEUS_"))}
    env.update(production_env(f"sqlite:///{tmp_path / 'x.sqlite3'}", **overrides))
    env.update(
        {
            "KALENO_BIND": f"127.0.0.1:{_free_port()}",
            "KALENO_WEB_WORKERS": "2",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        }
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: nothing outlives a failed test
    )
    try:
        output, _ = server.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.communicate()
        raise AssertionError("gunicorn kept running with a configuration it refuses") from None
    return server.returncode, output


def test_gunicorn_exits_non_zero_before_forking_on_a_bad_config(tmp_path: Path) -> None:
    status, output = _run(tmp_path, KALENO_SECRET_KEY="a" * 32)
    assert status != 0, output[-2000:]
    assert "Booting worker" not in output  # refused before any fork
    refusals = [line for line in output.splitlines() if "refusing to start" in line]
    assert len(refusals) == 1, output[-2000:]
    assert "KALENO_SECRET_KEY" in refusals[0]
    assert "a" * 32 not in output


def test_a_worker_that_cannot_build_the_app_stops_the_master(tmp_path: Path) -> None:
    # Valid for load_config, refused only when the app is built (in each worker).
    status, output = _run(tmp_path, KALENO_RATE_LIMIT_SLOTS="banana")
    # gunicorn halts with its boot-error status 3 (with several workers, reaping the
    # others during the halt may turn that into 1): non-zero either way.
    assert status != 0, output[-2000:]
    assert "Worker failed to boot" in output
    assert "KALENO_RATE_LIMIT_SLOTS" in output
    assert output.count("Booting worker") <= 2  # the workers of one start, never again
