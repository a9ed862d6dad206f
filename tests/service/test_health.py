"""The health check answers in time, also when the database hangs."""

from __future__ import annotations

import threading
import time

from bot.store.db import make_engine, ping


class HangingEngine:
    """An engine whose connections never come (a database that hangs)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.connects = 0

    def connect(self):  # type: ignore[no-untyped-def]
        self.connects += 1
        self.release.wait(30)
        raise OSError("gone")


def test_a_hanging_database_is_reported_unhealthy_within_two_seconds() -> None:
    engine = HangingEngine()
    try:
        for _ in range(3):
            started = time.monotonic()
            assert ping(engine) is False  # type: ignore[arg-type]
            assert time.monotonic() - started < 2.0
        assert engine.connects == 1  # checks wait on the one hanging, not pile up
    finally:
        engine.release.set()


def test_a_database_that_answers_is_healthy(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'h.db'}")
    try:
        assert ping(engine) is True
    finally:
        engine.dispose()
