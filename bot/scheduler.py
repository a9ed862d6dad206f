"""Scheduled sweeps. The schedule lives in our tables; APScheduler is only the clock.

Each sweep is idempotent (claim due rows, act, mark done), so running it twice,
on several replicas, or once more from `s3bot tick` is safe.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot.delivery import outbox, reminders, rounds
from bot.runtime.pacing import patient
from bot.services import consent, meeting, rhythm, workspace

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)


class Throttle:
    """Lets something happen at most once per interval (thread-safe); urgent always passes."""

    def __init__(self, every_seconds: float) -> None:
        self.every_seconds = every_seconds
        self._lock = threading.Lock()
        self._last = float("-inf")

    def ready(self, *, urgent: bool = False) -> bool:
        """True when the interval has passed since the last time it was ready (or urgent)."""
        now = time.monotonic()
        with self._lock:
            if not urgent and now - self._last < self.every_seconds:
                return False
            self._last = now
            return True


# One throttle per process's Deps (tests build several), kept beside the sweeps it paces
# rather than as mutable state on Deps.
_kick_throttles: weakref.WeakKeyDictionary[Deps, Throttle] = weakref.WeakKeyDictionary()
_throttles_lock = threading.Lock()


def _throttle(deps: Deps) -> Throttle:
    with _throttles_lock:
        throttle = _kick_throttles.get(deps)
        if throttle is None:
            throttle = _kick_throttles[deps] = Throttle(1.0)
        return throttle


@dataclass(frozen=True)
class Sweep:
    """A named piece of due work and how often to look for it."""

    name: str
    run: Callable[[Deps], int]
    every_seconds: int | None = None  # None: the settings' sweep interval


def _purge_event_ids(deps: Deps) -> int:
    return workspace.purge_old_event_ids(deps.sessions, now=deps.clock())


def _purge_uninstalled(deps: Deps) -> int:
    retention = timedelta(days=deps.settings.data_retention_days)
    return len(workspace.purge_uninstalled(deps.sessions, now=deps.clock(), retention=retention))


def _close_rounds(deps: Deps) -> int:
    return len(consent.close_due(deps.sessions, now=deps.clock()))


def _open_answers(deps: Deps) -> int:
    return consent.open_answers_due(deps.sessions, now=deps.clock())


def _nudge_rounds(deps: Deps) -> int:
    return rounds.queue_nudges(deps)


def _review_nudges(deps: Deps) -> int:
    return reminders.send_review_nudges(deps)


def _render_rounds(deps: Deps) -> int:
    return rounds.render_rounds(deps)


def _meeting_agendas(deps: Deps) -> int:
    """Queue each governance meeting's agenda a day ahead, once per meeting (rhythm)."""
    return rhythm.post_due_agendas(deps.sessions, now=deps.clock())


def _close_left_meetings(deps: Deps) -> int:
    """Close governance meetings left open 12 hours past their planned end, with minutes."""
    return meeting.close_left_open(deps.sessions, now=deps.clock())


def _deliver_outbox(deps: Deps) -> int:
    return outbox.deliver_outbox(deps)


# roles (issue 10): a term's end coming near (notice, backlog item), and the day it ends
def _role_terms(deps: Deps) -> int:
    from bot.services import roles

    def item_text(team_id: str) -> str:  # formatted with the role's name by the service
        return deps.people.workspace_messages(team_id)._("Select someone for the role {name}")

    notices = roles.term_notices_due(deps.sessions, now=deps.clock(), item_text=item_text)
    return notices + roles.vacate_due(deps.sessions, now=deps.clock())


# role selection (issue 10): the hidden nominations revealed at their deadline, and the end
# of the change round (the starter asked to propose a nominee)
def _selection_reveals(deps: Deps) -> int:
    from bot.services import selection

    return selection.reveal_due(deps.sessions, now=deps.clock())


def _selection_proposing(deps: Deps) -> int:
    from bot.services import selection

    return selection.proposing_due(deps.sessions, now=deps.clock())


# Order matters for `tick`: decisions first, then the messages that show them.
# reviews by the circle (issue 11, part 7): review rounds closed at their deadline (or once
# everyone answered): kept, or the objections on the backlog
def _review_rounds(deps: Deps) -> int:
    from bot.blocks import review_rounds as review_round_views
    from bot.services import review_rounds

    def item_text(team_id: str, number: int, title: str) -> str:
        m = deps.people.workspace_messages(team_id)
        return review_round_views.round_objections_item(m, number, title)

    return review_rounds.close_due(deps.sessions, now=deps.clock(), item_text=item_text)


SWEEPS: list[Sweep] = [
    Sweep("close-rounds", _close_rounds, every_seconds=10),
    Sweep("review-rounds", _review_rounds, every_seconds=10),
    Sweep("open-answers", _open_answers, every_seconds=10),
    Sweep("nudge-rounds", _nudge_rounds),
    Sweep("review-nudges", _review_nudges),
    Sweep("meeting-agendas", _meeting_agendas, every_seconds=60),
    Sweep("close-left-meetings", _close_left_meetings, every_seconds=300),
    Sweep("deliver-outbox", _deliver_outbox, every_seconds=3),
    Sweep("render-rounds", _render_rounds, every_seconds=1),
    Sweep("purge-event-ids", _purge_event_ids, every_seconds=3600),
    Sweep("purge-uninstalled", _purge_uninstalled, every_seconds=3600),
    # roles (issue 10); before deliver-outbox in `tick` is not needed: the next tick sends
    Sweep("role-terms", _role_terms, every_seconds=300),
    Sweep("selection-reveals", _selection_reveals, every_seconds=60),
    Sweep("selection-proposing", _selection_proposing, every_seconds=60),
]

_KICK_SWEEPS = ("close-rounds", "review-rounds", "deliver-outbox", "render-rounds")
_kick_lock = threading.Lock()


def kick_soon(deps: Deps, *, urgent: bool = False) -> None:
    """After an answer: run the round sweeps now, at most once a second (a burst of answers
    must not turn into a burst of sweeps); `urgent` (the round is complete) always runs."""
    if _throttle(deps).ready(urgent=urgent):
        try:
            deps.executor.submit(kick, deps)
        except RuntimeError:  # shutting down: the next start's sweeps do it
            log.info("not kicking the sweeps: shutting down")


def kick(deps: Deps) -> None:
    """Run the round sweeps now (after an answer or an author's action), not at the next tick."""
    if not _kick_lock.acquire(blocking=False):
        return  # a kick is running; the scheduler's next tick catches anything it misses
    try:
        for sweep in SWEEPS:
            if sweep.name in _KICK_SWEEPS:
                try:
                    sweep.run(deps)
                except Exception:
                    log.exception("sweep %s failed", sweep.name)
    finally:
        _kick_lock.release()


def _patiently(sweep: Sweep, deps: Deps) -> int:
    """A scheduled sweep: its Slack calls wait for their turn within the tiers."""
    with patient():
        return sweep.run(deps)


def run_all_once(deps: Deps) -> dict[str, int]:
    """Run every sweep once; a failing sweep is logged and does not stop the others."""
    results: dict[str, int] = {}
    for sweep in SWEEPS:
        try:
            results[sweep.name] = _patiently(sweep, deps)
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
            _patiently,
            "interval",
            args=[sweep, deps],
            id=sweep.name,
            name=sweep.name,
            seconds=sweep.every_seconds or deps.settings.sweep_interval_seconds,
        )
    scheduler.start()
    return scheduler
