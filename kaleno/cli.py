"""``flask kaleno …`` operator commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

kaleno_cli = AppGroup("kaleno", help="Kaleno operator commands.")


def register_cli(app: Flask) -> None:
    """Attach the ``kaleno`` command group."""
    app.cli.add_command(kaleno_cli)


@kaleno_cli.command("check-config")
def check_config() -> None:
    """Print the active environment name (the config was already checked at start)."""
    from flask import current_app

    click.echo(f"environment: {current_app.config['KALENO_ENV']}")
