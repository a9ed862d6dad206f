"""Benchmark: one review-reminder sweep over 1,000 and over 100,000 agreements, 100 due.

    .venv/bin/python bench/review_sweep.py [--due 100] [--sizes 1000,100000] [--reps 7]
        [--write docs/benchmarks.md]

Four databases are built side by side: SQLite (a file in a temporary directory) and a
throwaway PostgreSQL database, each once with 1,000 and once with 100,000 agreements.
Every agreement has its two pending review reminders (a week before and on the review
date, one recipient each); for `--due` of them both reminders are past (the sweep
sends the latest and folds the older one into it), for all others both lie weeks
ahead. The rows are written with bulk inserts (SQLAlchemy Core executemany).

The sweep is the bot's own `bot.delivery.reminders.send_review_nudges(deps)`, with deps built
like `s3bot tick` does (`bot.deps.build_deps`) on a fixed clock, talking to the Slack
fake running in this process. Time spent in Slack calls is measured by wrapping
`deps.client.api_call` (every WebClient method goes through it: the HTTP round trip
to the fake, the fake's own work, the client's parsing and retries); "excl. Slack" is
the sweep's wall time minus that. SQL execute time (SQLAlchemy cursor events) and the
due query (`bot.services.agreements.due_groups`) are measured as parts of it.

One warm-up sweep per database (it also fills the users.info cache, as in a running
bot), then `--reps` measured sweeps, interleaved across the four databases so that
drift in the machine's load hits them alike. Between sweeps the due reminders are
made unsent again (sent_at back to NULL), and the overdue reminders and history
entries the sweep added are deleted. Medians are reported.

Nothing here talks to the internet and no real Slack token is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import re
import secrets
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, create_engine, event, insert, text  # noqa: E402

from bot.blocks import agreements as agreement_views  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.delivery import reminders  # noqa: E402
from bot.delivery.reminders import send_review_nudges  # noqa: E402
from bot.demo.standin import StandinSlack  # noqa: E402
from bot.deps import Deps, build_deps  # noqa: E402
from bot.domain.review import schedule  # noqa: E402
from bot.services import agreements as agreement_service  # noqa: E402
from bot.store.db import make_engine, normalise_url  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.models import Agreement, ReviewNudge, Workspace  # noqa: E402

SECTION = "## Review reminder sweep (issue: agreements)"
DOC_TITLE = "# Benchmarks"
DOC_INTRO = (
    "Performance measurements of the bot, each produced by a script under `bench/`. "
    "Figures are only as good as the machine they ran on: compare targets within one run "
    "rather than across runs.\n"
)
TEAM = "T0001"  # the fake's team
CHANNEL = "C0REVIEW"
USERS = [f"U0RS{i:03d}" for i in range(50)]
CLOCK = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)  # a Wednesday, 13:00 in Amsterdam
BEFORE_DAYS = 7  # the default offsets
PG_ADMIN_URL = os.environ.get(
    "S3BOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
RATIO_TARGET = 2.0
SWEEP_TARGET_S = 1.0
MAX_SIZE = 200_000  # bounds on every loop
MAX_REPS = 25
CHUNK = 10_000
TIME_BUDGET_S = 270.0  # repetitions stop early (and say so) past this


# ------------------------------------------------------------------ data


def _rows(size: int, due: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
    """Agreements 1..size and their two reminders each; `due` of them, evenly spread, are due."""
    step = size // due
    due_ids = list(range(1, size + 1, step))[:due]
    due_set = set(due_ids)
    made = CLOCK - dt.timedelta(days=400)
    agreements: list[dict[str, Any]] = []
    nudges: list[dict[str, Any]] = []
    for i in range(1, size + 1):
        if i in due_set:
            review = CLOCK.date() - dt.timedelta(days=1)  # both reminders are past
        else:
            review = CLOCK.date() + dt.timedelta(days=30 + i % 335)  # weeks ahead
        user = USERS[i % len(USERS)]
        agreements.append(
            {
                "id": i,
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "number": i,
                "title": f"Agreement {i}: release notes a day early",
                "text": f"Agreement {i}: the release lead publishes the release notes a day "
                "before each release, in the circle's channel, with the changes that matter "
                "to the people using it.",
                "driver": None,
                "responsibilities": None,
                "evaluation": "No late notes for two months",
                "concerns": "[]",
                "answers": None,
                "review_date": review,
                "status": "active",
                "author_id": USERS[0],
                "responsible_ids": json.dumps([user]),
                "version": 1,
                "updated_at": made,
                "proposal_id": None,
                "round_id": None,
                "round_link": None,
                "created_at": made,
            }
        )
        for stage, due_date in schedule(review, BEFORE_DAYS):
            nudges.append(
                {
                    "team_id": TEAM,
                    "agreement_id": i,
                    "recipient_id": user,
                    "stage": stage.value,
                    "review_date": review,
                    "due_date": due_date,
                    "attempts": 0,
                    "lease_until": None,
                    "sent_at": None,
                    "outcome": None,
                    "last_error": None,
                    "created_at": made,
                }
            )
    return agreements, nudges, due_ids


def load(engine: Engine, size: int, due: int) -> tuple[list[int], float]:
    """Migrate and fill the database; return the due agreement ids and the seconds it took."""
    t0 = time.perf_counter()
    upgrade(engine)
    agreements, nudges, due_ids = _rows(size, due)
    with engine.begin() as conn:
        conn.execute(
            insert(Workspace.__table__),
            [{"team_id": TEAM, "created_at": CLOCK - dt.timedelta(days=400)}],
        )
        for start in range(0, len(agreements), CHUNK):
            conn.execute(insert(Agreement.__table__), agreements[start : start + CHUNK])
        for start in range(0, len(nudges), CHUNK):
            conn.execute(insert(ReviewNudge.__table__), nudges[start : start + CHUNK])
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('agreements', 'id'), "
                    "(SELECT max(id) FROM agreements))"
                )
            )
    return due_ids, time.perf_counter() - t0


def reset(engine: Engine) -> None:
    """Undo one sweep: the due reminders unsent again, its overdue reminders and history gone."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM review_nudges WHERE stage = 'overdue'"))
        conn.execute(
            text(
                "UPDATE review_nudges SET sent_at = NULL, outcome = NULL, lease_until = NULL, "
                "attempts = 0, last_error = NULL WHERE sent_at IS NOT NULL"
            )
        )
        conn.execute(text("DELETE FROM agreement_events"))


