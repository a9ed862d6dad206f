"""SQLite under a burst: the engine's threads take turns, first come first served, so none of
them waits longer than the bot may wait (and tells the person "could not save")."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.store.db import Turns, make_engine


def test_turns_hand_over_in_the_order_they_were_asked_for() -> None:
    turns = Turns()
    assert turns.acquire(1.0)
    order: list[str] = []

    def wait_for_turn(name: str) -> None:
        assert turns.acquire(5.0)
        order.append(name)
        turns.release()

    waiters = []
    for name in ("first", "second", "third"):
        waiter = threading.Thread(target=wait_for_turn, args=(name,))
        waiter.start()
        waiters.append(waiter)
        time.sleep(0.05)  # each queues after the one before
    turns.release()
    for waiter in waiters:
        waiter.join(5)
    assert order == ["first", "second", "third"]


def test_a_waiter_gives_up_in_time_and_the_queue_goes_on_without_it() -> None:
    turns = Turns()
    assert turns.acquire(1.0)
    started = time.monotonic()
    assert not turns.acquire(0.1)  # held: gives up after its timeout, not later
    assert time.monotonic() - started < 1.0
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(turns.acquire(5.0)))
    waiter.start()
    time.sleep(0.05)
    turns.release()
    waiter.join(5)
    assert got == [True]


def test_a_burst_of_writers_on_one_engine_all_get_in_within_the_wait(tmp_path: Path) -> None:
    # The bot's engine waits at most 1 s for the database here; 16 threads each commit 20
    # short transactions back to back. SQLite's own wait (polling with sleeps of up to 100 ms)
    # let threads that kept arriving win over one that waited; taking turns, every one gets in.
    engine = make_engine(f"sqlite:///{tmp_path / 'burst.db'}", wait_seconds=1.0)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE rows (thread INTEGER, n INTEGER)"))
    failures: list[BaseException] = []

    def writer(k: int) -> None:
        for n in range(20):
            try:
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO rows VALUES (:k, :n)"), {"k": k, "n": n})
                    time.sleep(0.002)  # the rest of a request's transaction
            except OperationalError as exc:
                failures.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM rows")).scalar_one()
    engine.dispose()
    assert failures == []
    assert stored == 16 * 20
