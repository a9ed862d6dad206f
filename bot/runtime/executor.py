"""The thread pool Bolt runs listeners in, with a way to wait until it is idle."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

MAX_QUEUED = 256  # work waiting in the pool before submitters run it themselves


class TrackingExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor that knows how many submitted tasks are still running.

    Bolt acks first and finishes the listener in this pool; the demo and the
    tests call `wait_idle()` to see the listener's effects deterministically.
    """

    def __init__(self, max_workers: int = 16, max_queued: int = MAX_QUEUED) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="s3bot-listener")
        self.max_queued = max_queued
        self._pending = 0
        self._cond = threading.Condition()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self.pending >= self.max_queued:
            # Backpressure: past this many, do the work in the caller's thread (before the
            # request is answered), so an overload slows Slack's requests down instead of
            # piling up work that a crash or a deploy would lose.
            done: Future[Any] = Future()
            try:
                done.set_result(fn(*args, **kwargs))
            except Exception as exc:  # noqa: BLE001 - handed to the future, as the pool would
                done.set_exception(exc)
            return done
        with self._cond:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any]) -> None:
        with self._cond:
            self._pending -= 1
            self._cond.notify_all()

    @property
    def pending(self) -> int:
        """Tasks submitted and not yet finished."""
        with self._cond:
            return self._pending

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no task runs (a task may start another); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True
