"""Benchmark: how fast does `/tension` get its ack, compared with a bare Bolt app?

    .venv/bin/python bench/tension_ack.py [--rate 50] [--seconds 20] [--write docs/benchmarks.md]

The demo's stand-in for Slack (bot/demo/standin.py) runs in this process. For each
target (a bare Bolt app that only acks, `s3bot serve` on SQLite, `s3bot serve` on
PostgreSQL) a server subprocess is started on a free loopback port and then:

1. warmed up (a few signed /tension commands: auth.test, the users.info cache, pools);
2. an open-loop run: requests are fired on a fixed schedule (`--rate` per second for
   `--seconds`) from a thread pool whether or not earlier ones have finished, and the
   ack latency of each (send -> HTTP response) is recorded;
3. a closed-loop run: `--concurrency` senders on keep-alive connections send back to
   back for `--rounds` rounds of `--closed-seconds`; the median round's rate is the
   throughput;
4. for the bot: a bounded wait until the background work (after the ack) settles, then
   the `backlog_items` row count is compared with the number of accepted commands.

Nothing here talks to the internet and no real Slack token is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import os
import platform
import re
import secrets
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bot.demo.driver import SlackDriver  # noqa: E402
from bot.demo.standin import StandinSlack  # noqa: E402

SECTION = "## /tension ack latency (issue: foundation)"
DOC_TITLE = "# Benchmarks"
DOC_INTRO = (
    "Performance measurements of the bot, each produced by a script under `bench/` that "
    "starts the real server on loopback against the built-in Slack fake (no internet, no "
    "real Slack token). Figures are only as good as the machine they ran on: compare "
    "targets within one run rather than across runs."
)
SECRET = "bench-signing-secret-" + secrets.token_hex(8)
TEAM = "T0001"  # the fake's team
USERS = [f"U0BENCH{i:02d}" for i in range(8)]
CHANNELS = [f"C0BENCH{i:02d}" for i in range(4)]
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
P99_TARGET_MS = 100.0
THROUGHPUT_TARGET = 0.70
FORM = "application/x-www-form-urlencoded"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
PATH = "/slack/events"
MAX_OPEN_REQUESTS = 20_000  # bounds on every loop
MAX_CLOSED_REQUESTS_PER_SENDER = 20_000


# ------------------------------------------------------------------ requests


class Commands:
    """Builds signed `/tension` slash command bodies the way Slack sends them."""

    def __init__(self, driver: SlackDriver, hooks_url: str, label: str) -> None:
        self.driver = driver
        self.hooks_url = hooks_url
        self.label = label
        self._seq = itertools.count(1)

    def body(self) -> str:
        """A fresh command body: distinct text, users and channels in rotation."""
        n = next(self._seq)
        user = USERS[n % len(USERS)]
        channel = CHANNELS[(n // len(USERS)) % len(CHANNELS)]
        fields = {
            "token": "fake-verification-token",
            "team_id": TEAM,
            "team_domain": "demo-team",
            "channel_id": channel,
            "channel_name": channel.lower(),
            "user_id": user,
            "user_name": user.lower(),
            "command": "/tension",
            "text": f"Bench {self.label} #{n}: handovers between shifts get lost",
            "api_app_id": "A0001",
            "is_enterprise_install": "false",
            "response_url": f"{self.hooks_url}commands/{TEAM}/{n}/{secrets.token_hex(12)}",
            "trigger_id": f"{int(time.time())}.{n}.{secrets.token_hex(16)}",
        }
        return urlencode(fields)

    def headers(self, body: str) -> dict[str, str]:
        """Slack's headers with a fresh signature."""
        return {"Content-Type": FORM, "User-Agent": USER_AGENT, **self.driver.sign(body)}


@dataclass
class Result:
    """One request: HTTP status (0 = transport error), latency and schedule lag in seconds."""

    status: int
    latency: float
    lag: float = 0.0
    error: str | None = None


