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
  handled are made due again after each run (outside the timing). Their turns within
  Slack's rate tiers (one post a second per channel) are counted, not waited for: what is
  measured is the bot's work.

SQL statements are counted with SQLAlchemy's `before_cursor_execute` event on the
bot's engine (an executemany once per parameter set: the ORM batches a flush of many
changed rows into one), ORM rows with the mappers' `load` event.

The seeding half of this module is shared with tests/service/test_query_growth.py,
which asserts the statement counts on small sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shlex
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, bindparam, create_engine, event, insert, text  # noqa: E402

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


# ------------------------------------------------------------------ undoing a sweep


def undo(kind: str, engine: Engine, seeded: Seeded) -> None:
    """Make the rows a sweep handled due again (and delete what it added), outside the timing."""
    with engine.begin() as conn:
        if kind == "close-rounds":
            conn.execute(text("DELETE FROM outbox WHERE key LIKE 'round-result%'"))
            conn.execute(text("DELETE FROM agreements WHERE round_id IS NOT NULL"))
            conn.execute(text("DELETE FROM item_events"))
            conn.execute(
                text(
                    "UPDATE consent_rounds SET status = 'open', outcome = NULL, closed_at = NULL "
                    "WHERE id <= :due"
                ),
                {"due": DUE},
            )
            conn.execute(
                text("UPDATE proposals SET status = 'open' WHERE id <= :due"), {"due": DUE}
            )
            # The closed rounds' items were at the top; their ranks were left free.
            conn.execute(
                text("UPDATE backlog_items SET status = 'in_progress', rank = id WHERE id <= :due"),
                {"due": DUE},
            )
        elif kind == "review-nudges":
            conn.execute(text("DELETE FROM review_nudges WHERE stage = 'overdue'"))
            conn.execute(
                text(
                    "UPDATE review_nudges SET sent_at = NULL, outcome = NULL, lease_until = NULL, "
                    "attempts = 0, last_error = NULL WHERE sent_at IS NOT NULL"
                )
            )
            conn.execute(text("DELETE FROM agreement_events"))
        elif kind == "deliver-outbox":
            ids = {"ids": seeded.due_outbox}
            conn.execute(
                text(
                    "UPDATE outbox SET sent_at = NULL, lease_until = NULL, attempts = 0, "
                    "last_error = NULL WHERE id IN :ids"
                ).bindparams(bindparam("ids", expanding=True)),
                ids,
            )
            conn.execute(
                text("UPDATE backlog_items SET message_ts = NULL WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                ids,
            )


# ------------------------------------------------------------------ the run

SECTION = "## Growth: lists, App Home and sweeps at 100 to 100,000 rows (issue: growth)"
DOC_TITLE = "# Benchmarks"
DOC_INTRO = (
    "Performance measurements of the bot, each produced by a script under `bench/`. "
    "Figures are only as good as the machine they ran on: compare targets within one run "
    "rather than across runs.\n"
)
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)  # a Wednesday, 13:00 in Amsterdam
PG_ADMIN_URL = os.environ.get(
    "S3BOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "bench-growth-" + secrets.token_hex(8)
P99_TARGET_MS = 100.0
TARGET_SIZE = 10_000  # p99 is judged here
MAX_SIZE = 200_000  # bounds on every loop
MAX_REPS = 200


@dataclass
class Samples:
    """The measured runs of one request kind on one database."""

    seconds: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    orm_rows: list[int] = field(default_factory=list)
    sql_seconds: list[float] = field(default_factory=list)
    stopped_early: bool = False

    def add(self, m: Measured) -> None:
        self.seconds.append(m.seconds)
        self.statements.append(m.statements)
        self.orm_rows.append(m.orm_rows)
        self.sql_seconds.append(m.sql_seconds)


@dataclass
class Target:
    """One database (backend and size) and its figures per request kind."""

    backend: str
    size: int
    load_seconds: float
    kinds: dict[str, Samples] = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def make_pg_db() -> tuple[str, Callable[[], None]]:
    """A throwaway PostgreSQL database: its URL and a function dropping it."""
    name = f"s3bot_bench_growth_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


def analyze(engine: Engine) -> None:
    """ANALYZE, as PostgreSQL's autovacuum does soon after a bulk load."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


PACING_SKIPPED: list[float] = []  # waits for Slack's rate tiers the sweeps did not sleep


def run_target(backend: str, size: int, url: str, fake: Any, args: argparse.Namespace) -> Target:
    """Load, warm up, and measure every request kind on one database."""
    from bot.app import build_app
    from bot.config import Settings
    from bot.demo.driver import SlackDriver
    from bot.deps import build_deps
    from bot.runtime.pacing import Pacer
    from bot.store.db import make_engine, normalise_url
    from bot.store.migrate import upgrade

    engine = make_engine(normalise_url(url))
    upgrade(engine)
    seeded = seed(engine, size, NOW)
    if backend == "postgres":
        analyze(engine)
    print(f"loaded {backend} {size:,} in {seeded.seconds:.1f} s", file=sys.stderr)
    settings = Settings(
        slack_bot_token="xoxb-bench-growth",  # the stand-in's, never Slack's
        slack_signing_secret=SECRET,
        database_url=url,
        slack_api_url=fake.url,
        log_level="WARNING",
    )
    deps = build_deps(settings, engine=engine, clock=lambda: NOW)
    # The sweeps take their turn within Slack's rate tiers (one post a second per channel):
    # measured is the bot's work, so the turns are counted but not waited for.
    deps.client.pacer = Pacer(sleep=lambda seconds: PACING_SKIPPED.append(seconds))
    driver = SlackDriver(
        SECRET, app=build_app(deps), team_id=TEAM, response_url_base=fake.hooks_url
    )
    target = Target(backend, size, seeded.seconds)
    counter = Counter()
    try:
        with counting(engine, counter):
            for kind in REQUESTS:
                samples = target.kinds[kind] = Samples()
                _check(kind, measure(kind, deps, driver, counter))  # warm-up, not counted
                undo(kind, engine, seeded)
                started = time.monotonic()
                for _ in range(args.reps):
                    if time.monotonic() - started > args.budget:
                        samples.stopped_early = True
                        break
                    got = measure(kind, deps, driver, counter)
                    _check(kind, got)
                    samples.add(got)
                    undo(kind, engine, seeded)
                    fake.reset()
    finally:
        deps.executor.wait_idle(10)
        engine.dispose()
    return target


def _check(kind: str, got: Measured) -> None:
    if kind in SWEEP_KINDS and got.result != DUE:
        raise RuntimeError(f"{kind} handled {got.result} rows, expected {DUE}")


# ------------------------------------------------------------------ report


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{low}" if low == high else f"{low}–{high}"


def verdicts(targets: list[Target]) -> list[tuple[str, str, bool, bool, str]]:
    """(backend, kind, queries constant, p99 at TARGET_SIZE ok, explanation) per kind."""
    out = []
    for backend in dict.fromkeys(t.backend for t in targets):
        mine = sorted((t for t in targets if t.backend == backend), key=lambda t: t.size)
        for kind in REQUESTS:
            counts = {t.size: statistics.median(t.kinds[kind].statements) for t in mine}
            rows = {t.size: statistics.median(t.kinds[kind].orm_rows) for t in mine}
            flat = len(set(counts.values())) == 1
            at = [t for t in mine if t.size == TARGET_SIZE]
            p99 = percentile(at[0].kinds[kind].seconds, 99) * 1000 if at else float("nan")
            fast = bool(at) and p99 < P99_TARGET_MS
            why = (
                f"statements {' / '.join(f'{c:g}' for c in counts.values())}, ORM rows "
                f"{' / '.join(f'{r:g}' for r in rows.values())} "
                f"(constant: {'PASS' if flat else 'FAIL'}); p99 at {TARGET_SIZE:,} "
                f"{p99:.1f} ms (< {P99_TARGET_MS:.0f} ms: {'PASS' if fast else 'FAIL'})"
            )
            out.append((backend, kind, flat, fast, why))
    return out


def section(
    targets: list[Target], args: argparse.Namespace, command: str, notes: list[str]
) -> tuple[str, bool]:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()
    lines = [
        SECTION,
        "",
        f"Command: `{command}`  ",
        f"Date: {now}  ",
        f"Machine: {os.cpu_count()} cores ({platform.machine()}), {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; the bot, the Slack "
        f"stand-in and PostgreSQL share it, and other work was running (load average at the "
        f"end {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}).",
        "",
        "One channel of one workspace holds N of everything these requests read, bulk-inserted "
        "(Core executemany in chunks of 5,000): N open backlog items, N open consent rounds "
        "(proposals, 2 participants and 1 answer each), N agreements in force (2 review "
        "reminders each) and N outbox rows, all sent but the few due. Whatever N is, "
        f"{DUE} rounds are past their deadline (everyone consented; their items at the top of "
        f"the backlog, so closing them moves every other item up), {DUE} agreements have both "
        f"reminders past, {DUE} tension announcements wait in the outbox. PostgreSQL is "
        "ANALYZEd after the load (as autovacuum would), SQLite left as loaded.",
        "",
        "`/tension list`, `/agreements` and the App Home (`app_home_opened`) are signed "
        "requests dispatched to the bot's Bolt app **in-process** "
        "(`bot.runtime.web.dispatch`, what the HTTP server calls: signature check, "
        "middlewares, ack, the listener's lazy part in the bot's executor), timed from dispatch "
        "until that lazy part has finished (the reply sent to the stand-in Slack, also in this "
        "process). Each sweep is one run of the function the scheduler registers "
        "(`bot.scheduler.SWEEPS`, paced as the scheduler paces it), its Slack calls included; "
        "what it handled is made due again after each run, outside the timing. **Statements** "
        "= SQLAlchemy `before_cursor_execute` events on the bot's engine (an executemany once "
        "per parameter set, BEGIN included), **ORM rows** = rows the ORM loaded "
        "(mapper `load` events); both are medians over the runs (min–max when they varied). "
        f"One warm-up run per kind and database, then up to {args.reps} runs "
        f"(fewer when a kind's runs took longer than {args.budget:.0f} s in all).",
        "",
        "| database | rows N | request | statements | ORM rows | SQL (ms) | p50 (ms) "
        "| p99 (ms) | runs | load (s) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in targets:
        for kind in REQUESTS:
            s = t.kinds[kind]
            lines.append(
                f"| {t.backend} | {t.size:,} | {kind} | {_span(s.statements)} "
                f"| {_span(s.orm_rows)} | {fmt_ms(statistics.median(s.sql_seconds))} "
                f"| {fmt_ms(statistics.median(s.seconds))} | {fmt_ms(percentile(s.seconds, 99))} "
                f"| {len(s.seconds)}{'*' if s.stopped_early else ''} | {t.load_seconds:.1f} |"
            )
    judged = verdicts(targets)
    ok = all(flat and fast for _, _, flat, fast, _ in judged)
    lines += [
        "",
        f"Targets: statements per request the same at every size; p99 < "
        f"{P99_TARGET_MS:.0f} ms at {TARGET_SIZE:,} rows.",
        "",
    ]
    for backend, kind, flat, fast, why in judged:
        lines.append(f"- **{backend} {kind}: {'PASS' if flat and fast else 'FAIL'}** — {why}")
    lines += ["", f"**Overall: {'PASS' if ok else 'FAIL'}**", ""]
    if notes:
        lines += ["Notes:", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(lines), ok


def write_section(path: Path, content: str) -> None:
    """Replace (or append) this benchmark's section, leaving the others as they are."""
    doc = path.read_text(encoding="utf-8") if path.exists() else f"{DOC_TITLE}\n\n{DOC_INTRO}\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}[ \t]*\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(doc):
        doc = pattern.sub(lambda _m: content.rstrip("\n") + "\n\n", doc, count=1)
    else:
        doc = doc.rstrip("\n") + "\n\n" + content
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")


# ------------------------------------------------------------------ main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="100,10000,100000", help="rows N per database")
    p.add_argument("--reps", type=int, default=50, help="measured runs per request kind")
    p.add_argument("--budget", type=float, default=12.0, help="seconds of runs per kind at most")
    p.add_argument("--backends", default="sqlite,postgres")
    p.add_argument("--write", type=Path, help="replace the section in this Markdown file")
    args = p.parse_args(argv)
    try:
        args.sizes = sorted(int(s) for s in args.sizes.split(","))
    except ValueError:
        p.error("--sizes must be integers")
    if not args.sizes or not all(DUE < s <= MAX_SIZE for s in args.sizes):
        p.error(f"--sizes must be in {DUE + 1}..{MAX_SIZE}")
    if not 1 <= args.reps <= MAX_REPS:
        p.error(f"--reps must be in 1..{MAX_REPS}")
    args.backends = [b for b in args.backends.split(",") if b]
    if not args.backends or set(args.backends) - {"sqlite", "postgres"}:
        p.error("--backends is a subset of sqlite,postgres")
    return args


def main(argv: list[str] | None = None) -> int:
    import logging

    from bot.demo.standin import StandinSlack

    args = parse_args(argv)
    started = time.monotonic()
    command = shlex.join([".venv/bin/python", *sys.argv]) if argv is None else "(in-process)"
    logging.basicConfig(level=logging.WARNING)
    fake = StandinSlack().start()
    # The stand-in limits posts per channel as Slack does; here the sweeps' turns are counted
    # (PACING_SKIPPED), not waited for, so it must not make them wait out a 429 either.
    fake.tiers.retry_after = lambda token, method, args: None  # type: ignore[method-assign]
    for user, name, locale in ((ALICE, "alice", "en-US"), (BRAM, "bram", "nl-NL"),
                               (CHEN, "chen", "en-GB")):  # fmt: skip
        fake.add_user(user, name, real_name=name.title(), locale=locale)
    fake.add_channel(CHANNEL, "ops-circle", PEOPLE)
    targets: list[Target] = []
    try:
        with tempfile.TemporaryDirectory(prefix="s3bot-bench-growth-") as tmp:
            for backend in args.backends:
                for size in args.sizes:
                    drop: Callable[[], None] | None = None
                    if backend == "sqlite":
                        url = f"sqlite:///{Path(tmp) / f'growth-{size}.db'}"
                    else:
                        url, drop = make_pg_db()
                    try:
                        targets.append(run_target(backend, size, url, fake, args))
                    finally:
                        if drop is not None:
                            drop()
                    print(f"measured {backend} {size:,}", file=sys.stderr)
    finally:
        fake.stop()
    fake.assert_clean()
    notes = [
        f"whole run {time.monotonic() - started:.0f} s (loads included)",
        f"turns within Slack's rate tiers the sweeps would have waited for (counted, not "
        f"waited for): {len(PACING_SKIPPED)}",
    ]
    notes.append(
        "close-rounds: each closed round's item leaves the top of the backlog and leaves its "
        "rank free (ranks order the items and may have gaps; the place shown is the position "
        "in rank order), so closing a round writes the same rows whatever N is"
    )
    if any(s.stopped_early for t in targets for s in t.kinds.values()):
        notes.append("* fewer runs: that kind's runs reached the time budget")
    content, ok = section(targets, args, command, notes)
    print(content)
    if args.write:
        write_section(args.write, content)
        print(f"wrote {SECTION!r} to {args.write}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
