"""The Socket Mode side of the Slack fake: apps.connections.open and a loopback WebSocket server.

`SocketModeFake(fake).start()` adds `apps.connections.open` to a `FakeSlack` and serves the
WebSocket it hands out. A connecting app gets Slack's `hello`; envelopes sent with
`send_envelope` (or through `SocketModeDriver`, which shapes payloads like `SlackDriver`)
go to the newest connection, and the app's acks are kept for `wait_ack`. Protocol mistakes
(an ack for an unknown or already acked envelope, a response payload where none is
accepted, an ack later than Slack waits) land in `fake.errors`.

The `websockets` package (the `test` extra) is imported only by `start()`.
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.driver import Response as DriverResponse
from tests.fakes.driver import SlackDriver
from tests.fakes.slack import ApiError, FakeSlack

if TYPE_CHECKING:
    from websockets.http11 import Request, Response
    from websockets.sync.server import Server, ServerConnection

APP_TOKEN_PREFIX = "xapp-"  # noqa: S105 - a token prefix, not a secret
# Slack retries an envelope that is not acked within 3 seconds.
ACK_DEADLINE = 3.0
# Interactivity payloads whose ack may carry a response (response_action, options).
_INTERACTIVE_WITH_RESPONSE = {"view_submission", "block_suggestion"}
_ACK_KEYS = {"envelope_id", "payload"}


def envelope(
    type_: str,
    payload: Mapping[str, Any],
    *,
    accepts_response_payload: bool,
    retry_attempt: int | None = None,
    retry_reason: str | None = None,
    envelope_id: str | None = None,
) -> dict[str, Any]:
    """Return a Socket Mode envelope with Slack's keys, in Slack's order.

    `events_api` envelopes always carry `retry_attempt` and `retry_reason` (0 and "" on the
    first delivery, "timeout" by default on a retry); other types carry them only when given.
    """
    env: dict[str, Any] = {
        "envelope_id": envelope_id or str(uuid.uuid4()),
        "payload": copy.deepcopy(dict(payload)),
        "type": type_,
        "accepts_response_payload": accepts_response_payload,
    }
    if type_ == "events_api" or retry_attempt is not None:
        attempt = retry_attempt or 0
        env["retry_attempt"] = attempt
        env["retry_reason"] = (
            retry_reason if retry_reason is not None else ("timeout" if attempt else "")
        )
    return env


def slash_command_envelope(
    fields: Mapping[str, str], *, envelope_id: str | None = None
) -> dict[str, Any]:
    """Wrap slash command fields (as Slack posts them over HTTP) in a `slash_commands` envelope."""
    return envelope(
        "slash_commands", fields, accepts_response_payload=True, envelope_id=envelope_id
    )


def events_api_envelope(
    event_callback: Mapping[str, Any],
    *,
    retry_attempt: int = 0,
    retry_reason: str | None = None,
    envelope_id: str | None = None,
) -> dict[str, Any]:
    """Wrap an `event_callback` body in an `events_api` envelope."""
    return envelope(
        "events_api",
        event_callback,
        accepts_response_payload=False,
        retry_attempt=retry_attempt,
        retry_reason=retry_reason,
        envelope_id=envelope_id,
    )


def interactive_envelope(
    payload: Mapping[str, Any], *, envelope_id: str | None = None
) -> dict[str, Any]:
    """Wrap an interactivity payload in an `interactive` envelope.

    Only view submissions and options requests accept a response payload, as on Slack.
    """
    accepts = payload.get("type") in _INTERACTIVE_WITH_RESPONSE
    return envelope(
        "interactive", payload, accepts_response_payload=accepts, envelope_id=envelope_id
    )


@dataclass
class _Sent:
    """An envelope sent to the app and when."""

    envelope: dict[str, Any]
    at: float


class SocketModeFake:
    """Slack's Socket Mode endpoint for one `FakeSlack`: a WebSocket server on 127.0.0.1."""

    def __init__(self, fake: FakeSlack, *, ack_deadline: float = ACK_DEADLINE) -> None:
        """Bind to `fake`; call `start()` (or use `with`) to serve."""
        self.fake = fake
        self.ack_deadline = ack_deadline
        self.connected = threading.Event()
        self.sent: list[dict[str, Any]] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.received: list[Any] = []
        self.connections = 0
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._open: list[ServerConnection] = []
        self._pending: dict[str, _Sent] = {}
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> SocketModeFake:
        """Serve WebSockets on an ephemeral loopback port and add apps.connections.open."""
        if self._server is not None:
            return self
        self._closing = False
        try:
            from websockets.sync.server import serve
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError(
                "the Socket Mode fake needs the 'websockets' package (pip install 's3bot[test]')"
            ) from exc
        self._server = serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            compression=None,
            open_timeout=5,
            close_timeout=2,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-slack-socket-mode", daemon=True
        )
        self._thread.start()
        self.fake.register_method("apps.connections.open", self._connections_open)
        return self

    def stop(self) -> None:
        """Close every connection and stop serving; apps.connections.open then fails."""
        server, thread = self._server, self._thread
        if server is None:
            return
        with self._cond:
            self._closing = True  # an app reconnecting now gets an error, not a new URL
            open_now = list(self._open)
        for conn in open_now:
            conn.close(1001, "server stopping")
        server.shutdown()
        if thread is not None:
            thread.join(timeout=5)
        self._server, self._thread = None, None
        self.connected.clear()

    def __enter__(self) -> SocketModeFake:
        """Start for a `with` block."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop at the end of a `with` block."""
        self.stop()

    @property
    def url(self) -> str:
        """Return "ws://127.0.0.1:PORT" of the running WebSocket server."""
        if self._server is None:
            raise RuntimeError("SocketModeFake is not started")
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}"

    # ----------------------------------------------------------------- Web API side

    def _connections_open(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        """apps.connections.open: a one-use WebSocket URL; needs an app-level token."""
        if not token.startswith(APP_TOKEN_PREFIX):
            raise ApiError(
                "not_allowed_token_type",
                "apps.connections.open: needs an app-level token (xapp-), not a bot token",
            )
        ticket = secrets.token_hex(16)
        with self._cond:
            if self._closing or self._server is None:
                raise ApiError("internal_error")  # Slack is unreachable: not the app's mistake
            self._tickets.add(ticket)
        query = urlencode({"ticket": ticket, "app_id": self.fake.app_id})
        return {"url": f"{self.url}/link/?{query}"}

    # ----------------------------------------------------------------- WebSocket side

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse the handshake unless the path is /link/ with a ticket not used before."""
        parts = urlsplit(request.path)
        ticket = (parse_qs(parts.query).get("ticket") or [""])[0]
        with self._cond:
            known = ticket in self._tickets
            self._tickets.discard(ticket)
            if self._closing:
                return connection.respond(503, "closing\n")
        if parts.path != "/link/" or not known:
            self._violation(f"socket mode: connection with an unknown ticket to {request.path!r}")
            return connection.respond(403, "invalid ticket\n")
        return None

    def _handle(self, conn: ServerConnection) -> None:
        """Greet a connection like Slack, then read what the app sends until it closes."""
        from websockets.exceptions import ConnectionClosed

        with self._cond:
            count = len(self._open) + 1
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {
                "host": "applink-fake",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.fake.app_id},
        }
        try:
            conn.send(json.dumps(hello))
            with self._cond:
                self.connections += 1
                self._open.append(conn)
                self._cond.notify_all()
            self.connected.set()
            for data in conn:  # ends when the connection closes; pings are answered for us
                self._received(data)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                if conn in self._open:
                    self._open.remove(conn)
                if not self._open:
                    self.connected.clear()
                self._cond.notify_all()

    def _received(self, data: str | bytes) -> None:
        """Record one message from the app; acks are checked against what was sent."""
        try:
            message = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            message = None
        with self._cond:
            self.received.append(message if message is not None else data)
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not isinstance(envelope_id, str):
            self._violation(f"socket mode: the app sent something that is not an ack: {data!r}")
            return
        with self._cond:
            sent = self._pending.pop(envelope_id, None)
            duplicate = envelope_id in self.acks
            if sent is not None:
                self.acks[envelope_id] = message
                self._cond.notify_all()
        if sent is None:
            kind = "twice" if duplicate else "for an envelope never sent"
            self._violation(f"socket mode: ack {kind}: {envelope_id}")
            return
        late = time.monotonic() - sent.at
        if late > self.ack_deadline:
            self._violation(
                f"socket mode: envelope {envelope_id} acked after {late:.1f}s "
                f"(Slack retries after {self.ack_deadline:g}s)"
            )
        if set(message) - _ACK_KEYS:
            self._violation(
                f"socket mode: ack has unknown keys: {sorted(set(message) - _ACK_KEYS)}"
            )
        if message.get("payload") and not sent.envelope["accepts_response_payload"]:
            self._violation(
                f"socket mode: ack of {envelope_id} ({sent.envelope['type']}) carries a payload "
                "but the envelope does not accept one"
            )

    def _violation(self, problem: str) -> None:
        """Record a protocol violation with the fake's contract violations."""
        self.fake.errors.append(problem)

    # ----------------------------------------------------------------- driving

    def send(self, env: Mapping[str, Any]) -> str:
        """Send a ready envelope to the newest connection and return its envelope_id."""
        env = copy.deepcopy(dict(env))
        with self._cond:
            if not self._open:
                raise RuntimeError("no app is connected over Socket Mode")
            conn = self._open[-1]
            self._pending[env["envelope_id"]] = _Sent(env, time.monotonic())
            self.sent.append(env)
        conn.send(json.dumps(env))
        return str(env["envelope_id"])

    def send_envelope(
        self,
        type_: str,
        payload: Mapping[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        envelope_id: str | None = None,
    ) -> str:
        """Build an envelope (see `envelope`), send it and return its envelope_id."""
        return self.send(
            envelope(
                type_,
                payload,
                accepts_response_payload=accepts_response_payload,
                retry_attempt=retry_attempt,
                retry_reason=retry_reason,
                envelope_id=envelope_id,
            )
        )

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Return the app's ack of an envelope (`envelope_id`, maybe `payload`), waiting for it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while envelope_id not in self.acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no ack of envelope {envelope_id} within {timeout}s; "
                        f"connections: {len(self._open)}, received: {self.received!r}"
                    )
                self._cond.wait(left)
            return copy.deepcopy(self.acks[envelope_id])

    def wait_connections(self, count: int, timeout: float = 10.0) -> None:
        """Wait until `count` connections were greeted in all (reconnects included)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.connections < count or not self._open:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} Socket Mode connection(s) within {timeout}s, "
                        f"got {self.connections}"
                    )
                self._cond.wait(left)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect, like Slack before it recycles a connection."""
        with self._cond:
            if not self._open:
                raise RuntimeError("no app is connected over Socket Mode")
            conn = self._open[-1]
        conn.send(
            json.dumps(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
            )
        )


class SocketModeDriver(SlackDriver):
    """A `SlackDriver` whose requests go to the app as Socket Mode envelopes.

    Every `SlackDriver` method works: the body it would have posted becomes the envelope's
    payload (form fields for slash commands, the `payload` JSON for interactivity, the
    `event_callback` for events; retry headers become `retry_attempt`/`retry_reason`). Each
    call waits for the ack and answers it as a `Response` (200, body = the ack's payload as
    JSON, or "" without one); `last_envelope_id` and `last_ack` keep the rest.
    """

    def __init__(self, socket: SocketModeFake, *, ack_timeout: float = 5.0, **kwargs: Any) -> None:
        """Drive the app connected to `socket`; `kwargs` are SlackDriver's shaping options."""
        # Socket Mode requests are not signed; the URL only satisfies SlackDriver.
        super().__init__("socket-mode-is-unsigned", url=socket.fake.base, **kwargs)
        self.socket = socket
        self.ack_timeout = ack_timeout
        self.last_envelope_id: str | None = None
        self.last_ack: dict[str, Any] | None = None

    def send_raw(self, body: str, headers: dict[str, str]) -> DriverResponse:
        """Send what SlackDriver would post over HTTP as an envelope, and wait for the ack."""
        env = self.to_envelope(body, headers)
        envelope_id = self.socket.send(env)
        self.last_envelope_id = envelope_id
        ack = self.socket.wait_ack(envelope_id, self.ack_timeout)
        self.last_ack = ack
        payload = ack.get("payload")
        if payload is None:
            return DriverResponse(200, "")
        return DriverResponse(200, json.dumps(payload), {"content-type": "application/json"})

    @staticmethod
    def to_envelope(body: str, headers: Mapping[str, str]) -> dict[str, Any]:
        """Turn an HTTP request body (and its headers) as Slack would post it into an envelope."""
        lowered = {k.lower(): v for k, v in headers.items()}
        content_type = lowered.get("content-type", "").split(";")[0].strip()
        if content_type == "application/json":
            retry = lowered.get("x-slack-retry-num")
            reason = lowered.get("x-slack-retry-reason")
            if reason == "http_timeout":
                reason = "timeout"
            return events_api_envelope(
                json.loads(body),
                retry_attempt=int(retry) if retry else 0,
                retry_reason=reason if retry else None,
            )
        form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
        if set(form) == {"payload"}:
            return interactive_envelope(json.loads(form["payload"]))
        return slash_command_envelope(form)