class ConnPool:
    """Keep-alive HTTP connections to one server, reused most-recent first."""

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.port = port
        self.timeout = timeout
        self._free: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def new(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def get(self) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            if self._free:
                return self._free.pop(), True
        return self.new(), False

    def put(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._free.append(conn)

    def close(self) -> None:
        with self._lock:
            conns, self._free = self._free, []
        for conn in conns:
            conn.close()


_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def post(
    conn: http.client.HTTPConnection, body: bytes, headers: dict[str, str]
) -> tuple[int, bool]:
    """Send one request on `conn`; return the status and whether the connection stays open."""
    conn.request("POST", PATH, body=body, headers=headers)
    resp = conn.getresponse()
    resp.read()
    return resp.status, not resp.will_close


def send(pool: ConnPool, commands: Commands, body: str, lag: float = 0.0) -> Result:
    """Send one signed command; a keep-alive connection the server closed is retried once."""
    data = body.encode()
    headers = commands.headers(body)
    conn, reused = pool.get()
    t0 = time.perf_counter()
    for attempt in (1, 2):
        try:
            status, keep = post(conn, data, headers)
        except _STALE as exc:
            conn.close()
            if reused and attempt == 1:  # the server dropped an idle connection: not counted
                conn, reused = pool.new(), False
                continue
            return Result(0, time.perf_counter() - t0, lag, repr(exc))
        except OSError as exc:
            conn.close()
            return Result(0, time.perf_counter() - t0, lag, repr(exc))
        latency = time.perf_counter() - t0
        if keep:
            pool.put(conn)
        else:
            conn.close()
        return Result(status, latency, lag, None if status == 200 else f"HTTP {status}")
    raise AssertionError("unreachable")


def open_loop(port: int, commands: Commands, rate: float, seconds: float) -> list[Result]:
    """Fire `rate` requests per second for `seconds` on schedule, from a thread pool."""
    n = min(int(rate * seconds), MAX_OPEN_REQUESTS)
    bodies = [commands.body() for _ in range(n)]
    pool = ConnPool(port)
    results: list[Result | None] = [None] * n

    def one(i: int, due: float) -> None:
        lag = time.perf_counter() - due
        results[i] = send(pool, commands, bodies[i], lag)

    futures = []
    with ThreadPoolExecutor(max_workers=64, thread_name_prefix="open-loop") as executor:
        start = time.perf_counter() + 0.05
        for i in range(n):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(executor.submit(one, i, due))
        wait_futures(futures, timeout=30)
    pool.close()
    return [r or Result(0, float("nan"), 0.0, "not finished") for r in results]


def closed_loop(port: int, commands: Commands, concurrency: int, seconds: float) -> dict[str, Any]:
    """`concurrency` senders, each on its own keep-alive connection, back to back."""
    barrier = threading.Barrier(concurrency + 1)
    per_sender: list[list[Result]] = [[] for _ in range(concurrency)]
    deadline = 0.0

    def sender(k: int) -> None:
        pool = ConnPool(port)
        barrier.wait(timeout=10)
        out = per_sender[k]
        while time.perf_counter() < deadline and len(out) < MAX_CLOSED_REQUESTS_PER_SENDER:
            out.append(send(pool, commands, commands.body()))
        pool.close()

    threads = [
        threading.Thread(target=sender, args=(k,), name=f"closed-{k}", daemon=True)
        for k in range(concurrency)
    ]
    for t in threads:
        t.start()
    start = time.perf_counter()
    deadline = start + seconds
    barrier.wait(timeout=10)
    for t in threads:
        t.join(timeout=seconds + 15)
    elapsed = time.perf_counter() - start
    results = [r for out in per_sender for r in out]
    ok = sum(r.status == 200 for r in results)
    return {"ok": ok, "sent": len(results), "elapsed": elapsed, "rps": ok / elapsed}


# ------------------------------------------------------------------ targets


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Target:
    """A server under test."""

    name: str
    kind: str  # "bare" | "sqlite" | "postgres"
    db_url: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def is_bot(self) -> bool:
        return self.kind != "bare"


class Server:
    """One target as a subprocess on a free loopback port."""

    def __init__(
        self,
        target: Target,
        api_url: str,
        workdir: Path,
        log_level: str,
        workers: int = 1,
        threads: int = 16,
    ) -> None:
        self.target = target
        self.port = free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DATABASE_URL", "LOG_LEVEL"))
        }
        env.update(SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api_url, LOG_LEVEL=log_level)
        host_port = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)]
        host_port += ["--threads", str(threads)]
        if target.is_bot:
            assert target.db_url
            env.update(SLACK_BOT_TOKEN="xoxb-bench-not-a-real-token", DATABASE_URL=target.db_url)
            script = Path(sys.executable).parent / "s3bot"
            cmd = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
            cmd += ["serve", *host_port]
        else:
            cmd = [sys.executable, str(ROOT / "bench" / "bare_app.py"), *host_port]
        self.log_path = workdir / f"{target.kind}-{self.port}.log"
        self._log = self.log_path.open("w+")
        self.proc = subprocess.Popen(
            cmd, env=env, cwd=workdir, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 40.0) -> float:
        """Wait for /healthz (bot) or the open port (bare app); return the seconds it took."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if self.target.is_bot:
                    url = f"http://127.0.0.1:{self.port}/healthz"
                    with urllib.request.urlopen(url, timeout=2) as r:
                        if r.status == 200:
                            return time.monotonic() - t0
                else:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.1)
        output = self.stop()
        raise RuntimeError(f"{self.target.name} did not start:\n{output[-4000:]}")

    def stop(self) -> str:
        """SIGTERM, wait (bounded), and return the server's output."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.flush()
        self._log.seek(0)
        output = self._log.read()
        self._log.close()
        return output


