"""The SQL a request makes does not grow with the rows of its channel (no N+1, no unbounded reads).

One channel is filled with N of everything (bench/growth.py `seed`: backlog items, open
rounds, agreements with their reminders, outbox rows), with a fixed few of them due. Each
request kind runs once on a fresh bot, through the real app and the Slack fake, with N=100
and with N=1,000: the statements (SQLAlchemy `before_cursor_execute`, an executemany once
per row it writes) and the ORM rows loaded must be the same for both sizes. A query per
row, or a list that loads every row rather than one page, makes the larger size count more.
N=100 already fills every page these requests show (the largest holds 40), so a bounded
request counts exactly the same at both sizes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from bench.growth import DUE, REQUESTS, SWEEP_KINDS, Counter, counting, measure, seed
from bot.store import models
from bot.store.models import Base
from tests.support.harness import FakeClock, make_bot

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # a Wednesday
SIZES = (100, 1_000)
# What each sweep reports having done: DUE rounds closed, DUE reminders sent, and the
# outbox's DUE announcements plus, for each closed round, its two results (channel, author)
# and the author's control message brought up to date (its buttons gone).
HANDLED = {"close-rounds": DUE, "review-nudges": DUE, "deliver-outbox": DUE + 3 * DUE}


def _wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def _counts(db_url: str, fake, size: int) -> dict[str, tuple[int, int]]:
    """Statements and ORM rows of each request kind, on a fresh bot over `size` rows."""
    bot = make_bot(db_url, fake, clock=FakeClock(NOW))
    try:
        _wipe(bot.deps.engine)
        seed(bot.deps.engine, size, NOW)
        out: dict[str, tuple[int, int]] = {}
        with counting(bot.deps.engine, Counter()) as counter:
            for kind in REQUESTS:
                got = measure(kind, bot.deps, bot.driver, counter)
                if kind in SWEEP_KINDS:
                    assert got.result == HANDLED[kind], kind
                out[kind] = (got.statements, got.orm_rows)
        with bot.deps.sessions() as s:
            open_rounds = select(func.count()).select_from(models.ConsentRound)
            assert s.scalar(open_rounds.where(models.ConsentRound.status == "open")) == size - DUE
        return out
    finally:
        bot.deps.executor.wait_idle(5)
        bot.deps.engine.dispose()
        fake.reset()


def test_requests_and_sweeps_make_as_many_queries_for_1000_rows_as_for_100(db_url, fake) -> None:
    small, large = (_counts(db_url, fake, n) for n in SIZES)
    grown = {k: (small[k], large[k]) for k in REQUESTS if small[k] != large[k]}
    assert grown == {}, f"(statements, ORM rows) at {SIZES[0]} vs {SIZES[1]} rows: {grown}"


def test_what_each_request_shows_is_one_page(db_url, fake) -> None:
    """The lists still say how many there are, and offer the next page."""
    bot = make_bot(db_url, fake, clock=FakeClock(NOW))
    try:
        _wipe(bot.deps.engine)
        seed(bot.deps.engine, 1_000, NOW)
        bot.command("list")
        bot.command("", command="/agreements")
        bot.event({"type": "app_home_opened", "user": "U0ALICE", "channel": "D0A", "tab": "home"})
        backlog_reply, agreements_reply = bot.responses_for("U0ALICE")[-2:]
        assert "1000" in backlog_reply["text"]
        assert "1000 in force" in agreements_reply["text"]
        assert "more" in str(agreements_reply["blocks"])
        home = str(bot.fake.home_views["U0ALICE"]["blocks"])
        assert "Agreements you review soon" in home
    finally:
        bot.deps.executor.wait_idle(5)
        bot.deps.engine.dispose()


pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
