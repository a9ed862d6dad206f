"""A stand-in for Slack's Web API, served over loopback HTTP, for `s3bot demo`.

It keeps the workspace in memory (users, channels, messages, views) and answers the
Web API methods the bot calls, with Slack's own error codes. It checks the token but
no argument contracts and injects no faults: the tests extend it with those
(tests/fakes/slack.py).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from bot.demo.ratelimits import TierLimits
from bot.demo.world import FakeChannel, FakeUser

Args = dict[str, Any]
ApiMethod = Callable[[Args], dict[str, Any]]
# A method as `_call` runs it: with the arguments and the token.
TokenMethod = Callable[[Args, str], dict[str, Any]]

_TRUE = {"true", "1"}
_MAX_MPIM_USERS = 8
_MEMBERS_LIMIT_MAX = 1000


@dataclass
class Call:
    """One Web API call the fake answered."""

    method: str
    args: dict[str, Any]
    status: int
    response: dict[str, Any]
    at: float
    token: str | None = None  # the bearer token it came with

    @property
    def ok(self) -> bool:
        """Tell whether the answer was `ok: true`."""
        return self.status == 200 and self.response.get("ok") is True


class _ApiError(Exception):
    """An `ok: false` answer; `violation` is recorded in `StandinSlack.errors` when set."""

    def __init__(self, error: str, violation: str | None = None, status: int = 200) -> None:
        """Keep the Slack error code, the optional contract violation and the HTTP status."""
        super().__init__(error)
        self.error = error
        self.violation = violation
        self.status = status


# The public name, for methods added by extensions to answer `ok: false`.
ApiError = _ApiError


class BlocksFormatError(ValueError):
    """Raised when a `blocks` argument is not a JSON list of objects."""


def parse_blocks(raw: Any) -> list[dict[str, Any]] | None:
    """Return `blocks` as a list of dicts, accepting a JSON string, a list or None."""
    if raw is None or raw == "":
        return None
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BlocksFormatError(f"blocks is not valid JSON: {exc}") from exc
    if not isinstance(value, list) or not all(isinstance(b, dict) for b in value):
        raise BlocksFormatError("blocks must be a list of objects")
    return value


def parse_view(raw: Any) -> dict[str, Any]:
    """Return a `view` argument as a dict, accepting a JSON string or a dict."""
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BlocksFormatError(f"view is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise BlocksFormatError("view must be an object")
    return value


def _flag(args: Args, name: str) -> bool:
    """Read a boolean argument sent as JSON bool or as "true"/"1"."""
    value = args.get(name)
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.lower() in _TRUE


def _ts_key(ts: str) -> tuple[int, int]:
    """Sort key of a Slack `ts` string."""
    seconds, _, micros = ts.partition(".")
    return int(seconds or 0), int(micros or 0)


class _Server(ThreadingHTTPServer):
    """Loopback HTTP server bound to one StandinSlack."""

    daemon_threads = True

    def __init__(self, fake: StandinSlack) -> None:
        """Bind an ephemeral port on 127.0.0.1."""
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    """Routes HTTP requests to the owning StandinSlack."""

    def do_GET(self) -> None:
        """Serve a GET request (query-string arguments)."""
        cast(_Server, self.server).fake._serve(self)

    def do_POST(self) -> None:
        """Serve a POST request (form or JSON body)."""
        cast(_Server, self.server).fake._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


class StandinSlack:
    """An in-memory Slack workspace behind a real loopback Web API endpoint."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_name: str = "Demo Team",
        bot_user_id: str = "U0BOT",
        bot_token_prefix: str = "xoxb-",  # noqa: S107 - a token prefix, not a secret
        tiers: dict[str, str] | None = None,
    ) -> None:
        """Create the workspace; call `start()` (or use `with`) to serve it. With `tiers`
        (method -> Slack rate tier, `ratelimits.tiers_from`), calls beyond them get a 429."""
        self.tiers = TierLimits(tiers or {})
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = re.sub(r"[^a-z0-9]+", "-", team_name.lower()).strip("-") or "team"
        self.bot_user_id = bot_user_id
        self.bot_id = "B" + bot_user_id[1:]
        self.app_id = "A0001"
        self.bot_token_prefix = bot_token_prefix

        self.calls: list[Call] = []
        self.errors: list[str] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.responses: list[dict[str, Any]] = []
        self.users: dict[str, FakeUser] = {}
        self.channels: dict[str, FakeChannel] = {}
        self.usergroups: dict[str, dict[str, Any]] = {}  # id -> the group as Slack shows it
        self.paid_plan = True  # False: usergroups.* answer paid_teams_only; one canvas a channel
        # Workflow steps being run (function_executed): execution id -> its state, the
        # token Slack gave for it (valid while it runs), and how it was completed.
        self.executions: dict[str, dict[str, Any]] = {}
        self.canvases: dict[str, dict[str, Any]] = {}  # id -> title, markdown, channel, kind
        self.canvases_enabled = True  # False: canvases.* answer canvas_disabled_user_team

        # Seconds Slack's clock runs ahead of this machine's: a test whose bot runs on a
        # moved clock moves Slack's too, so message timestamps and the bot's agree.
        self.clock_ahead = 0.0
        self._lock = threading.RLock()
        self._last_ts_us = 0
        self._view_seq = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, ApiMethod] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.open": self._conversations_open,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "users.info": self._users_info,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "reactions.get": self._reactions_get,
            "usergroups.create": self._usergroups_create,
            "usergroups.list": self._usergroups_list,
            "usergroups.enable": self._usergroups_enable,
            "usergroups.disable": self._usergroups_disable,
            "usergroups.users.update": self._usergroups_users_update,
            "functions.completeSuccess": self._functions_complete_success,
            "functions.completeError": self._functions_complete_error,
            "conversations.canvases.create": self._conversations_canvases_create,
            "canvases.create": self._canvases_create,
            "canvases.edit": self._canvases_edit,
            "canvases.sections.lookup": self._canvases_sections_lookup,
        }
        self.users[bot_user_id] = FakeUser(
            bot_user_id, "bot", team_id, real_name="Bot", is_bot=True, bot_id=self.bot_id
        )

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> StandinSlack:
        """Start serving on an ephemeral loopback port in a daemon thread."""
        if self._server is None:
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-slack",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> StandinSlack:
        """Start the fake for a `with` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the fake at the end of a `with` block."""
        self.stop()

    @property
    def base(self) -> str:
        """Return "http://127.0.0.1:PORT" of the running server."""
        if self._server is None:
            raise RuntimeError("StandinSlack is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """Return the Web API base URL for `WebClient(base_url=...)`, with a trailing slash."""
        return f"{self.base}/api/"

    @property
    def hooks_url(self) -> str:
        """Return a base URL for fake `response_url`s; posts to it land in `responses`."""
        return f"{self.base}/hooks/"

    # ----------------------------------------------------------------- world state

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        locale: str = "en-US",
        tz: str = "Europe/Amsterdam",
        tz_offset: int | None = None,
        deleted: bool = False,
        is_bot: bool = False,
        is_admin: bool = False,
        team_id: str | None = None,
    ) -> None:
        """Add or replace a workspace member; `team_id`: a member of another workspace, seen
        here in a channel shared with it (Slack Connect), as users.info shows them."""
        with self._lock:
            self.users[user_id] = FakeUser(
                user_id,
                name,
                team_id or self.team_id,
                real_name=real_name or name,
                locale=locale,
                tz=tz,
                tz_offset=tz_offset,
                deleted=deleted,
                is_bot=is_bot,
                bot_id=("B" + user_id[1:]) if is_bot else None,
                is_admin=is_admin,
            )

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: Iterable[str],
        *,
        is_private: bool = False,
        is_member: bool = True,
    ) -> None:
        """Add or replace a channel; `is_member` says whether the bot is in it."""
        member_list = list(dict.fromkeys(members))
        if is_member and self.bot_user_id not in member_list:
            member_list.append(self.bot_user_id)
        if not is_member and self.bot_user_id in member_list:
            member_list.remove(self.bot_user_id)
        with self._lock:
            self.channels[channel_id] = FakeChannel(
                channel_id, name, member_list, is_private=is_private, is_member=is_member
            )

    def start_execution(self, execution_id: str | None = None) -> tuple[str, str]:
        """A workflow step starts running (Slack is about to send `function_executed`): its
        execution id and the bot token for it (`bot_access_token`, valid while it runs)."""
        with self._lock:
            execution_id = execution_id or f"Fx{len(self.executions) + 1:010d}"
            token = f"xwfp-{self.team_id}-{execution_id}-{secrets.token_hex(6)}"
            self.executions[execution_id] = {"state": "running", "token": token}
            return execution_id, token

    def dm_channel_id(self, user_id: str) -> str | None:
        """Return the id of the DM opened with `user_id`, if any."""
        with self._lock:
            for channel in self.channels.values():
                if channel.is_im and channel.user == user_id:
                    return channel.id
        return None

    # ----------------------------------------------------------------- inspection

    def calls_to(self, method: str) -> list[Call]:
        """Return every call of `method`, in order."""
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def assert_clean(self) -> None:
        """Raise AssertionError when any contract violation was recorded."""
        with self._lock:
            errors = list(self.errors)
        if errors:
            raise AssertionError("Slack contract violations:\n  " + "\n  ".join(errors))

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Return a copy of the messages currently in a channel, oldest first."""
        with self._lock:
            return copy.deepcopy(self.messages.get(channel, []))

    def reset(self) -> None:
        """Forget calls, errors, messages, views and responses (not the world)."""
        with self._lock:
            self.calls.clear()
            self.errors.clear()
            self.messages.clear()
            self.ephemerals.clear()
            self.views.clear()
            self.home_views.clear()
            self.responses.clear()

    # ----------------------------------------------------------------- HTTP plumbing

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        """Parse one HTTP request, answer it and record the call."""
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if len(raw) < length:
            # The client went away mid-request (a killed process): no call was made.
            handler.close_connection = True
            return
        if parts.path.startswith("/hooks/"):
            self._serve_hook(handler, parts.path, raw)
            return
        if not parts.path.startswith("/api/"):
            self._reply(handler, 404, {"ok": False, "error": "not_found"})
            return
        method = parts.path[len("/api/") :]
        args: Args = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        is_json = False
        parse_problem: str | None = None
        content_type = handler.headers.get_content_type()
        if raw:
            if content_type == "application/json":
                is_json = True
                try:
                    body = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    body, parse_problem = {}, f"{method}: body is not valid JSON ({exc})"
                if isinstance(body, dict):
                    args.update(body)
                else:
                    parse_problem = f"{method}: JSON body must be an object"
            elif content_type == "application/x-www-form-urlencoded":
                form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
                args.update({k: v[-1] for k, v in form.items()})
            else:
                parse_problem = f"{method}: unsupported Content-Type {content_type!r}"
        header_token = None
        auth = handler.headers.get("Authorization") or ""
        if auth.startswith("Bearer "):
            header_token = auth[len("Bearer ") :].strip() or None
        elif auth.startswith("Basic "):
            # The app's client id and secret (oauth.v2.access), as Slack prefers them sent.
            try:
                user, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, password = "", ""
            args.setdefault("client_id", user)
            args.setdefault("client_secret", password)
        body_token = args.pop("token", None)
        token = header_token or (body_token if isinstance(body_token, str) else None)
        status, response, headers = self._dispatch(method, args, token, parse_problem, is_json)
        self._reply(handler, status, response, headers)

    def _serve_hook(self, handler: BaseHTTPRequestHandler, path: str, raw: bytes) -> None:
        """Record a post to a fake `response_url` and answer like Slack does."""
        try:
            payload = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            payload = {"_raw": raw.decode("utf-8", "replace")}
        with self._lock:
            self.responses.append({"path": path, "payload": payload, "at": time.time()})
        data = b"ok"
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(data)))
        try:
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the caller is gone; nothing to answer

    @staticmethod
    def _reply(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        """Write a JSON answer."""
        data = json.dumps(body).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        try:
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the caller is gone; nothing to answer

    def _dispatch(
        self,
        method: str,
        args: Args,
        token: str | None,
        parse_problem: str | None,
        is_json: bool,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer one API call and record it; returns status, body and extra headers."""
        at = time.time()
        retry_after = self.tiers.retry_after(token, method, args)
        with self._lock:
            if retry_after is not None:
                status, response = 429, {"ok": False, "error": "ratelimited"}
            else:
                status, response = self._answer(method, args, token, parse_problem, is_json)
            self._record(method, args, status, response, at, token)
        return status, response, {"Retry-After": str(retry_after)} if retry_after else {}

    def _answer(
        self, method: str, args: Args, token: str | None, parse_problem: str | None, is_json: bool
    ) -> tuple[int, dict[str, Any]]:
        """Run one call (under the lock); an `ok: false` answer when it fails."""
        try:
            result = self._call(method, args, token, parse_problem, is_json)
            return 200, {"ok": True, **result}
        except _ApiError as exc:
            if exc.violation:
                self.errors.append(exc.violation)
            return exc.status, {"ok": False, "error": exc.error}
        except Exception as exc:  # a bug in the fake must not look like a hang-up
            self.errors.append(f"{method}: the fake crashed: {exc!r}")
            return 500, {"ok": False, "error": "internal_error"}

    def _record(
        self,
        method: str,
        args: Args,
        status: int,
        response: dict[str, Any],
        at: float,
        token: str | None = None,
    ) -> None:
        """Keep one answered call in `calls` (under the lock)."""
        self.calls.append(
            Call(method, copy.deepcopy(args), status, copy.deepcopy(response), at, token)
        )

    def _call(
        self, method: str, args: Args, token: str | None, parse_problem: str | None, is_json: bool
    ) -> dict[str, Any]:
        """Check auth and the arguments, then run the method implementation."""
        impl = self._find_method(method)
        if impl is None:
            raise _ApiError("unknown_method", f"unknown method {method!r}", status=404)
        if parse_problem:
            raise _ApiError("invalid_arguments", parse_problem)
        if not token:
            raise _ApiError("not_authed", f"{method}: no token sent")
        if not token.startswith((self.bot_token_prefix, "xapp-")) and not self._running(token):
            raise _ApiError("invalid_auth", f"{method}: token is not a bot or app token")
        self._check_args(method, args, is_json)
        return impl(args, token)

    def _find_method(self, method: str) -> TokenMethod | None:
        """Return the implementation of a Web API method, or None when it is unknown."""
        impl = self._methods.get(method)
        if impl is None:
            return None
        return lambda args, _token: impl(args)

    def _check_args(self, method: str, args: Args, is_json: bool) -> None:
        """Check a call's arguments before it runs (the stand-in checks none; the tests do)."""

    # ----------------------------------------------------------------- helpers

    def _next_ts(self) -> str:
        """Return a fresh message `ts`, strictly increasing."""
        now_us = int((time.time() + self.clock_ahead) * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 100)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _next_view_id(self) -> str:
        """Return a fresh view id."""
        self._view_seq += 1
        return f"V{self._view_seq:010d}"

    def _view_hash(self) -> str:
        """Return a view hash shaped like Slack's ("<seconds>.<random>")."""
        return f"{int(time.time())}.{secrets.token_urlsafe(6)}"

    def _store_message(self, channel: str, message: dict[str, Any]) -> None:
        """Append a message to its channel, keeping thread reply counts."""
        messages = self.messages.setdefault(channel, [])
        messages.append(message)
        messages.sort(key=lambda m: _ts_key(m["ts"]))
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            parent = self._find_message(channel, thread_ts)
            if parent is not None:
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent["latest_reply"] = message["ts"]
                users = parent.setdefault("reply_users", [])
                if message.get("user") not in users:
                    users.append(message.get("user"))

    def _find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """Return the stored message (not a copy) with this ts, or None."""
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

    def _react(self, message: dict[str, Any], name: str, user: str) -> None:
        """Add one reaction to a stored message; raise `already_reacted` on a repeat."""
        if not name:
            raise _ApiError("invalid_name")
        reactions = message.setdefault("reactions", [])
        for reaction in reactions:
            if reaction["name"] == name:
                if user in reaction["users"]:
                    raise _ApiError("already_reacted")
                reaction["users"].append(user)
                reaction["count"] += 1
                return
        reactions.append({"name": name, "users": [user], "count": 1})

    def _channel(self, ref: Any, *, post: bool = False) -> FakeChannel:
        """Resolve a channel argument (id, name, or a user id when posting)."""
        if not isinstance(ref, str) or not ref:
            raise _ApiError("channel_not_found")
        channel = self.channels.get(ref)
        if channel is None:
            name = ref.removeprefix("#")
            channel = next(
                (c for c in self.channels.values() if not c.is_im and c.name == name), None
            )
        if channel is None and post and ref in self.users:
            channel = self._open_dm(ref)[0]
        if channel is None:
            raise _ApiError("channel_not_found")
        if channel.is_private and not channel.is_member:
            raise _ApiError("channel_not_found")
        return channel

    def _open_dm(self, user_id: str) -> tuple[FakeChannel, bool]:
        """Return the DM with a user, creating it; the flag says whether it existed."""
        self._open_dm_check(user_id)
        for channel in self.channels.values():
            if channel.is_im and channel.user == user_id:
                return channel, True
        dm_id = "D" + user_id[1:]
        while dm_id in self.channels:
            dm_id += "X"
        channel = FakeChannel(
            dm_id, user_id, [user_id, self.bot_user_id], is_private=True, is_im=True, user=user_id
        )
        self.channels[dm_id] = channel
        return channel, False

    def _message_blocks(self, method: str, args: Args) -> list[dict[str, Any]] | None:
        """Parse the `blocks` of a message; raise `invalid_blocks_format` when malformed."""
        try:
            return parse_blocks(args.get("blocks"))
        except BlocksFormatError as exc:
            raise _ApiError("invalid_blocks_format", f"{method}: {exc}") from exc

    def _require_text(self, method: str, args: Args, blocks: list | None) -> None:
        """Refuse a message that has neither text, blocks nor attachments."""
        if not args.get("text") and not blocks and not args.get("attachments"):
            raise _ApiError("no_text", f"{method}: message has neither text nor blocks")

    def _bot_message(self, args: Args, blocks: list | None, ts: str) -> dict[str, Any]:
        """Build a message posted by the bot, like `chat.postMessage` returns it."""
        message: dict[str, Any] = {
            "type": "message",
            "text": args.get("text") or "",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "ts": ts,
            "team": self.team_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": "bot",
                "team_id": self.team_id,
                "deleted": False,
            },
        }
        if blocks is not None:
            message["blocks"] = blocks
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
            if _flag(args, "reply_broadcast"):
                message["subtype"] = "thread_broadcast"
        metadata = args.get("metadata")
        if metadata:
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        return message

    def _own_message(self, channel: FakeChannel, ts: Any, denied: str) -> dict[str, Any]:
        """Return a bot-authored stored message, raising Slack's errors otherwise."""
        message = self._find_message(channel.id, ts) if isinstance(ts, str) else None
        if message is None:
            raise _ApiError("message_not_found")
        if message.get("user") != self.bot_user_id:
            raise _ApiError(denied)
        return message

    def _checked_view(self, method: str, args: Args) -> dict[str, Any]:
        """Parse the `view` argument of a views.* call."""
        try:
            return parse_view(args.get("view"))
        except BlocksFormatError as exc:
            raise _ApiError("invalid_arguments", f"{method}: {exc}") from exc

    def _render_view(self, view: dict[str, Any], view_id: str, root_id: str | None) -> dict:
        """Build the view object Slack returns and stores."""
        rendered: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": parse_blocks(view.get("blocks")) or [],
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._view_hash(),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": None,
            "root_view_id": root_id or view_id,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if view.get("type") == "modal":
            for key in ("title", "close", "submit"):
                rendered[key] = view.get(key)
        return rendered

    def _all_views(self) -> Iterable[dict[str, Any]]:
        """Iterate modal and Home tab views."""
        yield from self.views.values()
        yield from self.home_views.values()

    def _check_external_id(self, view: dict[str, Any], own_id: str | None = None) -> None:
        """Refuse an external_id already used by another view."""
        external_id = view.get("external_id")
        if external_id and any(
            v["external_id"] == external_id and v["id"] != own_id for v in self._all_views()
        ):
            raise _ApiError("duplicate_external_id")

    # ----------------------------------------------------------------- methods

    def _running(self, token: str) -> bool:
        """A workflow step's token, while its execution runs."""
        return any(
            e["token"] == token and e["state"] == "running" for e in self.executions.values()
        )

    def _execution(self, args: Args) -> dict[str, Any]:
        found = self.executions.get(str(args.get("function_execution_id") or ""))
        if found is None:
            raise _ApiError("function_execution_not_found")
        if found["state"] != "running":
            raise _ApiError("execution_not_in_running_state")
        return found

    def _functions_complete_success(self, args: Args) -> dict[str, Any]:
        """A workflow step finished; its outputs go to the workflow's next steps."""
        execution = self._execution(args)
        outputs = args.get("outputs")
        if isinstance(outputs, str):
            outputs = json.loads(outputs)
        if not isinstance(outputs, dict):
            raise _ApiError("parameter_validation_failed", "functions.completeSuccess: outputs")
        execution.update(state="completed", outputs=outputs)
        return {}

    def _functions_complete_error(self, args: Args) -> dict[str, Any]:
        """A workflow step failed; Slack shows `error` to the workflow's people."""
        execution = self._execution(args)
        execution.update(state="failed", error=str(args.get("error") or ""))
        return {}

    def _auth_test(self, args: Args) -> dict[str, Any]:
        """Answer auth.test with the bot's identity."""
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.users[self.bot_user_id].name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: Args) -> dict[str, Any]:
        """Post a bot message to a channel, DM (by user id) or thread."""
        channel = self._channel(args.get("channel"), post=True)
        if not channel.is_im and not channel.is_member:
            raise _ApiError("not_in_channel")
        blocks = self._message_blocks("chat.postMessage", args)
        self._require_text("chat.postMessage", args, blocks)
        message = self._bot_message(args, blocks, self._next_ts())
        self._store_message(channel.id, message)
        return {"channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, args: Args) -> dict[str, Any]:
        """Record an ephemeral message shown to one channel member."""
        channel = self._channel(args.get("channel"), post=True)
        if not channel.is_im and not channel.is_member:
            raise _ApiError("not_in_channel")
        user = args.get("user")
        if user not in channel.members:
            raise _ApiError("user_not_in_channel")
        blocks = self._message_blocks("chat.postEphemeral", args)
        self._require_text("chat.postEphemeral", args, blocks)
        ts = self._next_ts()
        self.ephemerals.append(
            {
                "channel": channel.id,
                "user": user,
                "text": args.get("text") or "",
                "blocks": blocks,
                "thread_ts": args.get("thread_ts"),
                "ts": ts,
            }
        )
        return {"message_ts": ts}

    def _chat_update(self, args: Args) -> dict[str, Any]:
        """Edit a message the bot posted."""
        channel = self._channel(args.get("channel"))
        message = self._own_message(channel, args.get("ts"), "cant_update_message")
        blocks = self._message_blocks("chat.update", args)
        if "text" not in args and "blocks" not in args and not args.get("attachments"):
            raise _ApiError("no_text", "chat.update: neither text nor blocks given")
        if "text" in args:
            message["text"] = args.get("text") or ""
        if "blocks" in args:
            if blocks:
                message["blocks"] = blocks
            else:
                message.pop("blocks", None)
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _chat_delete(self, args: Args) -> dict[str, Any]:
        """Delete a message the bot posted."""
        channel = self._channel(args.get("channel"))
        message = self._own_message(channel, args.get("ts"), "cant_delete_message")
        self.messages[channel.id].remove(message)
        return {"channel": channel.id, "ts": message["ts"]}

    def _chat_get_permalink(self, args: Args) -> dict[str, Any]:
        """Return the permalink of a stored message."""
        channel = self._channel(args.get("channel"))
        ts = args.get("message_ts")
        message = self._find_message(channel.id, ts) if isinstance(ts, str) else None
        if message is None:
            raise _ApiError("message_not_found")
        link = f"https://{self.team_domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    def _views_open(self, args: Args, method: str = "views.open") -> dict[str, Any]:
        """Open a modal (needs a trigger_id)."""
        view = self._checked_view(method, args)
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            raise _ApiError("invalid_trigger_id", f"{method}: no trigger_id given")
        if view.get("type") != "modal":
            raise _ApiError("invalid_arguments", f"{method}: only modals can be opened")
        self._check_external_id(view)
        view_id = self._next_view_id()
        rendered = self._render_view(view, view_id, None)
        self.views[view_id] = rendered
        return {"view": copy.deepcopy(rendered)}

    def _views_push(self, args: Args) -> dict[str, Any]:
        """Push a modal onto the stack (stored like views.open)."""
        return self._views_open(args, "views.push")

    def _views_update(self, args: Args) -> dict[str, Any]:
        """Replace a modal or Home view found by view_id or external_id."""
        view = self._checked_view("views.update", args)
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise _ApiError("invalid_arguments", "views.update: needs view_id or external_id")
        current = next(
            (
                v
                for v in self._all_views()
                if (view_id and v["id"] == view_id)
                or (not view_id and external_id and v["external_id"] == external_id)
            ),
            None,
        )
        if current is None:
            raise _ApiError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        if view.get("type") != current["type"]:
            raise _ApiError("invalid_arguments", "views.update: view type cannot change")
        self._check_external_id(view, current["id"])
        rendered = self._render_view(view, current["id"], current["root_view_id"])
        rendered["previous_view_id"] = current["previous_view_id"]
        current.clear()
        current.update(rendered)
        return {"view": copy.deepcopy(current)}

    def _views_publish(self, args: Args) -> dict[str, Any]:
        """Publish the Home tab view of one user."""
        view = self._checked_view("views.publish", args)
        user_id = args.get("user_id")
        if not isinstance(user_id, str) or user_id not in self.users:
            raise _ApiError("user_not_found")
        if view.get("type") != "home":
            raise _ApiError("invalid_arguments", "views.publish: view type must be 'home'")
        current = self.home_views.get(user_id)
        if current is not None and args.get("hash") and args["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        self._check_external_id(view, current["id"] if current else None)
        view_id = current["id"] if current else self._next_view_id()
        rendered = self._render_view(view, view_id, None)
        self.home_views[user_id] = rendered
        return {"view": copy.deepcopy(rendered)}

    def _conversations_open(self, args: Args) -> dict[str, Any]:
        """Open (or find) a DM or group DM, or reopen a channel."""
        channel_ref = args.get("channel")
        users_arg = args.get("users")
        if channel_ref:
            channel = self._channel(channel_ref)
            existed = True
        else:
            if isinstance(users_arg, list):
                user_ids = [str(u) for u in users_arg]
            else:
                user_ids = [u.strip() for u in str(users_arg or "").split(",") if u.strip()]
            if not user_ids:
                raise _ApiError("users_list_not_supplied")
            if len(user_ids) > _MAX_MPIM_USERS:
                raise _ApiError("too_many_users")
            if len(user_ids) == 1:
                channel, existed = self._open_dm(user_ids[0])
            else:
                channel, existed = self._open_mpim(user_ids)
        if _flag(args, "return_im"):
            body: dict[str, Any] = {"channel": channel.to_api()}
        else:
            body = {"channel": {"id": channel.id}}
        if existed:
            body = {"no_op": True, "already_open": True, **body}
        return body

    def _open_mpim(self, user_ids: list[str]) -> tuple[FakeChannel, bool]:
        """Return the group DM of several users, creating it; the flag says whether it existed."""
        for user_id in user_ids:
            self._open_dm_check(user_id)
        members = sorted({*user_ids, self.bot_user_id})
        for channel in self.channels.values():
            if channel.is_mpim and sorted(channel.members) == members:
                return channel, True
        digest = hashlib.sha256(",".join(members).encode()).hexdigest()[:8].upper()
        mpim_id = f"G{digest}"
        name = "mpdm-" + "--".join(self.users[u].name for u in user_ids) + "-1"
        channel = FakeChannel(mpim_id, name, members, is_private=True, is_mpim=True)
        self.channels[mpim_id] = channel
        return channel, False

    def _open_dm_check(self, user_id: str) -> None:
        """Raise Slack's error when a user cannot be in a DM."""
        user = self.users.get(user_id)
        if user is None:
            raise _ApiError("user_not_found")
        if user.is_bot:
            raise _ApiError("cannot_dm_bot")
        if user.deleted:
            raise _ApiError("user_disabled")

    def _conversations_members(self, args: Args) -> dict[str, Any]:
        """List channel members, paginated with limit/cursor."""
        channel = self._channel(args.get("channel"))
        try:
            limit = int(args.get("limit") or 100)
        except (TypeError, ValueError) as exc:
            raise _ApiError("invalid_limit") from exc
        if limit < 1 or limit > _MEMBERS_LIMIT_MAX:
            raise _ApiError("invalid_limit")
        start = 0
        cursor = args.get("cursor")
        if cursor:
            try:
                decoded = base64.b64decode(str(cursor), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise _ApiError("invalid_cursor") from exc
            kind, _, member = decoded.partition(":")
            if kind != "user" or member not in channel.members:
                raise _ApiError("invalid_cursor")
            start = channel.members.index(member)
        page = channel.members[start : start + limit]
        rest = channel.members[start + limit :]
        next_cursor = base64.b64encode(f"user:{rest[0]}".encode()).decode() if rest else ""
        return {"members": list(page), "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_info(self, args: Args) -> dict[str, Any]:
        """Describe one conversation."""
        channel = self._channel(args.get("channel"))
        # A channel's language only when one was set for it (else Slack leaves it out).
        locale = channel.locale if _flag(args, "include_locale") else None
        shown = channel.to_api(
            include_num_members=_flag(args, "include_num_members"), locale=locale
        )
        own = next(
            (c for c in self.canvases.values() if c["channel_id"] == channel.id
             and c["kind"] == "channel"), None,
        )  # fmt: skip
        if own is not None:  # as Slack shows a channel's canvas
            shown["properties"] = {
                "canvas": {"file_id": own["id"], "is_empty": not own["markdown"]}
            }
        return {"channel": shown}

    def _users_info(self, args: Args) -> dict[str, Any]:
        """Describe one user, with `locale` only when include_locale is set."""
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            raise _ApiError("user_not_found")
        return {"user": user.to_api(include_locale=_flag(args, "include_locale"))}

    def _reaction_target(self, args: Args) -> tuple[FakeChannel, dict[str, Any]]:
        """Resolve the channel and message a reactions.* call points at."""
        channel = self._channel(args.get("channel"))
        ts = args.get("timestamp")
        if not ts:
            raise _ApiError("no_item_specified")
        message = self._find_message(channel.id, str(ts))
        if message is None:
            raise _ApiError("message_not_found")
        return channel, message

    def _reactions_add(self, args: Args) -> dict[str, Any]:
        """Add a reaction by the bot to a message."""
        _, message = self._reaction_target(args)
        self._react(message, str(args.get("name") or "").strip(":"), self.bot_user_id)
        return {}

    def _reactions_remove(self, args: Args) -> dict[str, Any]:
        """Remove a reaction by the bot from a message."""
        _, message = self._reaction_target(args)
        name = str(args.get("name") or "").strip(":")
        for reaction in message.get("reactions", []):
            if reaction["name"] == name and self.bot_user_id in reaction["users"]:
                reaction["users"].remove(self.bot_user_id)
                reaction["count"] -= 1
                if not reaction["users"]:
                    message["reactions"].remove(reaction)
                if not message["reactions"]:
                    del message["reactions"]
                return {}
        raise _ApiError("no_reaction")

    def _reactions_get(self, args: Args) -> dict[str, Any]:
        """Return a message with its reactions."""
        channel, message = self._reaction_target(args)
        return {"type": "message", "channel": channel.id, "message": copy.deepcopy(message)}

    # ----------------------------------------------------------------- user groups

    def _usergroup(self, args: Args) -> dict[str, Any]:
        if not self.paid_plan:
            raise _ApiError("paid_teams_only")
        group = self.usergroups.get(str(args.get("usergroup") or ""))
        if group is None:
            raise _ApiError("no_such_subteam")
        return group

    def _usergroups_create(self, args: Args) -> dict[str, Any]:
        """Make a user group; its name and handle must be free."""
        if not self.paid_plan:
            raise _ApiError("paid_teams_only")
        name, handle = str(args.get("name") or ""), str(args.get("handle") or "")
        if not name:
            raise _ApiError("missing_subteam_name")
        for group in self.usergroups.values():
            if group["name"] == name:
                raise _ApiError("name_already_exists")
            if handle and group["handle"] == handle:
                raise _ApiError("handle_already_exists")
        group_id = f"S{len(self.usergroups) + 1:08d}"
        self.usergroups[group_id] = {
            "id": group_id, "team_id": self.team_id, "name": name, "handle": handle or name,
            "description": str(args.get("description") or ""), "is_usergroup": True,
            "date_delete": 0, "created_by": self.bot_user_id, "users": [], "user_count": 0,
        }  # fmt: skip
        return {"usergroup": copy.deepcopy(self.usergroups[group_id])}

    def _usergroups_list(self, args: Args) -> dict[str, Any]:
        """The workspace's user groups (the disabled ones only when asked)."""
        if not self.paid_plan:
            raise _ApiError("paid_teams_only")
        shown = [
            copy.deepcopy(g) for g in self.usergroups.values()
            if _flag(args, "include_disabled") or not g["date_delete"]
        ]  # fmt: skip
        return {"usergroups": shown}

    def _usergroups_enable(self, args: Args) -> dict[str, Any]:
        group = self._usergroup(args)
        group["date_delete"] = 0
        return {"usergroup": copy.deepcopy(group)}

    def _usergroups_disable(self, args: Args) -> dict[str, Any]:
        group = self._usergroup(args)
        group["date_delete"] = int(time.time())
        return {"usergroup": copy.deepcopy(group)}

    def _usergroups_users_update(self, args: Args) -> dict[str, Any]:
        """Replace the group's members (at least one; people of this workspace)."""
        group = self._usergroup(args)
        users = args.get("users")
        people = users.split(",") if isinstance(users, str) else list(users or [])
        people = [p.strip() for p in people if p and p.strip()]
        if not people:
            raise _ApiError("no_users_provided")
        if any(p not in self.users for p in people):
            raise _ApiError("invalid_users")
        group["users"], group["user_count"] = people, len(people)
        return {"usergroup": copy.deepcopy(group)}

    # ----------------------------------------------------------------- canvases

    def channel_canvas(self, channel_id: str) -> dict[str, Any] | None:
        """The canvas a channel shows in its Canvas tab (its channel canvas first)."""
        found = [c for c in self.canvases.values() if c["channel_id"] == channel_id]
        found.sort(key=lambda c: c["kind"] != "channel")
        return found[0] if found else None

    def _markdown(self, content: Any) -> str:
        """The Markdown of a `document_content` argument (an object, or its JSON)."""
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except json.JSONDecodeError as exc:
                raise _ApiError(
                    "invalid_arguments", f"document_content is not JSON: {exc}"
                ) from exc
        if not isinstance(content, dict) or content.get("type") != "markdown":
            raise _ApiError("invalid_arguments", "document_content must be {type: markdown, ...}")
        markdown = content.get("markdown")
        if not isinstance(markdown, str) or len(markdown) > 1_048_576:
            raise _ApiError("invalid_arguments", "document_content.markdown: a string, <= 1 MiB")
        return markdown

    def _new_canvas(self, args: Args, kind: str, channel_id: str | None) -> dict[str, Any]:
        if not self.canvases_enabled:
            raise _ApiError("canvas_disabled_user_team")
        markdown = self._markdown(args["document_content"]) if "document_content" in args else ""
        canvas_id = f"F0CANVAS{len(self.canvases) + 1:03d}"
        self.canvases[canvas_id] = {
            "id": canvas_id, "title": str(args.get("title") or ""), "markdown": markdown,
            "channel_id": channel_id, "kind": kind, "edits": 0,
        }  # fmt: skip
        return {"canvas_id": canvas_id}

    def _conversations_canvases_create(self, args: Args) -> dict[str, Any]:
        """Make a channel's own canvas: one per channel."""
        channel = self._channel(args.get("channel_id"))
        if not self.canvases_enabled:
            raise _ApiError("canvas_disabled_user_team")
        if any(
            c["channel_id"] == channel.id and c["kind"] == "channel" for c in self.canvases.values()
        ):
            raise _ApiError("channel_canvas_already_exists")
        return self._new_canvas(args, "channel", channel.id)

    def _canvases_create(self, args: Args) -> dict[str, Any]:
        """Make a canvas, tabbed in a channel when one is named (a free plan: one a channel)."""
        channel_id = None
        if args.get("channel_id"):
            channel_id = self._channel(args.get("channel_id")).id
        if not self.paid_plan:
            if channel_id is None:
                raise _ApiError("free_teams_cannot_create_standalone_canvases")
            if self.channel_canvas(channel_id) is not None:
                raise _ApiError("free_team_canvas_tab_already_exists")
        return self._new_canvas(args, "tab" if channel_id else "standalone", channel_id)

    def _canvases_edit(self, args: Args) -> dict[str, Any]:
        """Apply one change; the stand-in knows `replace` of the whole canvas (no section)."""
        if not self.canvases_enabled:
            raise _ApiError("canvas_disabled_user_team")
        found = self.canvases.get(str(args.get("canvas_id") or ""))
        if found is None:
            raise _ApiError("canvas_not_found")
        changes = args.get("changes")
        if isinstance(changes, str):
            changes = json.loads(changes)
        if not isinstance(changes, list) or len(changes) != 1 or not isinstance(changes[0], dict):
            raise _ApiError("invalid_arguments", "canvases.edit: changes must be one change")
        change = changes[0]
        if change.get("operation") != "replace" or change.get("section_id"):
            raise _ApiError("invalid_arguments", f"canvases.edit: unsupported change {change}")
        found["markdown"] = self._markdown(change.get("document_content"))
        found["edits"] += 1
        return {}

    def _canvases_sections_lookup(self, args: Args) -> dict[str, Any]:
        """Sections of a canvas matching the criteria (the stand-in knows headings h1-h3 and
        `any_header`, and `contains_text`)."""
        if not self.canvases_enabled:
            raise _ApiError("canvas_disabled_user_team")
        found = self.canvases.get(str(args.get("canvas_id") or ""))
        if found is None:
            raise _ApiError("canvas_not_found")
        criteria = args.get("criteria")
        if isinstance(criteria, str):
            criteria = json.loads(criteria)
        if not isinstance(criteria, dict):
            raise _ApiError("invalid_arguments", "canvases.sections.lookup: criteria is an object")
        kinds = set(criteria.get("section_types") or ["any_header"])
        text = str(criteria.get("contains_text") or "")
        sections = []
        for n, line in enumerate(found["markdown"].splitlines()):
            level = len(line) - len(line.lstrip("#"))
            if not 1 <= level <= 3 or not line[level:].startswith(" "):
                continue
            if ("any_header" in kinds or f"h{level}" in kinds) and text in line:
                sections.append({"id": f"temp:C:{found['id']}{n:06d}"})
        return {"sections": sections}
