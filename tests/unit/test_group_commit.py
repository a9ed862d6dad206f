"""Group commit: requests that arrive together are stored together, each gets its own answer."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.exc import SQLAlchemyError

from bot.store.group_commit import GroupCommit, OperationalTimeout


class Store:
    """A batch function that records its batches; the first one waits until released."""

    def __init__(self, hold_first: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()
        self.lock = threading.Lock()

    def __call__(self, requests: Sequence[int]) -> list[int | BaseException]:
        with self.lock:
            self.batches.append(list(requests))
        self.entered.set()
        self.release.wait(5)
        return [ValueError(f"odd {r}") if r % 2 else r * 10 for r in requests]


def _wait_queued(group: GroupCommit, n: int) -> None:
    for _ in range(500):
        with group._lock:
            if len(group._queue) >= n:
                return
        threading.Event().wait(0.01)
    raise AssertionError(f"{n} requests never queued")


def test_one_request_alone_is_stored_at_once_with_its_result() -> None:
    store = Store()
    group = GroupCommit(store)
    assert group.submit(4) == 40
    assert store.batches == [[4]]


def test_requests_arriving_while_one_is_stored_go_together_in_the_next_batch() -> None:
    store = Store(hold_first=True)
    group = GroupCommit(store)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(group.submit, 0)
        assert store.entered.wait(5)
        rest = [pool.submit(group.submit, r) for r in (2, 4, 6, 8, 10, 12)]
        _wait_queued(group, 6)
        store.release.set()
        assert first.result(5) == 0
        assert sorted(f.result(5) for f in rest) == [20, 40, 60, 80, 100, 120]
    assert store.batches[0] == [0]
    assert sorted(store.batches[1]) == [2, 4, 6, 8, 10, 12]  # one transaction for all six
    assert len(store.batches) == 2


def test_a_request_refused_alone_does_not_fail_the_others_of_its_batch() -> None:
    store = Store(hold_first=True)
    group = GroupCommit(store)
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(group.submit, 2)
        assert store.entered.wait(5)
        odd, even = pool.submit(group.submit, 3), pool.submit(group.submit, 4)
        _wait_queued(group, 2)
        store.release.set()
        assert first.result(5) == 20 and even.result(5) == 40
        with pytest.raises(ValueError, match="odd 3"):
            odd.result(5)


def test_a_failed_batch_fails_each_of_its_requests_and_the_next_batch_still_works() -> None:
    calls: list[list[int]] = []

    def store(requests: Sequence[int]) -> list[int]:
        calls.append(list(requests))
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return list(requests)

    group = GroupCommit(store)
    with pytest.raises(RuntimeError, match="database went away"):
        group.submit(1)
    assert group.submit(2) == 2


def test_a_batch_answering_the_wrong_number_of_outcomes_fails_rather_than_mixing_answers() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda requests: [])
    with pytest.raises(RuntimeError, match="0 outcomes for 1 requests"):
        group.submit(5)


def test_batches_are_bounded_and_a_leader_answers_as_soon_as_its_own_is_stored() -> None:
    store = Store(hold_first=True)
    group = GroupCommit(store, max_batch=3)
    with ThreadPoolExecutor(max_workers=12) as pool:
        first = pool.submit(group.submit, 0)
        assert store.entered.wait(5)
        rest = [pool.submit(group.submit, 2 * r) for r in range(1, 10)]
        _wait_queued(group, 9)
        store.release.set()
        assert first.result(5) == 0
        assert sorted(f.result(5) for f in rest) == [20 * r for r in range(1, 10)]
    assert [len(b) for b in store.batches] == [1, 3, 3, 3]
    stored = sorted(r for b in store.batches for r in b)
    assert stored == [2 * r for r in range(10)]  # each exactly once


def test_many_threads_each_get_their_own_answer() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda requests: [r + 1000 for r in requests])
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(group.submit, range(2000)))
    assert answers == [r + 1000 for r in range(2000)]


def test_a_request_no_batch_takes_in_time_is_refused_and_never_stored_later() -> None:
    store = Store(hold_first=True)
    group = GroupCommit(store, patience=0.2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(group.submit, 2)
        assert store.entered.wait(5)  # the database hangs in the first batch
        with pytest.raises(OperationalTimeout):
            group.submit(4)
        store.release.set()
        assert first.result(5) == 20
    assert group.submit(6) == 60
    assert [r for b in store.batches for r in b] == [2, 6]  # 4 was given up: not stored
    assert issubclass(OperationalTimeout, SQLAlchemyError)  # told "could not save"