def make_pg_db() -> tuple[str, Callable[[], None]]:
    """Create a throwaway PostgreSQL database; return its URL and a function dropping it."""
    name = f"s3bot_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()

    return f"postgresql://postgres@127.0.0.1:5432/{name}", drop


def count_rows(db_url: str) -> tuple[int, int]:
    """Rows in backlog_items, and how many of them are linked to their announcement."""
    from bot.store.db import normalise_url

    engine = create_engine(normalise_url(db_url))
    try:
        with engine.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM backlog_items")).scalar_one()
            linked = conn.execute(
                text("SELECT count(*) FROM backlog_items WHERE message_ts IS NOT NULL")
            ).scalar_one()
            return int(total), int(linked)
    finally:
        engine.dispose()


def settle(
    fake: StandinSlack, *, quiet: float, max_wait: float, done: Callable[[], bool] | None = None
) -> float:
    """Wait until the fake sees no new calls for `quiet` s (and `done()`), at most `max_wait` s."""
    t0 = time.monotonic()
    last = len(fake.calls)
    last_change = t0
    while time.monotonic() - t0 < max_wait:
        time.sleep(0.1)
        now = len(fake.calls)
        if now != last:
            last, last_change = now, time.monotonic()
        if time.monotonic() - last_change >= quiet and (done is None or done()):
            break
    return time.monotonic() - t0


# ------------------------------------------------------------------ the run


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def run_target(target: Target, fake: StandinSlack, args: argparse.Namespace, workdir: Path) -> None:
    """Start, warm up, measure, settle, stop; the figures go to `target.stats`."""
    fake.reset()
    server = Server(target, fake.url, workdir, args.log_level, args.workers, args.threads)
    s = target.stats
    try:
        s["startup_s"] = server.wait_ready()
        driver = SlackDriver(SECRET, url=f"http://127.0.0.1:{server.port}", team_id=TEAM)
        commands = Commands(driver, fake.hooks_url, target.kind)
        accepted = 0

        pool = ConnPool(server.port)
        warm = [send(pool, commands, commands.body()) for _ in range(args.warmup)]
        pool.close()
        accepted += sum(r.status == 200 for r in warm)
        s["warmup_errors"] = sum(r.status != 200 for r in warm)
        settle(fake, quiet=0.5, max_wait=10)

        print(f"  open loop: {args.rate:g}/s for {args.seconds:g} s ...", flush=True)
        results = open_loop(server.port, commands, args.rate, args.seconds)
        ok = [r for r in results if r.status == 200]
        accepted += len(ok)
        latencies = [r.latency * 1000 for r in ok] or [float("nan")]
        s["sent"] = len(results)
        s["errors"] = len(results) - len(ok)
        s["error_kinds"] = sorted({r.error or "" for r in results if r.status != 200})
        s["p50"] = percentile(latencies, 50)
        s["p90"] = percentile(latencies, 90)
        s["p99"] = percentile(latencies, 99)
        s["max"] = max(latencies)
        s["lag_p99"] = percentile([r.lag * 1000 for r in results], 99)
        s["settle_open_s"] = settle(fake, quiet=0.5, max_wait=20)

        rounds = []
        for k in range(args.rounds):
            print(
                f"  closed loop round {k + 1}/{args.rounds}: {args.concurrency} senders "
                f"for {args.closed_seconds:g} s ...",
                flush=True,
            )
            rounds.append(closed_loop(server.port, commands, args.concurrency, args.closed_seconds))
            accepted += rounds[-1]["ok"]
            s["errors"] += rounds[-1]["sent"] - rounds[-1]["ok"]
            settle(fake, quiet=0.3, max_wait=15)
        s["rounds_rps"] = [r["rps"] for r in rounds]
        s["rps"] = statistics.median(s["rounds_rps"])
        s["accepted"] = accepted

        if target.is_bot:
            assert target.db_url
            db_url = target.db_url

            def all_stored() -> bool:
                return count_rows(db_url)[0] >= accepted

            s["settle_end_s"] = settle(fake, quiet=1.0, max_wait=args.max_settle, done=all_stored)
            s["stored"], s["linked"] = count_rows(db_url)
            s["posted"] = sum(c.ok for c in fake.calls_to("chat.postMessage"))
            s["users_info"] = len(fake.calls_to("users.info"))
        s["fake_errors"] = len(fake.errors)
    finally:
        output = server.stop()
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
            (args.logs / f"{target.kind}.log").write_text(output)
        s["tracebacks"] = output.count("Traceback")
        s["log_errors"] = len(re.findall(r" (?:ERROR|CRITICAL) ", output))
        s["log_lines"] = output.count("\n")


