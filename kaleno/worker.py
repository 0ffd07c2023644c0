"""``flask kaleno worker``: the loop that runs due outbox jobs and the sync's schedule.

An entry point: each job runs as its own unit(s) of work through ``kaleno.outbox``, and
each tick of the sync's schedule is one unit.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from flask import current_app

from kaleno import outbox
from kaleno.extensions import db
from kaleno.models import utcnow
from kaleno.sync import schedule
from kaleno.unit_of_work import unit

log = logging.getLogger(__name__)
BATCH = 10


def run_worker(
    *,
    once: bool = False,
    max_jobs: int | None = None,
    poll_interval: float = 1.0,
    clock: Callable[[], datetime] = utcnow,
    stop: threading.Event | None = None,
    kinds: Collection[str] | None = None,
) -> int:
    """Drain due jobs until stopped; return how many ran.

    ``kinds`` limits the worker to those job kinds (default: every kind, registered ones
    included), e.g. to give mail its own workers.

    ``once`` stops when nothing is due; ``max_jobs`` stops after that many; ``stop`` is
    set by a signal handler for a graceful exit (claimed jobs not yet run are taken up
    again when their lease ends). A job that crashes the worker's own code is logged and
    retried after its lease, never lost.
    """
    stop = stop or threading.Event()
    ran = 0
    next_tick = clock()
    while not stop.is_set():
        want = BATCH if max_jobs is None else min(BATCH, max_jobs - ran)
        if want <= 0:
            break
        if clock() >= next_tick and (kinds is None or "calendar.sync" in kinds):
            next_tick = clock() + timedelta(seconds=_sync_tick(clock()))
        job_ids = outbox.claim_due(clock(), want, kinds or outbox.registered_kinds())
        for job_id in job_ids:
            if stop.is_set():
                break
            try:
                outbox.run_job(job_id, clock())
            except Exception:
                db.session.rollback()
                log.exception(
                    "outbox job crashed; retried after its lease", extra={"job_id": str(job_id)}
                )
            ran += 1
        if not job_ids:
            if once:
                break
            stop.wait(poll_interval)
    db.session.remove()
    return ran


def _sync_tick(now: datetime) -> float:
    """Queue the sync work that is due (kaleno.sync.schedule); return the next interval.

    Off with ``SYNC_ENABLED`` false. A failure is logged and tried again next interval:
    it must not stop the outbox.
    """
    if not current_app.config.get("SYNC_ENABLED", True):
        return float(current_app.config.get("SYNC_TICK_S", 5))
    try:
        with unit():
            schedule.tick(now)
    except Exception:
        db.session.rollback()  # the unit's own commit may be what failed
        log.exception("sync schedule tick failed")
    return float(current_app.config.get("SYNC_TICK_S", 5))


def serve(*, once: bool, max_jobs: int | None, poll_interval: float) -> int:
    """``flask kaleno worker``: run until done (``once``/``max_jobs``) or SIGTERM/SIGINT."""
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _stop(signum: int, frame: object) -> None:
        log.info("worker stopping", extra={"signal": signum})
        stop.set()

    for sig in previous:
        signal.signal(sig, _stop)
    try:
        return run_worker(once=once, max_jobs=max_jobs, poll_interval=poll_interval, stop=stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
