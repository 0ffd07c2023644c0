"""The floor for ``bench_load.py``: a bare Flask app answering fixed JSON bytes.

Served by gunicorn with the same config file as Kaleno (``gunicorn -c gunicorn.conf.py
--pythonpath bench bare_app:app``); ``KALENO_BENCH_BARE_BODY`` names the file holding the
body (the slots answer Kaleno gave in the same run).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

BODY = Path(os.environ["KALENO_BENCH_BARE_BODY"]).read_bytes()

app = Flask("bare")


@app.get("/healthz")
def healthz() -> Response:
    return Response(b'{"status":"ok"}', mimetype="application/json")


@app.get("/api/pages/<host_slug>/<event_slug>/slots")
def slots(host_slug: str, event_slug: str) -> Response:
    return Response(BODY, mimetype="application/json")
