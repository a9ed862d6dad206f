"""The HTTP face of the bot: one Slack endpoint and a health check, as a WSGI app."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from bot.store.db import ping

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]


def make_wsgi_app(
    app: App, engine: Engine
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Route POST /slack/events to Bolt and GET /healthz to a database check."""
    slack = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == SLACK_PATH:
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "POST only"})
            if not environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "").isdigit():
                # Bolt would fail on a non-numeric timestamp; it is unsigned either way.
                return _json(start_response, "401 Unauthorized", {"error": "invalid request"})
            return slack(environ, start_response)
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            if ping(engine):
                return _json(start_response, "200 OK", {"status": "ok"})
            return _json(
                start_response, "503 Service Unavailable", {"status": "database unavailable"}
            )
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


def _json(start_response: StartResponse, status: str, payload: dict[str, str]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
