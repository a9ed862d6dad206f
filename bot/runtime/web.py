"""The HTTP face of the bot: the Slack endpoint, the install pages (multi-workspace mode)
and a health check, as a WSGI app."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from bot.store.db import ping

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
BAD_REQUEST = BoltResponse(status=400, body='{"error": "malformed request"}',
                           headers={"content-type": "application/json"})  # fmt: skip


def dispatch(app: App, body: str, headers: dict[str, Any]) -> BoltResponse:
    """Hand one request to Bolt; a body Bolt cannot even read (truncated, not UTF-8, JSON of
    the wrong shape) is a clean 400, never a crash."""
    try:
        request = BoltRequest(body=body, headers=headers)
    except Exception as exc:  # noqa: BLE001 - whatever the parser trips over, the answer is 400
        log.warning("malformed request refused (%s)", type(exc).__name__)
        return BAD_REQUEST
    if problem := shape_problem(request.body):
        log.warning("malformed request refused (%s)", problem)
        return BAD_REQUEST
    return app.dispatch(request)


# Parts of a payload Bolt itself reads before any of our code runs, and the type each must have.
_SHAPES: dict[str, tuple[type, ...]] = {
    "actions": (list,),
    "view": (dict,),
    "event": (dict,),
    "team": (dict, type(None)),
    "user": (dict, str, type(None)),
    "channel": (dict, type(None)),
    "container": (dict, type(None)),
    "message": (dict, type(None)),
    "enterprise": (dict, type(None)),
}


def shape_problem(body: Any) -> str | None:
    """Why Bolt could not even route this payload (None: it can)."""
    if not isinstance(body, dict):
        return "not an object"
    for key, types in _SHAPES.items():
        if key in body and not isinstance(body[key], types):
            return f"{key} is a {type(body[key]).__name__}"
    actions = body.get("actions")
    if actions is not None and not all(isinstance(a, dict) for a in actions):
        return "an action is not an object"
    if isinstance(actions, list) and not actions and body.get("type") == "block_actions":
        return "no actions"
    return None


HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]


def make_wsgi_app(
    app: App, engine: Engine
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Route POST /slack/events to Bolt, GET /slack/install and /slack/oauth_redirect to
    Bolt's OAuth flow (when there is one) and GET /healthz to a database check."""
    slack = SlackRequestHandler(app)
    flow = app.oauth_flow
    oauth_paths = {flow.install_path, flow.redirect_uri_path} if flow is not None else set()

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path in oauth_paths:
            if method != "GET":
                return _json(start_response, "405 Method Not Allowed", {"error": "GET only"})
            return slack(environ, start_response)
        if path == SLACK_PATH:
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "POST only"})
            if not environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "").isdigit():
                # Bolt would fail on a non-numeric timestamp; it is unsigned either way.
                return _json(start_response, "401 Unauthorized", {"error": "invalid request"})
            try:
                raw = _read_body(environ)
                if problem := shape_problem(BoltRequest(body=raw, headers=_headers(environ)).body):
                    raise ValueError(problem)
                environ["wsgi.input"] = io.BytesIO(raw.encode("utf-8"))
                environ["CONTENT_LENGTH"] = str(len(raw.encode("utf-8")))
                return slack(environ, start_response)
            except Exception as exc:  # noqa: BLE001 - Bolt could not read the request at all
                log.warning("malformed request refused (%s)", type(exc).__name__)
                return _json(start_response, "400 Bad Request", {"error": "malformed request"})
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            if ping(engine):
                return _json(start_response, "200 OK", {"status": "ok"})
            return _json(
                start_response, "503 Service Unavailable", {"status": "database unavailable"}
            )
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


def _read_body(environ: dict[str, Any]) -> str:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length).decode("utf-8") if length else ""


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


def _json(start_response: StartResponse, status: str, payload: dict[str, str]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
