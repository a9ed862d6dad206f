"""Benchmark: 1,000 participants answer one consent round within 10 seconds.

    .venv/bin/python bench/consent_burst.py [--participants 1000] [--seconds 10]
        [--concerns 100] [--write docs/benchmarks.md]

The demo's stand-in for Slack (bot/demo/standin.py) runs in this process with the
participants and the round's author, all members of one channel. `s3bot serve` runs as a subprocess on a free loopback port
against a throwaway PostgreSQL database, and then:

1. the author starts a round the way a person does: a signed `/consent` command, then
   the `view_submission` of the modal the bot opened (participants: everyone in the
   channel; answers hidden until the round closes);
2. once the round message is posted, every participant answers over signed HTTP
   requests, evenly spread over `--seconds` (open loop: a thread pool on keep-alive
   connections sends on schedule whatever earlier requests do). Most press Consent;
   `--concerns` of them press Concern and send the reason modal the bot opened. The ack
   latency of each request that stores an answer (the Consent button, the reason
   modal's submission) is recorded;
3. a bounded wait until the round message shows every answer, then the author presses
   "Close now" and the closed message, the thread reply and the agreement are awaited;
4. the answers are counted with SQL, the final message, the thread reply and the
   agreement are checked against the answers sent, and the `chat.update` calls on the
   round's message are counted.

Nothing here talks to the internet and no real Slack token is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shlex
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.tension_ack import (  # noqa: E402
    DOC_INTRO,
    DOC_TITLE,
    SECRET,
    TEAM,
    ConnPool,
    Server,
    Target,
    fmt,
    make_pg_db,
    percentile,
)
from bot.blocks import ids  # noqa: E402
from bot.demo.driver import Response, SlackDriver  # noqa: E402
from bot.demo.forms import fill  # noqa: E402
from bot.demo.ratelimits import tiers_from  # noqa: E402
from bot.demo.standin import StandinSlack  # noqa: E402
from bot.store.db import normalise_url  # noqa: E402

SECTION = "## Consent round burst (issue: consent rounds)"
CHANNEL = "C0BURST"
AUTHOR = "U0AUTHOR"
P99_TARGET_MS = 200.0
MAX_UPDATES = 10
MAX_PARTICIPANTS = 5000  # bounds on every loop
PROPOSAL = "Bench: hold the circle's retrospective every second Friday"
CONCERN_REASON = "Fridays are short for the night shift"
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
_COUNT = re.compile(r"(\d+) of (\d+) have answered")


# ------------------------------------------------------------------ requests


@dataclass
class Timed(Response):
    """The app's answer with the time from sending to the HTTP response (seconds)."""

    latency: float = float("nan")
    error: str | None = None


class PooledDriver(SlackDriver):
    """A SlackDriver that sends over keep-alive connections and times each request."""

    def __init__(self, port: int, **kwargs: Any) -> None:
        super().__init__(SECRET, url=f"http://127.0.0.1:{port}", team_id=TEAM, **kwargs)
        self.pool = ConnPool(port)
        self._last = threading.local()

    def _response_url(self, kind: str, user_id: str) -> str:
        url = super()._response_url(kind, user_id)
        self._last.url = url  # the sending thread reads it back (`last_response_url`)
        return url

    def last_response_url(self) -> str:
        """The response_url of the last request this thread built."""
        return getattr(self._last, "url", "")

    def send_raw(self, body: str, headers: dict[str, str]) -> Timed:
        """Deliver a signed body; a keep-alive connection the server closed is retried once."""
        data = body.encode("utf-8")
        conn, reused = self.pool.get()
        t0 = time.perf_counter()
        for attempt in (1, 2):
            try:
                conn.request("POST", "/slack/events", body=data, headers=headers)
                resp = conn.getresponse()
                payload = resp.read().decode("utf-8")
            except _STALE as exc:
                conn.close()
                if reused and attempt == 1:  # the server dropped an idle connection
                    conn, reused = self.pool.new(), False
                    continue
                return Timed(0, "", latency=time.perf_counter() - t0, error=repr(exc))
            except OSError as exc:
                conn.close()
                return Timed(0, "", latency=time.perf_counter() - t0, error=repr(exc))
            latency = time.perf_counter() - t0
            if resp.will_close:
                conn.close()
            else:
                self.pool.put(conn)
            error = None if resp.status == 200 else f"HTTP {resp.status}"
            if error is None and payload:  # an ack carrying errors: the answer was refused
                error = f"refused: {payload[:120]}"
            return Timed(resp.status, payload, latency=latency, error=error)
        raise AssertionError("unreachable")


