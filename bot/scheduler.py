"""Scheduled sweeps. The schedule lives in our tables; APScheduler is only the clock.

Each sweep is idempotent (claim due rows, act, mark done), so running it twice,
on several replicas, or once more from `s3bot tick` is safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot.services import backlog

if TYPE_CHECKING:
    from bot.app import Deps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sweep:
    """A named piece of due work and how often to look for it."""

    name: str
    run: Callable[[Deps], int]
    every_seconds: int | None = None  # None: the settings' sweep interval


def _purge_event_ids(deps: Deps) -> int:
    return backlog.purge_old_event_ids(deps.sessions, now=deps.clock())


SWEEPS: list[Sweep] = [Sweep("purge-event-ids", _purge_event_ids, every_seconds=3600)]


def run_all_once(deps: Deps) -> dict[str, int]:
    """Run every sweep once; a failing sweep is logged and does not stop the others."""
    results: dict[str, int] = {}
    for sweep in SWEEPS:
        try:
            results[sweep.name] = sweep.run(deps)
        except Exception:
            log.exception("sweep %s failed", sweep.name)
            results[sweep.name] = -1
    return results


def start_scheduler(deps: Deps) -> BackgroundScheduler:
    """Start the in-process clock that runs the sweeps (its own memory job store, never shared)."""
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    for sweep in SWEEPS:
        scheduler.add_job(
            sweep.run,
            "interval",
            args=[deps],
            id=sweep.name,
            name=sweep.name,
            seconds=sweep.every_seconds or deps.settings.sweep_interval_seconds,
        )
    scheduler.start()
    return scheduler
