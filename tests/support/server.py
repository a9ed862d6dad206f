"""A served bot: `s3bot serve` in a subprocess, for the end-to-end tests."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.harness import SECRET


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - loopback only
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def children(pid: int) -> list[int]:
    """The ids of the processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == str(pid):
            found.append(int(entry.name))
    return found


class Server:
    """A `s3bot serve` subprocess."""

    def __init__(
        self, db_url: str, api_url: str, tmp: Path, settings: dict[str, str | None] | None = None
    ) -> None:
        """Start it; `settings` sets variables, or removes those given as None."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
        env.update(
            SLACK_BOT_TOKEN="xoxb-serve-test",
            SLACK_SIGNING_SECRET=SECRET,
            DATABASE_URL=db_url,
            SLACK_API_URL=api_url,
            LOG_LEVEL="WARNING",
        )
        for name, value in (settings or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        self.log = (tmp / f"serve-{self.port}.log").open("w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            cwd=tmp,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if get_json(self.url + "/healthz")[0] in (200, 503):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        self.log.seek(0)
        raise AssertionError("s3bot serve did not start:\n" + self.log.read())

    def kill_9(self) -> None:
        """SIGKILL gunicorn's master and its workers: no graceful shutdown, no draining."""
        pid = self.proc.pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGSTOP)  # no new worker may be forked meanwhile
            for child in children(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.seek(0)
        return self.log.read()