class ModalWatch:
    """Finds the modal the bot opened for a trigger_id among the fake's `views.open` calls."""

    def __init__(self, fake: StandinSlack) -> None:
        self.fake = fake
        self._seen = 0
        self._views: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def _scan(self) -> None:
        with self._lock:
            new = self.fake.calls[self._seen :]  # a slice is atomic; calls only grow
            self._seen += len(new)
            for call in new:
                if call.method == "views.open" and call.ok:
                    view = call.response.get("view") or {}
                    self._views[str(call.args.get("trigger_id"))] = view

    def find(self, trigger_id: str, timeout: float) -> dict[str, Any] | None:
        """The opened view (as the fake stored it), or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            self._scan()
            with self._lock:
                view = self._views.get(trigger_id)
            if view is not None or time.monotonic() >= deadline:
                return view
            time.sleep(0.01)


@dataclass
class Answer:
    """One participant's answer: the request that stored it, and what came before it."""

    user: str
    position: str  # "consent" | "concern"
    due: float = 0.0
    lag: float = 0.0
    sent_at: float = 0.0
    acked_at: float = 0.0
    status: int = 0
    latency: float = float("nan")
    error: str | None = None
    response_url: str = ""  # the button's: where the confirmation should come
    button: Timed | None = None  # the Concern button's ack (concerns only)
    modal_wait: float = float("nan")  # button ack -> modal seen in the fake (concerns only)


def answer_one(
    driver: PooledDriver, watch: ModalWatch, ans: Answer, round_id: int, ts: str, t0: float
) -> None:
    """Answer as a person does: Consent is one click; Concern is a click and the reason modal."""
    ans.lag = time.perf_counter() - ans.due
    if ans.position == "consent":
        ans.sent_at = time.perf_counter() - t0
        r = driver.block_action(
            ids.ACT_ANSWER_CONSENT,
            str(round_id),
            user_id=ans.user,
            channel_id=CHANNEL,
            message_ts=ts,
            block_id=ids.BLOCK_ROUND_ACTIONS,
        )
        ans.response_url = driver.last_response_url()
    else:
        trigger = driver.trigger_id()
        ans.button = driver.block_action(
            ids.ACT_ANSWER_CONCERN,
            str(round_id),
            user_id=ans.user,
            channel_id=CHANNEL,
            message_ts=ts,
            block_id=ids.BLOCK_ROUND_ACTIONS,
            trigger_id=trigger,
        )
        ans.response_url = driver.last_response_url()
        if ans.button.status != 200:
            ans.error = f"concern button: {ans.button.error}"
            return
        opened = time.perf_counter()
        view = watch.find(trigger, timeout=15)
        ans.modal_wait = time.perf_counter() - opened
        if view is None:
            ans.error = "reason modal not opened within 15 s"
            return
        values = {
            ids.IN_REASON[0]: {
                ids.IN_REASON[1]: {"type": "plain_text_input", "value": CONCERN_REASON}
            }
        }
        ans.sent_at = time.perf_counter() - t0
        r = driver.view_submission(
            view["callback_id"],
            values,
            user_id=ans.user,
            private_metadata=view.get("private_metadata", ""),
            view_id=view["id"],
        )
    assert isinstance(r, Timed)
    ans.acked_at = time.perf_counter() - t0
    ans.status, ans.latency, ans.error = r.status, r.latency, r.error


def burst(
    driver: PooledDriver,
    watch: ModalWatch,
    answers: list[Answer],
    round_id: int,
    ts: str,
    seconds: float,
) -> float:
    """Send every answer on an even schedule over `seconds`; return the wall time it took."""
    rate = len(answers) / seconds
    futures = []
    with ThreadPoolExecutor(max_workers=64, thread_name_prefix="burst") as executor:
        t0 = time.perf_counter() + 0.05
        for i, ans in enumerate(answers):
            ans.due = t0 + i / rate
            delay = ans.due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(executor.submit(answer_one, driver, watch, ans, round_id, ts, t0))
        wait_futures(futures, timeout=seconds + 60)
        for f in futures:
            if f.done() and f.exception() is not None:
                raise f.exception()  # type: ignore[misc]  # a bug in this script
    return time.perf_counter() - t0


# ------------------------------------------------------------------ waiting and reading


def wait_until(what: str, check: Callable[[], Any], timeout: float, every: float = 0.1) -> Any:
    """Poll `check()` until it returns something truthy; raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout:g} s")
        time.sleep(every)


def as_view(raw: Any) -> dict[str, Any]:
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


def message_text(message: dict[str, Any] | None) -> str:
    """A message's fallback text and its blocks as JSON (what a reader could see)."""
    if not message:
        return ""
    return str(message.get("text", "")) + json.dumps(message.get("blocks"))


