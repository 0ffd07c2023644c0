"""``flask kaleno …`` operator commands."""

from __future__ import annotations

import secrets

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from config import new_token_key_entry

kaleno_cli = AppGroup("kaleno", help="Kaleno operator commands.")
keys_cli = AppGroup("keys", help="Token-vault keys.")
kaleno_cli.add_command(keys_cli)


def register_cli(app: Flask) -> None:
    """Attach the ``kaleno`` command group."""
    app.cli.add_command(kaleno_cli)


@kaleno_cli.command("check-config")
def check_config() -> None:
    """Print the active environment name (the config was already checked at start)."""
    click.echo(f"environment: {current_app.config['KALENO_ENV']}")


@keys_cli.command("generate")
@click.option("--kid", default=None, help="Key id (default: random).")
def keys_generate(kid: str | None) -> None:
    """Print a new ``kid:base64key`` entry; put it first in KALENO_TOKEN_KEYS to make it active."""
    click.echo(new_token_key_entry(kid or f"k{secrets.token_hex(4)}"))


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Re-seal every stored token under the active (first) key and report counts."""
    from kaleno.auth.rotation import rotate_sealed_values
    from kaleno.vault import current_vault

    report = rotate_sealed_values()
    click.echo(
        f"active key: {current_vault().active_kid}; sealed values examined: {report.examined}; "
        f"re-sealed: {report.resealed}"
    )