def outcome_counts(engine: Engine) -> dict[str, int]:
    """What the last sweep left: reminders sent per outcome, and overdue ones planned."""
    with engine.connect() as conn:
        found = {
            str(outcome): int(n)
            for outcome, n in conn.execute(
                text(
                    "SELECT outcome, count(*) FROM review_nudges "
                    "WHERE sent_at IS NOT NULL GROUP BY outcome"
                )
            )
        }
        found["overdue planned"] = int(
            conn.execute(
                text("SELECT count(*) FROM review_nudges WHERE stage = 'overdue'")
            ).scalar_one()
        )
    return found


def make_pg_db() -> tuple[str, Callable[[], None]]:
    """A throwaway PostgreSQL database: its URL and a function dropping it."""
    name = f"s3bot_bench_review_{secrets.token_hex(4)}"
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


# ------------------------------------------------------------------ measuring


PHASES = ("due query", "users.info", "claim", "language", "render", "DM client-side", "sent")


@dataclass
class Sample:
    """One measured sweep (seconds)."""

    wall: float
    slack: float
    slack_calls: int
    sql: float
    sql_statements: int
    cpu: float  # CPU time of the sweep's thread (the fake serves from other threads)
    cpu_slack: float  # of which inside Slack calls (the client's side of them)
    phases: dict[str, float]
    sent: int

    @property
    def excl_slack(self) -> float:
        return self.wall - self.slack

    @property
    def cpu_excl_slack(self) -> float:
        return self.cpu - self.cpu_slack


@dataclass
class Meter:
    """What the running sweep spent, and where."""

    slack: float = 0.0
    slack_calls: int = 0
    cpu_slack: float = 0.0
    sql: float = 0.0
    sql_statements: int = 0
    phases: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))
    active: str | None = None