def ratio(a: float, b: float) -> float:
    """a / b, NaN when b is zero (a target that failed outright)."""
    return a / b if b else float("nan")


def fmt(x: float, digits: int = 1) -> str:
    return "n/a" if x != x else f"{x:.{digits}f}"  # NaN check


def verdicts(target: Target, bare: Target) -> dict[str, bool]:
    s, b = target.stats, bare.stats
    return {
        "p99": s["p99"] < P99_TARGET_MS,
        "throughput": ratio(s["rps"], b["rps"]) >= THROUGHPUT_TARGET,
        "integrity": s["errors"] == 0 and (not target.is_bot or s["stored"] == s["accepted"]),
    }


def table(targets: list[Target]) -> list[str]:
    """The results as Markdown table lines."""
    bare = targets[0]
    b = bare.stats
    lines = [
        "| target | p50 ack (ms) | p99 ack (ms) | p50 ratio | p99 ratio | throughput (req/s) "
        "| throughput ratio | errors | stored / accepted |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in targets:
        s = t.stats
        stored = f"{s['stored']} / {s['accepted']}" if t.is_bot else "—"
        lines.append(
            f"| {t.name} | {fmt(s['p50'])} | {fmt(s['p99'])} | {fmt(ratio(s['p50'], b['p50']), 2)} "
            f"| {fmt(ratio(s['p99'], b['p99']), 2)} | {s['rps']:.0f} "
            f"| {fmt(ratio(s['rps'], b['rps']), 2)} "
            f"| {s['errors']} | {stored} |"
        )
    return lines


def verdict_lines(targets: list[Target], rate: float) -> list[str]:
    bare = targets[0]
    lines = []
    for t in targets:
        v = verdicts(t, bare)
        s = t.stats
        p99 = "PASS" if v["p99"] else "FAIL"
        thr = "PASS" if v["throughput"] else "FAIL"
        overall = "PASS" if v["p99"] and v["throughput"] else "FAIL"
        extra = ""
        if not v["integrity"]:
            extra = f"; integrity FAIL ({s['errors']} errors"
            if t.is_bot:
                extra += f", {s['stored']} of {s['accepted']} accepted tensions stored"
            extra += ")"
        lines.append(
            f"- **{t.name}: {overall}** — p99 {fmt(s['p99'])} ms at {rate:g} req/s "
            f"(< {P99_TARGET_MS:.0f} ms: {p99}); throughput {s['rps']:.0f} req/s = "
            f"{fmt(100 * ratio(s['rps'], bare.stats['rps']), 0)}% of the bare app "
            f"(≥ {THROUGHPUT_TARGET:.0%}: {thr}){extra}"
        )
    return lines


def detail_lines(targets: list[Target]) -> list[str]:
    lines = []
    for t in targets:
        s = t.stats
        rounds = ", ".join(f"{r:.0f}" for r in s["rounds_rps"])
        line = (
            f"- {t.name}: p90 {fmt(s['p90'])} ms, max {fmt(s['max'])} ms, "
            f"client schedule lag p99 {fmt(s['lag_p99'])} ms; closed-loop rounds {rounds} req/s; "
            f"startup {s['startup_s']:.1f} s"
        )
        if t.is_bot:
            line += (
                f"; {s['posted']} announcements posted, {s['linked']} rows linked to them, "
                f"{s['users_info']} users.info calls; background settled "
                f"{s['settle_end_s']:.1f} s after the last ack"
            )
        if s["error_kinds"]:
            line += f"; error kinds: {', '.join(s['error_kinds'])}"
        if s["tracebacks"] or s["log_errors"] or s["fake_errors"]:
            line += (
                f"; server log: {s['tracebacks']} tracebacks, {s['log_errors']} ERROR lines; "
                f"fake contract violations: {s['fake_errors']}"
            )
        lines.append(line)
    return lines


def section(targets: list[Target], args: argparse.Namespace, command: str) -> str:
    """The Markdown section for docs/benchmarks.md."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    body = [
        SECTION,
        "",
        f"Command: `{command}`  ",
        f"Date: {now}  ",
        f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; server, load generator and Slack fake share it.",
        "",
        f"Each target is served by gunicorn (gthread, {args.workers} worker(s) — one per core — "
        f"and {args.threads} threads each, as `s3bot serve --workers N --threads M` runs) on "
        "loopback against the in-process Slack fake. Latency: open loop, "
        f"{args.rate:g} signed `/tension` commands per second for {args.seconds:g} s (sent on "
        "schedule whatever earlier ones do), time from sending to the HTTP response. "
        f"Throughput: closed loop, {args.concurrency} senders on keep-alive connections, median "
        f"of {args.rounds} rounds of {args.closed_seconds:g} s. Ratios are target / bare app. "
        "Stored: `backlog_items` rows after the background work settled, against the "
        "commands acked with 200 (warm-up included).",
        "",
        *table(targets),
        "",
        f"Targets: at {args.rate:g} requests/s p99 ack < {P99_TARGET_MS:.0f} ms; throughput "
        f"≥ {THROUGHPUT_TARGET:.0%} of the bare app.",
        "",
        *verdict_lines(targets, args.rate),
        "",
        "Details:",
        "",
        *detail_lines(targets),
        "",
    ]
    return "\n".join(body)


def write_section(path: Path, content: str) -> None:
    """Replace (or append) the section in `path`, creating the file with a title if missing."""
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
    p.add_argument("--rate", type=float, default=50.0, help="open-loop requests/s (default 50)")
    p.add_argument("--seconds", type=float, default=20.0, help="open-loop duration (default 20)")
    p.add_argument("--concurrency", type=int, default=16, help="closed-loop senders (default 16)")
    p.add_argument("--closed-seconds", type=float, default=3.0, help="per round (default 3)")
    p.add_argument("--rounds", type=int, default=3, help="closed-loop rounds (default 3)")
    p.add_argument("--warmup", type=int, default=24, help="warm-up requests (default 24)")
    p.add_argument("--max-settle", type=float, default=30.0, help="bounded wait at the end (s)")
    p.add_argument("--log-level", default="INFO", help="LOG_LEVEL of the servers (default INFO)")
    p.add_argument(
        "--workers",
        type=int,
        default=2,
        help="gunicorn workers, bot and bare app alike (default 2)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=16,
        help="gunicorn threads per worker, bot and bare app alike (default 16)",
    )
    p.add_argument(
        "--targets", default="bare,sqlite,postgres", help="comma-separated subset (bare first)"
    )
    p.add_argument("--write", type=Path, help="replace the section in this Markdown file")
    p.add_argument("--logs", type=Path, help="keep each server's log in this directory")
    args = p.parse_args(argv)
    if not 0 < args.rate <= 1000 or not 0 < args.seconds <= 120:
        p.error("--rate must be in (0, 1000] and --seconds in (0, 120]")
    if not 1 <= args.concurrency <= 64 or not 1 <= args.rounds <= 10:
        p.error("--concurrency must be in 1..64 and --rounds in 1..10")
    if "bare" not in args.targets.split(",")[:1]:
        p.error("--targets must start with bare (the ratios need it)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    command = shlex.join([".venv/bin/python", *sys.argv]) if argv is None else "(in-process)"
    wanted = args.targets.split(",")
    targets: list[Target] = []
    cleanups: list[Callable[[], None]] = []
    fake = StandinSlack().start()
    try:
        for user in USERS:
            fake.add_user(user, user.lower())
        for channel in CHANNELS:
            fake.add_channel(channel, channel.lower(), USERS)
        with tempfile.TemporaryDirectory(prefix="s3bot-bench-") as tmp:
            workdir = Path(tmp)
            for kind in wanted:
                if kind == "bare":
                    target = Target("bare Bolt app", "bare")
                elif kind == "sqlite":
                    target = Target("s3bot + SQLite", "sqlite", f"sqlite:///{workdir / 'bench.db'}")
                elif kind == "postgres":
                    url, drop = make_pg_db()
                    cleanups.append(drop)
                    target = Target("s3bot + PostgreSQL", "postgres", url)
                else:
                    raise SystemExit(f"unknown target {kind!r}")
                print(f"{target.name}:", flush=True)
                run_target(target, fake, args, workdir)
                targets.append(target)
    finally:
        fake.stop()
        for cleanup in cleanups:
            cleanup()

    print()
    print("\n".join(table(targets)))
    print()
    print("\n".join(verdict_lines(targets, args.rate)))
    print()
    print("\n".join(detail_lines(targets)))
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.write:
        write_section(args.write, section(targets, args, command))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