def find_message(fake: StandinSlack, ts: str) -> dict[str, Any] | None:
    return next((m for m in fake.messages_in(CHANNEL) if m["ts"] == ts), None)


class CpuMeter:
    """CPU time (Linux /proc) of the server, PostgreSQL and this process over an interval."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._start: dict[str, float] | None = None
        self._t0 = 0.0

    @staticmethod
    def _stat(pid: int | str) -> tuple[str, float] | None:
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        comm = raw[raw.find("(") + 1 : raw.rfind(")")]
        fields = raw[raw.rfind(")") + 2 :].split()
        return comm, float(fields[11]) + float(fields[12])  # utime + stime (ticks)

    def _tree(self, pid: int, depth: int = 0) -> list[int]:
        try:
            kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            kids = []
        out = [pid]
        if depth < 3:
            for kid in kids[:64]:
                out += self._tree(int(kid), depth + 1)
        return out

    def _snapshot(self) -> dict[str, float]:
        snap = {"server": 0.0, "postgres": 0.0, "machine": 0.0}
        for pid in self._tree(self.server_pid):
            stat = self._stat(pid)
            snap["server"] += stat[1] if stat else 0.0
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                stat = self._stat(entry.name)
                if stat and stat[0] == "postgres":
                    snap["postgres"] += stat[1]
        snap = {k: v / self.tick for k, v in snap.items()}
        times = os.times()
        snap["bench"] = times.user + times.system
        try:
            cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
            busy = sum(float(x) for i, x in enumerate(cpu) if i not in (3, 4))  # minus idle, iowait
            snap["machine"] = busy / self.tick
        except OSError:
            snap["machine"] = float("nan")
        return snap

    def start(self) -> None:
        try:
            self._start, self._t0 = self._snapshot(), time.monotonic()
        except OSError:
            self._start = None

    def stop(self) -> dict[str, float]:
        """Cores used on average since start(), per part ("other": the rest of the machine)."""
        if self._start is None:
            return {}
        end, wall = self._snapshot(), max(time.monotonic() - self._t0, 1e-9)
        used = {k: (end[k] - self._start[k]) / wall for k in end}
        used["other"] = used["machine"] - used["server"] - used["postgres"] - used["bench"]
        return used


class Db:
    """Read-only queries on the bot's database."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(normalise_url(url))

    def one(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).first()

    def all(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    def close(self) -> None:
        self.engine.dispose()


# ------------------------------------------------------------------ the run


@dataclass
class Run:
    """Everything measured, for the table and the document."""

    args: argparse.Namespace
    s: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def start_round(
    driver: PooledDriver, fake: StandinSlack, watch: ModalWatch, db: Db, run: Run
) -> tuple[int, str]:
    """/consent, the modal's submission, and the posted round: returns (round id, message ts)."""
    s = run.s
    t0 = time.perf_counter()
    trigger = driver.trigger_id()
    r = driver.command("/consent", PROPOSAL, user_id=AUTHOR, channel_id=CHANNEL, trigger_id=trigger)
    assert isinstance(r, Timed)
    if r.status != 200:
        raise RuntimeError(f"/consent was not acked: {r.status} {r.error}")
    s["consent_cmd_ms"] = r.latency * 1000
    modal = watch.find(trigger, timeout=20)
    if modal is None:
        raise RuntimeError("the /consent modal was not opened")
    today = dt.date.today()
    values = fill(
        modal,
        {
            ids.IN_PROPOSAL[1]: PROPOSAL,
            ids.IN_REVIEW_DATE[1]: today + dt.timedelta(days=90),
            ids.IN_DEADLINE[1]: dt.datetime.now(dt.UTC) + dt.timedelta(days=3),
        },
    )  # participants: everyone in the channel; answers hidden (the modal's defaults)
    r = driver.view_submission(
        modal["callback_id"],
        values,
        user_id=AUTHOR,
        private_metadata=modal.get("private_metadata", ""),
        view_id=modal["id"],
    )
    assert isinstance(r, Timed)
    if r.status != 200 or r.body:
        raise RuntimeError(f"the /consent modal was refused: {r.status} {r.body[:300]}")
    s["modal_submit_ms"] = r.latency * 1000

    def posted() -> str | None:
        for call in fake.calls_to("chat.postMessage"):
            if call.ok and call.args.get("channel") == CHANNEL and not call.args.get("thread_ts"):
                return str(call.response["ts"])
        return None

    ts = wait_until("round message posted", posted, timeout=30)
    row = wait_until(
        "round linked to its message",
        lambda: db.one(
            "SELECT id, message_ts FROM consent_rounds WHERE channel_id = :c AND message_ts = :ts",
            c=CHANNEL,
            ts=ts,
        ),
        timeout=15,
    )
    s["round_posted_s"] = time.perf_counter() - t0
    s["participants_db"] = db.one(
        "SELECT count(*) FROM round_participants WHERE round_id = :r", r=row.id
    )[0]
    return int(row.id), ts


def plan(users: list[str], concerns: int) -> list[Answer]:
    """Who answers what: `concerns` people spread evenly say Concern, the rest Consent."""
    step = len(users) / concerns if concerns else 0.0
    concern_at = {int(k * step) for k in range(concerns)}
    return [
        Answer(user, "concern" if i in concern_at else "consent") for i, user in enumerate(users)
    ]


def update_calls(fake: StandinSlack, ts: str) -> list[Any]:
    return [c for c in fake.calls_to("chat.update") if c.args.get("ts") == ts]


def shown_count(call: Any) -> str:
    m = _COUNT.search(str(call.args.get("blocks")) + str(call.args.get("text")))
    if m:
        return f"{m.group(1)}/{m.group(2)}"
    return "closed" if "Consented" in str(call.args.get("blocks")) else "?"


def run_bench(run: Run, fake: StandinSlack, workdir: Path) -> None:
    args, s = run.args, run.s
    users = [f"U0P{i:05d}" for i in range(args.participants)]
    fake.add_user(AUTHOR, "author")
    for user in users:
        fake.add_user(user, user.lower())
    fake.add_channel(CHANNEL, "burst-circle", [AUTHOR, *users])
    n_people = len(users) + 1  # the author is in the channel, so a participant too

    url, drop = make_pg_db()
    db: Db | None = None
    server: Server | None = None
    driver: PooledDriver | None = None
    try:
        db = Db(url)
        target = Target("s3bot + PostgreSQL", "postgres", url)
        server = Server(target, fake.url, workdir, args.log_level, args.workers)
        s["startup_s"] = server.wait_ready()
        driver = PooledDriver(server.port, response_url_base=fake.hooks_url)
        watch = ModalWatch(fake)

        print("starting the round (/consent + modal) ...", flush=True)
        round_id, ts = start_round(driver, fake, watch, db, run)
        s["round_id"], s["ts"] = round_id, ts
        print(
            f"  round {round_id} posted at {ts} with {s['participants_db']} participants "
            f"({s['round_posted_s']:.1f} s)",
            flush=True,
        )

        answers = plan(users, args.concerns)
        print(
            f"burst: {len(answers)} answers ({args.concerns} concerns) over {args.seconds:g} s ...",
            flush=True,
        )
        calls_before = len(fake.calls)
        meter = CpuMeter(server.proc.pid)
        meter.start()
        burst_wall = burst(driver, watch, answers, round_id, ts, args.seconds)
        t_burst_end = time.perf_counter()
        s["cpu"] = meter.stop()
        s["burst_wall_s"] = burst_wall
        acked = [a for a in answers if a.status == 200 and a.error is None]
        # Ack latency from the moment the person clicked (the schedule): the time a request
        # waited for a free sender because the server was behind counts too.
        lat = [(a.lag + a.latency) * 1000 for a in acked] or [float("nan")]
        raw = [a.latency * 1000 for a in acked] or [float("nan")]
        s["sent"] = len(answers)
        s["acked"] = len(acked)
        s["errors"] = len(answers) - len(acked)
        s["error_kinds"] = sorted(Counter(a.error for a in answers if a.error).items())[:5]
        s["p50"] = percentile(lat, 50)
        s["p90"] = percentile(lat, 90)
        s["p99"] = percentile(lat, 99)
        s["max"] = max(lat)
        s["raw_p50"] = percentile(raw, 50)
        s["raw_p99"] = percentile(raw, 99)
        s["p99_consent"] = percentile(
            [a.latency * 1000 for a in acked if a.position == "consent"] or [float("nan")], 99
        )
        concern_acks = [a.latency * 1000 for a in acked if a.position == "concern"]
        s["p99_concern"] = percentile(concern_acks or [float("nan")], 99)
        buttons = [a.button for a in answers if a.button is not None]
        s["p99_concern_button"] = percentile(
            [b.latency * 1000 for b in buttons if b.status == 200] or [float("nan")], 99
        )
        waits = [a.modal_wait * 1000 for a in answers if a.modal_wait == a.modal_wait]
        s["modal_wait_p50"] = percentile(waits or [float("nan")], 50)
        s["modal_wait_p99"] = percentile(waits or [float("nan")], 99)
        s["lag_p99"] = percentile([a.lag * 1000 for a in answers], 99)
        s["answered_within_s"] = max((a.acked_at for a in acked), default=float("nan"))
        s["answers_per_s"] = len(acked) / s["answered_within_s"] if acked else 0.0
        print(
            f"  {len(acked)} acked, p50 {fmt(s['p50'])} ms, p99 {fmt(s['p99'])} ms, "
            f"last ack at {s['answered_within_s']:.1f} s",
            flush=True,
        )

        # The round message catches up: the coalesced renderer shows every answer.
        want = f"{args.participants} of {n_people} have answered"

        def caught_up() -> bool:
            row = db.one("SELECT seq, rendered_seq FROM consent_rounds WHERE id = :r", r=round_id)
            return bool(row and row.seq == row.rendered_seq) and want in message_text(
                find_message(fake, ts)
            )

        try:
            wait_until("round message caught up", caught_up, timeout=args.max_settle)
            s["caught_up_s"] = time.perf_counter() - t_burst_end
        except TimeoutError as exc:
            run.notes.append(str(exc))
            s["caught_up_s"] = float("nan")
        s["updates_open"] = len(update_calls(fake, ts))

        print("closing the round (author: Close now) ...", flush=True)
        t_close = time.perf_counter()
        r = driver.block_action(
            ids.ACT_CLOSE_EARLY,
            str(round_id),
            user_id=AUTHOR,
            channel_id=CHANNEL,
            message_ts=ts,
            block_id=ids.BLOCK_ROUND_ACTIONS,
        )
        assert isinstance(r, Timed)
        s["close_ack_ms"] = r.latency * 1000
        if r.status != 200:
            run.notes.append(f"Close now was not acked: {r.status} {r.error}")

        def closed_and_shown() -> bool:
            row = db.one("SELECT status FROM consent_rounds WHERE id = :r", r=round_id)
            return bool(row and row.status == "closed") and "Consented" in message_text(
                find_message(fake, ts)
            )

        def thread_reply() -> dict[str, Any] | None:
            return next(
                (
                    m
                    for m in fake.messages_in(CHANNEL)
                    if m.get("thread_ts") == ts and m["ts"] != ts
                ),
                None,
            )

        try:
            wait_until("closed message shown", closed_and_shown, timeout=args.max_settle)
            wait_until("result posted in the thread", thread_reply, timeout=args.max_settle)
            s["closed_s"] = time.perf_counter() - t_close
        except TimeoutError as exc:
            run.notes.append(str(exc))
            s["closed_s"] = float("nan")
        time.sleep(1.5)  # a late extra update would show up here (the renderer ticks every 1 s)

        verify(run, fake, db, round_id, ts, users, answers, n_people)
        s["calls_during_run"] = len(fake.calls) - calls_before
        s["limited"] = len(fake.tiers.limited)
        s["limited_by"] = dict(Counter(method for method, _ in fake.tiers.limited))
        answered = [c.args.get("user") for c in fake.calls if c.method == "chat.postEphemeral"]
        s["confirmed_ephemeral"] = len(set(answered) & set(users))
        hooks = {r["path"].rstrip("/") for r in fake.responses}
        by_url = {a.user for a in answers if a.response_url and _path(a.response_url) in hooks}
        s["confirmed_respond"] = len(by_url)
        s["confirmed"] = len(by_url | (set(answered) & set(users)))
        run.checks["confirmed"] = s["confirmed"] == args.participants
        run.checks["limited"] = s["limited"] < 0.01 * max(1, s["calls_during_run"])
        s["users_info"] = len(fake.calls_to("users.info"))
        s["responses"] = len(fake.responses)
        s["ephemerals"] = len(fake.ephemerals)
        s["fake_errors"] = len(fake.errors)
        if fake.errors:
            run.notes.append("fake contract violations: " + "; ".join(fake.errors[:3]))
    finally:
        if driver is not None:
            driver.pool.close()
        if server is not None:
            output = server.stop()
            s["log_tail"] = output[-3000:]
            s["tracebacks"] = output.count("Traceback")
            s["log_errors"] = len(re.findall(r" (?:ERROR|CRITICAL) ", output))
            s["log_warnings"] = len(re.findall(r" WARNING ", output))
            warnings = list(dict.fromkeys(re.findall(r"^.* WARNING .*$", output, re.M)))
            if warnings:
                shown = "; ".join(w.split(" WARNING ", 1)[1][:160] for w in warnings[:3])
                run.notes.append(f"server warnings ({s['log_warnings']}): {shown}")
            if s["tracebacks"] or s["log_errors"]:
                first = output[output.find("Traceback") :][:1500] if s["tracebacks"] else ""
                run.notes.append(f"server log excerpt: {first}")
        if db is not None:
            db.close()
        drop()


def _path(url: str) -> str:
    """The path of a response_url, as the fake records posts to it."""
    return urlsplit(url).path.rstrip("/")


def verify(
    run: Run,
    fake: StandinSlack,
    db: Db,
    round_id: int,
    ts: str,
    users: list[str],
    answers: list[Answer],
    n_people: int,
) -> None:
    """Count with SQL and compare the final message, the thread reply and the agreement."""
    s, c = run.s, run.checks
    sent = Counter(a.position for a in answers)
    rows = db.all("SELECT user_id, position FROM round_answers WHERE round_id = :r", r=round_id)
    stored = Counter(r.position for r in rows)
    s["stored"] = len(rows)
    s["stored_distinct"] = len({r.user_id for r in rows})
    s["stored_consent"] = stored.get("consent", 0)
    s["stored_concern"] = stored.get("concern", 0)
    c["stored"] = (
        len(rows) == len(users)
        and {r.user_id for r in rows} == set(users)
        and stored == Counter({k: v for k, v in sent.items()})
    )

    rnd = db.one(
        "SELECT status, outcome, seq, rendered_seq FROM consent_rounds WHERE id = :r", r=round_id
    )
    s["status"], s["outcome"] = rnd.status, rnd.outcome
    agreement = db.one(
        "SELECT number, answers, concerns FROM agreements WHERE round_id = :r", r=round_id
    )
    s["agreement"] = agreement.number if agreement else None
    agreed_ok = False
    if agreement is not None:
        record = json.loads(agreement.answers or "{}")
        positions = Counter(v["position"] for v in record.get("answers", {}).values())
        concerns = json.loads(agreement.concerns or "[]")
        s["agreement_positions"] = dict(positions)
        agreed_ok = (
            len(record.get("participants", [])) == n_people
            and positions == Counter({k: v for k, v in sent.items()})
            and len(concerns) == sent.get("concern", 0)
            and all(x.get("reason") == CONCERN_REASON for x in concerns)
        )

    final = message_text(find_message(fake, ts))
    reply = next(
        (m for m in fake.messages_in(CHANNEL) if m.get("thread_ts") == ts and m["ts"] != ts), None
    )
    expect_line = f"{len(users)} of {n_people} answered"
    message_ok = (
        "Consented." in final
        and (f"Agreement #{agreement.number}" in final if agreement else False)
        and expect_line in final
        and ("*Concerns*" in final) == bool(sent.get("concern"))
        and "Did not answer" in final
        and f"<@{AUTHOR}>" in final  # the only silent participant
        and ids.ACT_ANSWER_CONSENT not in final  # no buttons left on a closed round
    )
    s["final_line"] = expect_line if expect_line in final else "(missing)"
    s["thread_reply"] = bool(reply and "Consented." in message_text(reply))
    c["tally"] = (
        rnd.status == "closed"
        and rnd.outcome == "consented"
        and agreed_ok
        and message_ok
        and s["thread_reply"]
        and rnd.seq == rnd.rendered_seq
    )
    if not c["tally"]:
        run.notes.append(
            f"tally check: status={rnd.status} outcome={rnd.outcome} agreement_ok={agreed_ok} "
            f"message_ok={message_ok} thread_reply={s['thread_reply']} "
            f"seq={rnd.seq} rendered_seq={rnd.rendered_seq}"
        )

    updates = update_calls(fake, ts)
    t_first = updates[0].at if updates else 0.0
    s["updates"] = len(updates)
    s["updates_ok"] = sum(u.ok for u in updates)
    s["update_timeline"] = [f"+{u.at - t_first:.1f}s {shown_count(u)}" for u in updates]
    open_updates = [u for u in updates if shown_count(u) != "closed"]
    s["early_updates"] = sum(  # the coalescing interval is 5 s (bot.services.consent)
        b.at - a.at < 4.5 for a, b in zip(open_updates, open_updates[1:], strict=False)
    )
    c["updates"] = len(updates) <= MAX_UPDATES
    c["p99"] = s["p99"] < P99_TARGET_MS
    c["errors"] = s["errors"] == 0
    c["window"] = s["answered_within_s"] <= run.args.seconds + 1.0  # 1 s grace for the last ack


# ------------------------------------------------------------------ report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def table(run: Run) -> list[str]:
    s, c = run.s, run.checks
    return [
        "| figure | value | target | result |",
        "|---|---:|---:|---|",
        f"| answers sent / acked 200 | {s['sent']} / {s['acked']} | all | {verdict(c['errors'])} |",
        f"| p50 ack (ms) | {fmt(s['p50'])} | — | — |",
        f"| p99 ack (ms) | {fmt(s['p99'])} | < {P99_TARGET_MS:.0f} | {verdict(c['p99'])} |",
        f"| p50 / p99 send → response only (ms) | {fmt(s['raw_p50'])} / {fmt(s['raw_p99'])} "
        "| — | — |",
        f"| all answers acked within (s) | {s['answered_within_s']:.1f} "
        f"({s['answers_per_s']:.0f} answers/s) | {run.args.seconds:g} "
        f"| {verdict(c['window'])} |",
        f"| answers stored (SQL) | {s['stored']} ({s['stored_distinct']} distinct people; "
        f"{s['stored_consent']} consent, {s['stored_concern']} concern) "
        f"| exactly {run.args.participants} | {verdict(c['stored'])} |",
        f"| final tally | {s['outcome'] or s['status']}, agreement #{s['agreement']}, "
        f"“{s['final_line']}” | consented, right counts | {verdict(c['tally'])} |",
        f"| `chat.update` calls on the round | {s['updates']} ({s['updates_ok']} ok) "
        f"| ≤ {MAX_UPDATES} | {verdict(c['updates'])} |",
        f"| people confirmed | {s.get('confirmed', 0)} ({s.get('confirmed_respond', 0)} through "
        f"the response_url, {s.get('confirmed_ephemeral', 0)} by chat.postEphemeral) "
        f"| {run.args.participants} | {verdict(c.get('confirmed', False))} |",
        f"| Slack calls answered 429 (tier-enforcing fake) | {s.get('limited', 0)} of "
        f"{s.get('calls_during_run', 0)} {s.get('limited_by') or ''} | < 1% "
        f"| {verdict(c.get('limited', False))} |",
    ]


def detail_lines(run: Run) -> list[str]:
    s = run.s
    lines = [
        f"- Send → response by request: Consent button p99 {fmt(s['p99_consent'])} ms; reason "
        f"modal submission p99 {fmt(s['p99_concern'])} ms; Concern button (opens the modal, "
        f"stores nothing) p99 {fmt(s['p99_concern_button'])} ms; p90 {fmt(s['p90'])} ms, "
        f"max {fmt(s['max'])} ms over all answers (from the click); wait for a free sender "
        f"(the server behind schedule) p99 {fmt(s['lag_p99'])} ms.",
        f"- Reason modal opened {fmt(s['modal_wait_p50'])} ms (p50) / "
        f"{fmt(s['modal_wait_p99'])} ms (p99) after the Concern button's ack.",
        f"- Last answer acked {s['answered_within_s']:.1f} s after the first was due "
        f"(burst window {run.args.seconds:g} s); the round message showed every answer "
        f"{fmt(s['caught_up_s'])} s after the burst; closed message and thread reply "
        f"{fmt(s['closed_s'])} s after “Close now” (ack {fmt(s['close_ack_ms'])} ms).",
        f"- Round start: `/consent` ack {fmt(s['consent_cmd_ms'])} ms, modal submission ack "
        f"{fmt(s['modal_submit_ms'])} ms, round posted {s['round_posted_s']:.1f} s after the "
        f"command with {s['participants_db']} participants; server startup "
        f"{s['startup_s']:.1f} s.",
        f"- `chat.update` on the round message ({s['updates_open']} while open), time from the "
        f"first and the count shown: {', '.join(s['update_timeline']) or 'none'}; "
        f"{s['early_updates']} of them came less than 4.5 s after the previous open-round "
        "update (the renderer coalesces to one per 5 s).",
        f"- Slack calls during the burst and after: {s['calls_during_run']} "
        f"({s['users_info']} users.info in the whole run); confirmations: {s['responses']} "
        f"through response_urls (not Web API calls), {s['ephemerals']} ephemeral; "
        f"server log: {s['tracebacks']} tracebacks, {s['log_errors']} ERROR "
        f"lines, {s['log_warnings']} WARNING lines; fake contract violations: "
        f"{s['fake_errors']}.",
    ]
    cpu = s.get("cpu") or {}
    if cpu:
        lines.append(
            f"- CPU during the burst, in cores busy on average ({os.cpu_count()} cores): "
            f"`s3bot serve` {cpu['server']:.2f}, PostgreSQL {cpu['postgres']:.2f}, load "
            f"generator + Slack fake {cpu['bench']:.2f}, rest of the machine "
            f"{max(cpu['other'], 0.0):.2f}; machine total {cpu['machine']:.2f}."
        )
    if cpu and cpu["other"] > 0.25:
        lines.append(
            f"- Other processes on the machine used {cpu['other']:.2f} cores during the burst "
            "(work outside this benchmark), so the server had less CPU than on a quiet machine."
        )
    if s["error_kinds"]:
        kinds = "; ".join(f"{k} ×{n}" for k, n in s["error_kinds"])
        lines.append(f"- Request errors: {kinds}.")
    for note in run.notes:
        lines.append(f"- Note: {note}")
    return lines


def section(run: Run, command: str) -> str:
    args, c = run.args, run.checks
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    overall = all(c.values())
    body = [
        SECTION,
        "",
        f"Command: `{command}`  ",
        f"Date: {now}  ",
        f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; server, PostgreSQL, load generator and Slack "
        "fake share it.",
        "",
        f"`s3bot serve --workers {args.workers}` (gunicorn gthread, 16 threads each, scheduler on) "
        "on PostgreSQL, "
        f"against the in-process Slack fake. The author starts a round with `/consent` and "
        f"the modal (everyone in the channel takes part: {args.participants} people and the "
        f"author; answers hidden). Then {args.participants} distinct participants answer "
        f"with signed HTTP requests evenly spread over {args.seconds:g} s (open loop, "
        f"keep-alive connections): {args.participants - args.concerns} press Consent, "
        f"{args.concerns} press Concern and send the reason modal the bot opened. Ack "
        "latency: from the moment the person clicks (the schedule) to the HTTP response of "
        "the request that stores the answer (the Consent button, the reason modal's "
        "submission); it includes any time the request waited for one of the 64 senders "
        "when the server fell behind, so a slow server cannot hide its backlog. After the round message has caught "
        "up, the author presses “Close now”; answers are counted with SQL, the closed "
        "message, the thread reply and the agreement's record are compared with the answers "
        "sent, and the `chat.update` calls on the round's message are counted.",
        "",
        *table(run),
        "",
        f"**Overall: {verdict(overall)}** — targets: p99 ack < {P99_TARGET_MS:.0f} ms, at most "
        f"{MAX_UPDATES} `chat.update` calls for the round, exactly {args.participants} answers "
        f"stored, a correct final message; every request acked and all answers in within "
        f"{args.seconds:g} s (+1 s grace for the last ack).",
        "",
        "Details:",
        "",
        *detail_lines(run),
        "",
    ]
    return "\n".join(body)


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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--participants", type=int, default=1000, help="answering people (1000)")
    p.add_argument("--seconds", type=float, default=10.0, help="burst duration (default 10)")
    p.add_argument("--concerns", type=int, default=100, help="of them answer Concern (100)")
    p.add_argument("--max-settle", type=float, default=30.0, help="bounded waits (s, default 30)")
    p.add_argument("--log-level", default="INFO", help="LOG_LEVEL of the server (default INFO)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2: the cores)")
    p.add_argument("--write", type=Path, help="replace the section in this Markdown file")
    args = p.parse_args(argv)
    if not 1 <= args.participants <= MAX_PARTICIPANTS:
        p.error(f"--participants must be in 1..{MAX_PARTICIPANTS}")
    if not 0 <= args.concerns <= args.participants:
        p.error("--concerns must be in 0..participants")
    if not 0 < args.seconds <= 120 or not 0 < args.max_settle <= 60:
        p.error("--seconds must be in (0, 120] and --max-settle in (0, 60]")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    command = shlex.join([".venv/bin/python", *sys.argv]) if argv is None else "(in-process)"
    run = Run(args)
    methods = ROOT.parent / "shared" / "slack" / "methods"
    if not methods.is_dir():
        print(
            f"benchmark needs Slack's method reference (rate tiers) at {methods}", file=sys.stderr
        )
        return 1
    fake = StandinSlack(tiers=tiers_from(methods)).start()  # 429 beyond Slack's tiers
    try:
        with tempfile.TemporaryDirectory(prefix="s3bot-bench-") as tmp:
            run_bench(run, fake, Path(tmp))
    except (RuntimeError, TimeoutError) as exc:  # the run could not go on: say why, write nothing
        print(f"\nbenchmark aborted: {exc}", file=sys.stderr)
        print(f"fake contract violations: {fake.errors[:5]}", file=sys.stderr)
        print(f"server log (tail):\n{run.s.get('log_tail', '')}", file=sys.stderr)
        return 1
    finally:
        fake.stop()

    print()
    print("\n".join(table(run)))
    print()
    print("\n".join(detail_lines(run)))
    print(
        f"\noverall: {verdict(all(run.checks.values()))} (total {time.monotonic() - started:.0f} s)"
    )
    if args.write:
        write_section(args.write, section(run, command))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
