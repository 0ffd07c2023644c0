"""Serve the emulator: ``python -m kaleno.emulator --host 127.0.0.1 --port 8765``."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from werkzeug.serving import run_simple

from kaleno.emulator.app import create_emulator_app
from kaleno.emulator.state import Client, EmulatorState


def parse_client(value: str) -> Client:
    """Parse ``ID:SECRET:URI[,URI]`` (URIs contain ':' so split only twice)."""
    parts = value.split(":", 2)
    if len(parts) != 3 or not all(parts):
        raise argparse.ArgumentTypeError("expected ID:SECRET:URI[,URI]")
    client_id, secret, uris = parts
    return Client(client_id, secret, [uri for uri in uris.split(",") if uri])


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until interrupted; refuse under the production config."""
    parser = argparse.ArgumentParser(prog="python -m kaleno.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--client", type=parse_client, action="append", default=[], help="ID:SECRET:URI[,URI]"
    )
    args = parser.parse_args(argv)
    if os.environ.get("KALENO_ENV", "").strip().lower() == "production":
        print(
            "kaleno.emulator: refusing to start with KALENO_ENV=production "
            "(the Google emulator is for development and tests only)",
            file=sys.stderr,
        )
        return 2
    # The request log would show query strings (codes, state); keep it to errors.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_emulator_app(EmulatorState(initial_clients=args.client))
    print(f"kaleno.emulator: serving on http://{args.host}:{args.port}", file=sys.stderr)
    run_simple(args.host, args.port, app, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
