"""The bot the handler tests talk to: the real app against the fake Slack, on a hand-moved clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.harness import Bot, FakeClock, make_bot
from tests.support.steps import START


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def bot(db_url: str, fake, clock: FakeClock) -> Iterator[Bot]:
    b = make_bot(db_url, fake, clock=clock)
    yield b
    b.deps.executor.wait_idle(5)
    b.deps.engine.dispose()
