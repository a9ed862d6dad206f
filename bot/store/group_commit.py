"""Group commit: requests that arrive together are stored in one transaction.

Under a burst, every request thread that stores its own small transaction pays for its own
BEGIN, statements and COMMIT, and on one backlog they queue behind each other's locks while
each waits its turn for the interpreter. Here the first thread to arrive becomes the leader:
it takes every request queued so far (up to `max_batch`), stores them with one call of the
batch function in one transaction, hands each waiting thread its own result, and once its own
request is stored hands the lead to the first still queued. No thread of our own runs: nothing to start, stop or lose; a request
is answered only after the commit that holds it.

The batch function returns one outcome per request, in order: a result, or an exception
for that request alone (a replay, say). An exception it raises fails every request of the
batch (the transaction rolled back: nothing of the batch is stored).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 64  # requests per transaction: bounds a transaction's locks and its time
PATIENCE = 2.0  # seconds a request waits to be taken into a batch (Slack wants the ack in 3)


class OperationalTimeout(SQLAlchemyTimeout):
    """A request waited too long for the batches before it: nothing of it was stored."""


class _Slot(Generic[T, R]):
    """One request waiting: for its outcome, or for its turn to lead."""

    __slots__ = ("request", "wake", "finished", "leads", "result", "error")

    def __init__(self, request: T) -> None:
        self.request = request
        self.wake = threading.Event()
        self.finished = False
        self.leads = False
        self.result: R | None = None
        self.error: BaseException | None = None

    def finish(self, result: R | None, error: BaseException | None) -> None:
        self.result, self.error, self.finished = result, error, True
        self.wake.set()


class GroupCommit(Generic[T, R]):
    """Store requests that arrive together with one call of `store_batch`."""

    def __init__(
        self,
        store_batch: Callable[[Sequence[T]], Sequence[R | BaseException]],
        max_batch: int = MAX_BATCH,
        patience: float = PATIENCE,
    ) -> None:
        self._store_batch = store_batch
        self._max_batch = max_batch
        self._patience = patience
        self._lock = threading.Lock()
        self._queue: list[_Slot[T, R]] = []
        self._leading = False

    def submit(self, request: T) -> R:
        """Store `request` (with whatever else is queued now); its result, or its error."""
        slot: _Slot[T, R] = _Slot(request)
        with self._lock:
            self._queue.append(slot)
            if not self._leading:
                self._leading = slot.leads = True
        if not slot.leads:
            if not slot.wake.wait(self._patience):
                self._give_up_unless_taken(slot)
            slot.wake.wait()  # until a leader stored it, or handed this slot the lead
        if slot.leads:
            self._lead(slot)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def _give_up_unless_taken(self, slot: _Slot[T, R]) -> None:
        """A request no leader took in time (the database is in trouble: the batch before
        hangs) leaves the queue unstored, so the person hears "could not save" before Slack's
        3 seconds are up; one taken already waits for its batch (bounded by the database's
        own timeouts)."""
        with self._lock:
            if slot.leads or slot.finished or slot not in self._queue:
                return
            self._queue.remove(slot)
        raise OperationalTimeout(
            "the request was not stored: the requests before it did not finish in time"
        )

    def _lead(self, slot: _Slot[T, R]) -> None:
        """Store batches until this slot's is stored, then hand the lead to the first still
        queued (so a leader's own answer never waits for a burst to end)."""
        try:
            while not slot.finished:
                with self._lock:
                    batch = self._queue[: self._max_batch]
                    del self._queue[: self._max_batch]
                self._run(batch)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].leads = True
                    self._queue[0].wake.set()
                else:
                    self._leading = False

    def _run(self, batch: list[_Slot[T, R]]) -> None:
        try:
            outcomes = list(self._store_batch([s.request for s in batch]))
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(batch)} requests")
        except Exception as exc:  # noqa: BLE001 - the batch rolled back: each request fails
            outcomes = [exc] * len(batch)
        except BaseException:  # interrupted (the worker stops): fail them, then stop too
            for s in batch:
                s.finish(None, RuntimeError("interrupted before the request was stored"))
            raise
        for s, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                s.finish(None, outcome)
            else:
                s.finish(outcome, None)
