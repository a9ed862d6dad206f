"""Benchmark: do lists, the App Home and the sweeps stay flat as a channel grows?

    .venv/bin/python bench/growth.py [--sizes 100,10000,100000] [--reps 50]
                                     [--backends sqlite,postgres] [--write docs/benchmarks.md]

For each size N one channel of one workspace holds N of everything these requests read
(written with bulk inserts, Core executemany in chunks): N open backlog items, N open
consent rounds (with their proposals, participants and some answers), N agreements in
force with their two review reminders each, and N outbox rows (all sent but a few). A
fixed handful of rows is due whatever N is: `DUE` rounds past their deadline (their
items at the top of the backlog), `DUE` agreements whose reminders are past, `DUE`
tension announcements still to send.

Request kinds, run in this process against the demo's stand-in Slack (no internet, no
real Slack token):

- `/tension list`, `/agreements`, `app_home_opened`: signed requests dispatched to the
  bot's Bolt app in-process (`bot.runtime.web.dispatch`, what the HTTP server calls),
  timed from dispatch until the listener's part after the ack has finished (the reply
  sent to the stand-in);
- the sweeps close-rounds, review-nudges and deliver-outbox: one run of the scheduler's
  registered function (`bot.scheduler.SWEEPS`), as `s3bot tick` runs it; the rows it
  handled are made due again after each run (outside the timing).

SQL statements are counted with SQLAlchemy's `before_cursor_execute` event on the
bot's engine (an executemany once per parameter set: the ORM batches a flush of many
changed rows into one), ORM rows with the mappers' `load` event.

The seeding half of this module is shared with tests/service/test_query_growth.py,
which asserts the statement counts on small sizes.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event, insert, text  # noqa: E402

from bot.domain.review import schedule  # noqa: E402
from bot.services import payloads  # noqa: E402
from bot.store.models import (  # noqa: E402
    Agreement,
    BacklogItem,
    Base,
    Circle,
    ConsentRound,
    Outbox,
    Proposal,
    ReviewNudge,
    RoundAnswer,
    RoundParticipant,
    Workspace,
)

TEAM = "T0001"  # the fakes' team
CHANNEL = "C0CIRCLE"
ALICE, BRAM, CHEN = "U0ALICE", "U0BRAM", "U0CHEN"
PEOPLE = (ALICE, BRAM, CHEN)
DUE = 3  # rows due in each sweep, whatever the size
CHUNK = 5_000
BEFORE_DAYS = 7


# ------------------------------------------------------------------ data


@dataclass(frozen=True)
class Seeded:
    """What was loaded, and which rows the sweeps find due."""

    size: int
    now: dt.datetime
    due_rounds: list[int]
    due_agreements: list[int]
    due_outbox: list[int]
    announced_later: list[int]  # the items whose announcement is still to send
    seconds: float


def _items(n: int, now: dt.datetime, pending: set[int]) -> list[dict[str, Any]]:
    made = now - dt.timedelta(days=200)
    return [
        {
            "id": i,
            "team_id": TEAM,
            "channel_id": CHANNEL,
            "circle_id": 1,
            "number": i,
            "author_id": PEOPLE[i % 3],
            "text": f"Tension {i}: handovers between shifts get lost",
            "status": "in_progress" if i <= DUE else "new",
            "rank": i,
            "message_ts": None if i in pending else f"1700000000.{i:06d}",
            "created_at": made + dt.timedelta(minutes=i),
            "updated_at": made + dt.timedelta(minutes=i),
        }
        for i in range(1, n + 1)
    ]


def _rounds(n: int, now: dt.datetime) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """Proposals, rounds, participants and answers: the first DUE rounds are past their deadline
    (everyone consented), the others open for a week, Bram's consent in, Alice's awaited."""
    made = now - dt.timedelta(days=2)
    proposals, rounds, participants, answers = [], [], [], []
    for i in range(1, n + 1):
        due = i <= DUE
        proposals.append(
            {
                "id": i,
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "number": i,
                "author_id": CHEN,
                "item_id": i,
                "status": "open",
                "created_at": made,
            }  # fmt: skip
        )
        deadline = now - dt.timedelta(hours=1) if due else now + dt.timedelta(days=7, minutes=i)
        rounds.append(
            {
                "id": i, "team_id": TEAM, "channel_id": CHANNEL, "proposal_id": i, "version": 1,
                "author_id": CHEN, "title": f"Proposal {i}: a handover note per shift",
                "text": f"Proposal {i}: whoever ends a shift writes a short handover note.",
                "driver": None, "item_id": i, "responsibilities": None, "evaluation": None,
                "review_date": (now + dt.timedelta(days=90)).date(), "deadline": deadline,
                "nudge_at": deadline - dt.timedelta(hours=12), "nudged": due, "hidden": True,
                "quorum": None, "responsible_ids": json.dumps([CHEN]),
                "evolves_agreement_id": None, "status": "open", "outcome": None,
                "close_requested_by": None, "withdraw_requested": False, "closed_at": None,
                "message_ts": f"1700000001.{i:06d}", "seq": 0, "rendered_seq": 0,
                "rendered_at": made, "render_lease_until": None, "created_at": made,
            }
        )  # fmt: skip
        asked = PEOPLE if due else (ALICE, BRAM)
        for user in asked:
            participants.append({"round_id": i, "user_id": user, "team_id": TEAM})
        for user in asked if due else (BRAM,):
            answers.append(
                {"round_id": i, "user_id": user, "team_id": TEAM, "position": "consent",
                 "reason": None, "source": "button", "reaction": None, "answered_at": made}
            )  # fmt: skip
    return proposals, rounds, participants, answers


def _agreements(n: int, now: dt.datetime) -> tuple[list[dict], list[dict]]:
    """Agreements in force and their reminders; the first DUE have both reminders past."""
    made = now - dt.timedelta(days=400)
    agreements, nudges = [], []
    for i in range(1, n + 1):
        if i <= DUE:
            review = now.date() - dt.timedelta(days=1)
        else:
            review = now.date() + dt.timedelta(days=10 + i % 30)  # reminders ahead
        person = PEOPLE[i % 3]
        agreements.append(
            {
                "id": i, "team_id": TEAM, "channel_id": CHANNEL, "number": i,
                "title": f"Agreement {i}: release notes a day early",
                "text": f"Agreement {i}: the release lead publishes the notes a day ahead.",
                "driver": None, "responsibilities": None, "evaluation": None, "concerns": "[]",
                "answers": None, "review_date": review, "status": "active", "author_id": CHEN,
                "responsible_ids": json.dumps([person]), "version": 1, "updated_at": made,
                "proposal_id": None, "round_id": None, "round_link": None, "created_at": made,
            }
        )  # fmt: skip
        for stage, due_date in schedule(review, BEFORE_DAYS):
            nudges.append(
                {"team_id": TEAM, "agreement_id": i, "recipient_id": person,
                 "stage": stage.value, "review_date": review, "due_date": due_date,
                 "attempts": 0, "lease_until": None, "sent_at": None, "outcome": None,
                 "last_error": None, "created_at": made}
            )  # fmt: skip
    return agreements, nudges


def _outbox(n: int, now: dt.datetime, pending: set[int]) -> list[dict[str, Any]]:
    made = now - dt.timedelta(days=1)
    return [
        {
            "id": i,
            "team_id": TEAM,
            "key": f"tension:{i}",
            "kind": "channel",
            "target": CHANNEL,
            "payload": json.dumps(
                payloads.dump(payloads.TensionAnnouncement(item_id=i, open_count=i))
            ),
            "attempts": 0 if i in pending else 1,
            "not_before": made,
            "lease_until": None,
            "sent_at": None if i in pending else made,
            "last_error": None,
            "created_at": made,
        }
        for i in range(1, n + 1)
    ]


SEQUENCED = ("circles", "backlog_items", "proposals", "consent_rounds", "agreements",
             "review_nudges", "outbox")  # fmt: skip


def seed(engine: Engine, n: int, now: dt.datetime) -> Seeded:
    """Fill a migrated, empty database with one channel holding N of everything."""
    if n <= DUE:
        raise ValueError(f"size must be more than {DUE}")
    t0 = time.perf_counter()
    pending = set(range(n - DUE + 1, n + 1))
    proposals, rounds, participants, answers = _rounds(n, now)
    agreements, nudges = _agreements(n, now)
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (Workspace, [{"team_id": TEAM, "locale": None, "created_at": now}]),
        (
            Circle,
            [
                {
                    "id": 1,
                    "team_id": TEAM,
                    "channel_id": CHANNEL,
                    "next_number": n + 1,
                    "next_proposal_number": n + 1,
                    "next_agreement_number": n + 1,
                    "created_at": now,
                }
            ],
        ),  # fmt: skip
        (BacklogItem, _items(n, now, pending)),
        (Proposal, proposals),
        (ConsentRound, rounds),
        (RoundParticipant, participants),
        (RoundAnswer, answers),
        (Agreement, agreements),
        (ReviewNudge, nudges),
        (Outbox, _outbox(n, now, pending)),
    ]
    with engine.begin() as conn:
        for model, rows in tables:
            for start in range(0, len(rows), CHUNK):
                conn.execute(insert(model.__table__), rows[start : start + CHUNK])
        if conn.dialect.name == "postgresql":
            for table in SEQUENCED:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    return Seeded(
        size=n,
        now=now,
        due_rounds=list(range(1, DUE + 1)),
        due_agreements=list(range(1, DUE + 1)),
        due_outbox=sorted(pending),
        announced_later=sorted(pending),
        seconds=time.perf_counter() - t0,
    )


# ------------------------------------------------------------------ counting


@dataclass
class Counter:
    """SQL statements and ORM rows seen while counting is on (any thread)."""

    statements: int = 0
    orm_rows: int = 0
    sql_seconds: float = 0.0
    on: bool = False
    log: list[str] = field(default_factory=list)
    keep_log: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def counting(engine: Engine, counter: Counter) -> Iterator[Counter]:
    """Count statements on `engine` and ORM rows loaded (every mapper) while inside."""

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if counter.on:
            conn.info.setdefault("growth_t0", []).append(time.perf_counter())
            with counter._lock:  # an executemany counts once per parameter set (a row each)
                counter.statements += len(parameters) if executemany else 1
                if counter.keep_log:
                    counter.log.append(" ".join(statement.split())[:160])

    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        started = conn.info.get("growth_t0")
        if started:
            with counter._lock:
                counter.sql_seconds += time.perf_counter() - started.pop()

    def loaded(target, context):  # type: ignore[no-untyped-def]
        if counter.on:
            with counter._lock:
                counter.orm_rows += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(Base, "load", loaded, propagate=True)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        event.remove(Base, "load", loaded)


# ------------------------------------------------------------------ the requests


REQUESTS = ("/tension list", "/agreements", "App Home", "close-rounds", "review-nudges",
            "deliver-outbox")  # fmt: skip
SWEEP_KINDS = REQUESTS[3:]


def run_request(kind: str, deps: Any, driver: Any) -> int:
    """Make one request of this kind and wait until everything it started has finished.

    `driver` delivers signed requests to the bot's app in-process (the demo's or the tests'
    SlackDriver); the sweeps are the scheduler's own functions. Returns the HTTP status of a
    request, or what a sweep says it handled.
    """
    from bot.runtime.pacing import patient
    from bot.scheduler import SWEEPS

    if kind == "/tension list":
        status = driver.command("/tension", "list", user_id=ALICE, channel_id=CHANNEL).status
    elif kind == "/agreements":
        status = driver.command("/agreements", "", user_id=ALICE, channel_id=CHANNEL).status
    elif kind == "App Home":
        status = driver.event(
            {"type": "app_home_opened", "user": ALICE, "channel": "D0ALICE", "tab": "home"}
        ).status
    else:
        (sweep,) = [s for s in SWEEPS if s.name == kind]
        with patient():  # as the scheduler runs it (bot.scheduler._patiently)
            status = sweep.run(deps)
    if not deps.executor.wait_idle(30):
        raise RuntimeError(f"{kind}: listeners did not finish")
    return status


@dataclass(frozen=True)
class Measured:
    """One request: its wall time, SQL statements and ORM rows, and what it returned."""

    seconds: float
    statements: int
    orm_rows: int
    result: int
    sql_seconds: float


def measure(kind: str, deps: Any, driver: Any, counter: Counter) -> Measured:
    """Run one request with counting on."""
    counter.statements = counter.orm_rows = 0
    counter.sql_seconds = 0.0
    counter.log.clear()
    counter.on = True
    t0 = time.perf_counter()
    try:
        result = run_request(kind, deps, driver)
    finally:
        counter.on = False
    seconds = time.perf_counter() - t0
    if kind not in SWEEP_KINDS and result != 200:
        raise RuntimeError(f"{kind}: HTTP {result}")
    return Measured(seconds, counter.statements, counter.orm_rows, result, counter.sql_seconds)
