"""The baseline of the /tension ack benchmark: a bare Bolt app whose listener only acks.

Served exactly like `s3bot serve` (gunicorn, gthread, --workers N, 16 threads; the
options mirror `bot.runtime.server.run_gunicorn`), so the only difference from the bot is
what the app does per request.

    SLACK_SIGNING_SECRET=... SLACK_API_URL=http://127.0.0.1:PORT/api/ \\
        .venv/bin/python bench/bare_app.py --host 127.0.0.1 --port 3001

Bolt calls auth.test on the first request; point SLACK_API_URL at the Slack fake.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication

BOT_TOKEN = "xoxb-bench"  # a fake token; the fake Slack only checks the prefix


def build_app() -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """The WSGI app: POST /slack/events goes to a Bolt app that only acks /tension."""
    from slack_bolt import Ack, App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token=BOT_TOKEN, base_url=os.environ["SLACK_API_URL"]),
        token_verification_enabled=False,
        process_before_response=False,
    )

    @app.command("/tension")
    def on_tension(ack: Ack) -> None:
        ack()

    return SlackRequestHandler(app)


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The same gunicorn settings `s3bot serve` uses (see bot/runtime/server.py)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": os.environ.get("LOG_LEVEL", "INFO").lower(),
        "control_socket_disable": True,
    }


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return build_app()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    _Gunicorn(gunicorn_options(args.host, args.port, args.workers, args.threads)).run()


if __name__ == "__main__":
    main()