METER = Meter()  # the sweep being measured writes here


@dataclass
class Target:
    """One database (backend and size) and its measured sweeps."""

    backend: str
    size: int
    url: str
    deps: Deps
    due_ids: list[int]
    load_seconds: float
    samples: list[Sample] = field(default_factory=list)
    plans: dict[str, list[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.backend} {self.size:,}"

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)

    def phase(self, name: str) -> float:
        return statistics.median(s.phases[name] for s in self.samples)


def _phase(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap `fn` to add its wall time, less the Slack calls inside it, to the phase `name`."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if METER.active is not None:  # nested in another phase: counted there
            return fn(*args, **kwargs)
        METER.active = name
        slack0, t0 = METER.slack, time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            METER.phases[name] += time.perf_counter() - t0 - (METER.slack - slack0)
            METER.active = None

    return wrapper


def instrument_globally() -> None:
    """Time the sweep's steps by wrapping the functions `send_review_nudges` calls."""
    agreement_service.due_groups = _phase("due query", agreement_service.due_groups)
    agreement_service.claim = _phase("claim", agreement_service.claim)
    agreement_service.sent = _phase("sent", agreement_service.sent)
    agreement_views.nudge = _phase("render", agreement_views.nudge)
    reminders.direct_message = _phase("DM client-side", reminders.direct_message)


def instrument(target: Target) -> None:
    """Count time in Slack calls (WebClient.api_call), in SQL, and in the language lookups."""
    client = target.deps.client
    original = client.api_call

    def timed_api_call(*args: Any, **kwargs: Any) -> Any:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            METER.slack += time.perf_counter() - t0
            METER.cpu_slack += time.thread_time() - c0
            METER.slack_calls += 1

    client.api_call = timed_api_call  # type: ignore[method-assign]
    locales = target.deps.people
    locales.user_info = _phase("users.info", locales.user_info)  # type: ignore[method-assign]
    locales.user_messages = _phase("language", locales.user_messages)  # type: ignore[method-assign]

    @event.listens_for(target.deps.engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info.setdefault("bench_t0", []).append(time.perf_counter())

    @event.listens_for(target.deps.engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        METER.sql += time.perf_counter() - conn.info["bench_t0"].pop()
        METER.sql_statements += 1


def sweep_once(target: Target, fake: StandinSlack, due: int) -> Sample:
    """Run one sweep, check it sent what was due and nothing else, then undo it."""
    global METER
    METER = Meter()
    t0, c0 = time.perf_counter(), time.thread_time()
    sent = send_review_nudges(target.deps)
    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    sample = Sample(
        wall=wall,
        slack=METER.slack,
        slack_calls=METER.slack_calls,
        sql=METER.sql,
        sql_statements=METER.sql_statements,
        cpu=cpu,
        cpu_slack=METER.cpu_slack,
        phases=dict(METER.phases),
        sent=sent,
    )
    posted = [c for c in fake.calls_to("chat.postMessage") if c.ok]
    left = outcome_counts(target.deps.engine)
    expected = {"dm": due, "folded": due, "overdue planned": due}
    if sent != due or len(posted) != due or left != expected:
        raise RuntimeError(
            f"{target.name}: sweep sent {sent}, {len(posted)} DMs posted, rows {left}; "
            f"expected {due} and {expected}"
        )
    fake.reset()
    reset(target.deps.engine)
    return sample


def due_query_plan(target: Target) -> list[str]:
    """The due query as the sweep sends it, EXPLAINed (ANALYZE on PostgreSQL)."""
    captured: list[tuple[str, Any]] = []
    engine = target.deps.engine

    def grab(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM review_nudges" in statement and "LIMIT" in statement.upper():
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        agreement_service.due_groups(target.deps.sessions, now=CLOCK, limit=500)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    statement, parameters = captured[0]
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if engine.dialect.name == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, parameters).all()
        conn.rollback()
    if engine.dialect.name == "postgresql":
        return [str(r[0]) for r in rows]
    return [str(r[-1]) for r in rows]


def analyze(engine: Engine) -> None:
    """ANALYZE, as PostgreSQL's autovacuum does soon after a bulk load."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE agreements"))
        conn.execute(text("ANALYZE review_nudges"))


# ------------------------------------------------------------------ report


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def ratio_of(targets: list[Target], backend: str, sizes: list[int], attr: str) -> float:
    small, big = (next(t for t in targets if t.backend == backend and t.size == n) for n in sizes)
    if attr in PHASES:
        return big.phase(attr) / small.phase(attr)
    return big.median(attr) / small.median(attr)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def section(
    targets: list[Target], args: argparse.Namespace, command: str, notes: list[str]
) -> tuple[str, bool]:
    sizes = sorted(args.sizes)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()
    reps = len(targets[0].samples)
    lines = [
        SECTION,
        "",
        f"Command: `{command}`  ",
        f"Date: {now}  ",
        f"Machine: {os.cpu_count()} cores ({platform.machine()}), {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; the sweep, the Slack fake "
        f"and PostgreSQL share it, and other work was running (load average at the end "
        f"{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}).",
        "",
        f"One `send_review_nudges(deps)` sweep (deps built like `s3bot tick`, fixed clock) over "
        f"{' and '.join(f'{n:,}' for n in sizes)} agreements, each with its two pending "
        f"reminders (a week before and on the review date, one recipient); for {args.due} "
        "agreements, spread evenly, both reminders are past (the sweep DMs the latest, folds the "
        "other into it and plans the next overdue one); all other reminders lie weeks ahead. "
        "Data written with bulk inserts (Core executemany); PostgreSQL ANALYZEd after the load "
        "(as autovacuum would), SQLite left as loaded. **Slack calls** = time inside "
        "`deps.client.api_call` (which every WebClient method goes through: the HTTP round trip "
        "to the in-process fake, the fake's work, the client's parsing); **excl. Slack** = wall "
        "time − Slack calls. CPU = `time.thread_time()` of the sweep's thread, less its share "
        "inside Slack calls (the fake serves from other threads): the sweep's own work, whatever "
        "else the machine runs. SQL = time in `cursor.execute` (SQLAlchemy events). One warm-up "
        f"sweep per database (it fills the users.info cache, as in a running bot), then medians "
        f"of {reps} sweeps interleaved across the four databases; between sweeps the due "
        "reminders are made unsent again (`sent_at` back to NULL) and the sweep's own inserts "
        f"deleted. Every sweep was checked: {args.due} DMs posted, {args.due} reminders folded, "
        f"{args.due} overdue ones planned.",
        "",
        "| database | agreements | reminders in table | DMs per sweep | wall (ms) | Slack calls "
        "(ms) | calls | **excl. Slack (ms)** | CPU excl. Slack (ms) | SQL execute (ms) "
        "| statements | load (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in targets:
        lines.append(
            f"| {t.backend} | {t.size:,} | {2 * t.size:,} | {t.samples[0].sent} | "
            f"{fmt_ms(t.median('wall'))} | {fmt_ms(t.median('slack'))} | "
            f"{int(t.median('slack_calls'))} | **{fmt_ms(t.median('excl_slack'))}** | "
            f"{fmt_ms(t.median('cpu_excl_slack'))} | {fmt_ms(t.median('sql'))} | "
            f"{int(t.median('sql_statements'))} | {t.load_seconds:.1f} |"
        )
    lines += [
        "",
        "Where the time excl. Slack goes (medians, ms per sweep; each step less the Slack "
        "calls inside it; rest = the median of what no step covers): due query = `agreements.due_groups`; users.info = the cached "
        "lookup; claim = `agreements.claim` (lease, fold, load the agreement); language = "
        "`locales.user_messages`; render = `blocks.agreements.nudge`; DM client-side = "
        "`direct_message` less its two HTTP calls (slack_sdk turning blocks into JSON); sent = "
        "`agreements.sent` (mark sent, plan the overdue one, history entry).",
        "",
        "| database | agreements | " + " | ".join(PHASES) + " | rest |",
        "|---|---:|" + "---:|" * (len(PHASES) + 1),
    ]
    for t in targets:
        parts = [t.phase(p) for p in PHASES]
        rest = statistics.median(x.excl_slack - sum(x.phases.values()) for x in t.samples)
        lines.append(
            f"| {t.backend} | {t.size:,} | "
            + " | ".join(fmt_ms(x) for x in parts)
            + f" | {fmt_ms(rest)} |"
        )
    lines += [
        "",
        f"| database | ratio {sizes[1]:,} / {sizes[0]:,}, **excl. Slack** | wall | "
        "CPU excl. Slack | due query |",
        "|---|---:|---:|---:|---:|",
    ]
    backends = list(dict.fromkeys(t.backend for t in targets))
    for b in backends:
        lines.append(
            f"| {b} | **{ratio_of(targets, b, sizes, 'excl_slack'):.2f}** | "
            f"{ratio_of(targets, b, sizes, 'wall'):.2f} | "
            f"{ratio_of(targets, b, sizes, 'cpu_excl_slack'):.2f} | "
            f"{ratio_of(targets, b, sizes, 'due query'):.2f} |"
        )
    lines += [
        "",
        f"Targets: the {sizes[1]:,} sweep takes at most {RATIO_TARGET:g}× as long as the "
        f"{sizes[0]:,} sweep; both stay under {SWEEP_TARGET_S:g} s, excluding the Slack calls. "
        "Both are judged on the median wall time excluding Slack calls.",
        "",
    ]
    all_ok = True
    for b in backends:
        r = ratio_of(targets, b, sizes, "excl_slack")
        worst = max(t.median("excl_slack") for t in targets if t.backend == b)
        ok_ratio, ok_abs = r <= RATIO_TARGET, worst < SWEEP_TARGET_S
        all_ok &= ok_ratio and ok_abs
        lines.append(
            f"- **{b}: {verdict(ok_ratio and ok_abs)}** — {sizes[1]:,} / {sizes[0]:,} = "
            f"{r:.2f}× excl. Slack (≤ {RATIO_TARGET:g}×: {verdict(ok_ratio)}); slower of the "
            f"two {fmt_ms(worst)} ms excl. Slack (< {SWEEP_TARGET_S * 1000:.0f} ms: "
            f"{verdict(ok_abs)})"
        )
    if not all_ok:
        lines += ["", "What costs the time (from this run's figures):", ""]
        for t in targets:
            per = statistics.median(x.sent for x in t.samples) or 1
            claim_sent = t.phase("claim") + t.phase("sent")
            lines.append(
                f"- {t.name}: claim + sent {fmt_ms(claim_sent)} ms = "
                f"{100 * claim_sent / t.median('excl_slack'):.0f}% of the time excl. Slack, "
                f"{claim_sent / per * 1000:.1f} ms per reminder; "
                f"{t.median('sql_statements') / per:.0f} SQL statements per reminder; "
                f"CPU excl. Slack {t.median('cpu_excl_slack') / per * 1000:.1f} ms per reminder; "
                f"due query {fmt_ms(t.phase('due query'))} ms"
            )
        lines += [
            "",
            "The due query does not grow with the table (it uses `ix_review_nudges_due`, plans "
            "below); the sweep's cost is per due reminder: two write transactions each "
            "(`agreements.claim`, `agreements.sent`), several ORM statements and a commit each. "
            "To change (bot/, not done here): claim the due reminders of a sweep in one "
            "transaction (one `UPDATE … WHERE id IN (…) AND sent_at IS NULL AND (lease_until IS "
            "NULL OR lease_until < now) RETURNING id`, one fold `UPDATE`, one `SELECT` of the "
            "agreements), in chunks that fit the lease; keep marking each reminder sent after "
            "Slack's ok, but in fewer statements (no `offsets` query per reminder, Core inserts, "
            "`synchronize_session=False` on the bulk updates).",
        ]
    lines += ["", "Details:", ""]
    for t in targets:
        excl = ", ".join(fmt_ms(x.excl_slack) for x in t.samples)
        cpu = ", ".join(fmt_ms(x.cpu_excl_slack) for x in t.samples)
        lines.append(f"- {t.name}: excl. Slack per sweep (ms) {excl}; CPU excl. Slack {cpu}")
    for t in targets:
        for label, plan in t.plans.items():
            lines += [f"- {t.name}, due query plan {label}:", "", "  ```"]
            lines += [f"  {row}" for row in plan]
            lines.append("  ```")
    lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n", all_ok


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
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--due", type=int, default=100, help="agreements due per sweep (100)")
    p.add_argument("--sizes", default="1000,100000", help="two table sizes (1000,100000)")
    p.add_argument("--reps", type=int, default=7, help="measured sweeps per database (7)")
    p.add_argument("--backends", default="sqlite,postgres", help="sqlite,postgres")
    p.add_argument("--write", type=Path, help="replace the section in this Markdown file")
    args = p.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        p.error("--sizes must be two integers")
    if len(args.sizes) != 2 or not all(1 <= s <= MAX_SIZE for s in args.sizes):
        p.error(f"--sizes must be two sizes in 1..{MAX_SIZE}")
    if not 1 <= args.due <= min(args.sizes):
        p.error("--due must be in 1..the smaller size")
    if not 1 <= args.reps <= MAX_REPS:
        p.error(f"--reps must be in 1..{MAX_REPS}")
    args.backends = [b for b in args.backends.split(",") if b]
    if not args.backends or set(args.backends) - {"sqlite", "postgres"}:
        p.error("--backends is a subset of sqlite,postgres")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    command = shlex.join([".venv/bin/python", *sys.argv]) if argv is None else "(in-process)"
    logging.basicConfig(level=logging.WARNING)
    instrument_globally()
    fake = StandinSlack().start()
    for n, user in enumerate(USERS):
        fake.add_user(user, f"member{n}", tz="Europe/Amsterdam", locale="en-US")
    fake.add_channel(CHANNEL, "review-circle", USERS)
    targets: list[Target] = []
    drops: list[Callable[[], None]] = []
    notes: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="s3bot-bench-review-") as tmp:
            for backend in args.backends:
                for size in args.sizes:
                    if backend == "sqlite":
                        url = f"sqlite:///{Path(tmp) / f'review-{size}.db'}"
                    else:
                        url, drop = make_pg_db()
                        drops.append(drop)
                    engine = make_engine(normalise_url(url))
                    due_ids, seconds = load(engine, size, args.due)
                    settings = Settings(
                        slack_bot_token="xoxb-bench-review-sweep",  # the fake's, never Slack's
                        slack_signing_secret="bench",
                        database_url=url,
                        slack_api_url=fake.url,
                        log_level="WARNING",
                    )
                    deps = build_deps(settings, engine=engine, clock=lambda: CLOCK)
                    target = Target(backend, size, url, deps, due_ids, seconds)
                    if backend == "postgres":
                        target.plans["before ANALYZE"] = due_query_plan(target)
                        analyze(engine)
                        target.plans["after ANALYZE"] = due_query_plan(target)
                    else:
                        target.plans["(no ANALYZE)"] = due_query_plan(target)
                    instrument(target)
                    targets.append(target)
                    print(f"loaded {target.name} in {seconds:.1f} s", file=sys.stderr)
            for t in targets:
                sweep_once(t, fake, args.due)  # warm-up: connections, caches, users.info
            for rep in range(args.reps):
                if time.monotonic() - started > TIME_BUDGET_S:
                    notes.append(f"stopped after {rep} repetitions: time budget reached")
                    break
                for t in targets:
                    t.samples.append(sweep_once(t, fake, args.due))
                print(f"repetition {rep + 1}/{args.reps} done", file=sys.stderr)
            for t in targets:
                t.deps.engine.dispose()
    finally:
        fake.stop()
        for drop in drops:
            drop()
    fake.assert_clean()
    notes.append(f"whole run {time.monotonic() - started:.0f} s")
    content, ok = section(targets, args, command, notes)
    print(content)
    if args.write:
        write_section(args.write, content)
        print(f"wrote {SECTION!r} to {args.write}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
