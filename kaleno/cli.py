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
    from kaleno.unit_of_work import unit
    from kaleno.vault import current_vault

    with unit():  # all re-sealed, or nothing
        report = rotate_sealed_values()
    click.echo(
        f"active key: {current_vault().active_kid}; sealed values examined: {report.examined}; "
        f"re-sealed: {report.resealed}"
    )


@kaleno_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would change; change nothing.")
def purge_command(dry_run: bool) -> None:
    """Apply the retention periods (idempotent); print what was (or would be) done."""
    from kaleno.models import utcnow
    from kaleno.privacy.retention import purge
    from kaleno.unit_of_work import unit

    with unit():
        report = purge(utcnow(), dry_run=dry_run)
    prefix = "would " if dry_run else ""
    for name, count in report.as_dict().items():
        click.echo(f"{prefix}{name.replace('_', ' ')}: {count}")


@kaleno_cli.command("requests")
def requests_command() -> None:
    """List open data requests with due dates, overdue first (the listing is audited)."""
    from kaleno import audit
    from kaleno.models import utcnow
    from kaleno.privacy.retention import open_requests
    from kaleno.unit_of_work import unit

    now = utcnow()
    with unit():  # nothing is shown unless the listing's audit entry is recorded
        rows = open_requests(now)
        lines = [
            f"{'OVERDUE' if row.due_at <= now else 'due':7} {row.due_at:%Y-%m-%d} "
            f"{row.kind:15} {row.status:20} {row.id}"
            for row in rows
        ]
        audit.record("operator.requests_listed", actor="operator", count=len(rows))
    for line in lines or ["no open data requests"]:
        click.echo(line)


@kaleno_cli.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs due now, then exit.")
@click.option("--max-jobs", type=click.IntRange(min=1), default=None, help="Exit after N jobs.")
@click.option("--poll-interval", type=click.FloatRange(min=0.01), default=1.0, show_default=True)
def worker_command(once: bool, max_jobs: int | None, poll_interval: float) -> None:
    """Drain the outbox (Google sync, grant revocation, mail); SIGTERM/SIGINT stop it gracefully."""
    from kaleno.worker import serve

    ran = serve(once=once, max_jobs=max_jobs, poll_interval=poll_interval)
    click.echo(f"outbox jobs run: {ran}")
