"""WSGI entry point: ``gunicorn wsgi:app`` (also ``FLASK_APP=wsgi`` for the CLI)."""

import sys

from config import ConfigError
from kaleno import create_app

try:
    app = create_app()
except ConfigError as error:
    # One line for the operator, no traceback: the reason is the whole story.
    print(f"kaleno: refusing to start: {error}", file=sys.stderr)
    # 3 is gunicorn's WORKER_BOOT_ERROR: its master then stops instead of forking again.
    sys.exit(3)
