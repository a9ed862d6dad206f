"""Plumbing for tests that run several bot processes against one PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.deps import Deps, build_deps
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from tests.support.db import ROOT, truncate_all
from tests.support.harness import SECRET, settings_for

PROCESS_TIMEOUT = 60  # seconds any one subprocess may take

# Runs `python -m bot tick` once a "go" file appears, so several processes start their
# sweeps within a millisecond of each other (imports and start-up are done before).
NOT_AHEAD = timedelta(0)
TICK_AT_SIGNAL = """\
import os, runpy, sys, time
from datetime import timedelta
import bot.app, bot.cli, bot.delivery.outbox, bot.deps, bot.scheduler  # warm up
from bot.domain.clock import utcnow
ready, go = sys.argv[1], sys.argv[2]
ahead = timedelta(seconds=float(sys.argv[3]))  # the clock the test set the scene at
bot.deps.utcnow = lambda: utcnow() + ahead
open(ready, "w").close()
deadline = time.monotonic() + 30
while not os.path.exists(go):
    if time.monotonic() > deadline:
        sys.exit(97)
    time.sleep(0.0005)
sys.argv = ["bot", "tick"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """The session's PostgreSQL database, migrated and emptied."""
    engine = make_engine(pg_database)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    truncate_all(pg_database)
    return pg_database


@pytest.fixture
def deps(pg_url: str, fake) -> Iterator[Deps]:
    """This test process's own view of the store and of the fake (real clock)."""
    d = build_deps(settings_for(pg_url, fake))
    try:
        yield d
    finally:
        d.engine.dispose()


def tick_env(db_url: str, fake) -> dict[str, str]:
    """The environment of a bot process pointed at `db_url` and the fake."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(
        SLACK_BOT_TOKEN="xoxb-replica-test",
        SLACK_SIGNING_SECRET=SECRET,
        DATABASE_URL=db_url,
        SLACK_API_URL=fake.url,
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
    )
    return env


@dataclass
class Run:
    """A finished subprocess: its exit code and its stdout and stderr together."""

    returncode: int
    output: str

    def counts(self) -> dict[str, int]:
        """The `sweep: count` lines `s3bot tick` prints."""
        found = {}
        for line in self.output.splitlines():
            name, sep, value = line.partition(": ")
            if sep and value.strip().lstrip("-").isdigit():
                found[name.strip()] = int(value)
        return found

    def check_clean(self) -> None:
        assert self.returncode == 0, self.output
        assert "Traceback" not in self.output, self.output


def run_ticks(
    n: int, db_url: str, fake, tmp: Path, *, together: bool = True,
    ahead: timedelta = NOT_AHEAD,
) -> list[Run]:  # fmt: skip
    """Run `n` `python -m bot tick` processes at once and wait for all of them (bounded).

    together=True releases their sweeps within a millisecond of each other (a "go"
    file, after start-up), their clocks `ahead` of the real one; together=False launches
    `python -m bot tick` n times.
    """
    stamp = time.monotonic_ns()
    env = tick_env(db_url, fake)
    logs = [tmp / f"tick-{stamp}-{i}.log" for i in range(n)]
    procs: list[subprocess.Popen] = []
    try:
        if together:
            script = tmp / "tick_at_signal.py"
            script.write_text(TICK_AT_SIGNAL)
            go = tmp / f"go-{stamp}"
            ready = [tmp / f"ready-{stamp}-{i}" for i in range(n)]
            argv = [
                [sys.executable, str(script), str(r), str(go), str(ahead.total_seconds())]
                for r in ready
            ]
        else:
            argv = [[sys.executable, "-m", "bot", "tick"]] * n
        for args, log in zip(argv, logs, strict=True):
            with log.open("w") as out:
                procs.append(
                    subprocess.Popen(args, env=env, cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
                )
        if together:
            deadline = time.monotonic() + PROCESS_TIMEOUT
            while not all(r.exists() for r in ready):
                dead = [p for p in procs if p.poll() is not None]
                assert not dead and time.monotonic() < deadline, (
                    "tick processes did not start:\n" + "\n".join(log.read_text() for log in logs)
                )
                time.sleep(0.01)
            go.touch()
        runs = []
        deadline = time.monotonic() + PROCESS_TIMEOUT
        for proc, log in zip(procs, logs, strict=True):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise AssertionError(f"tick did not finish:\n{log.read_text()}") from None
            runs.append(Run(proc.returncode, log.read_text()))
        return runs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
