"""`s3bot socket` end to end: a real Socket Mode process, the Slack fake's WebSocket side."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import create_engine, select

from bot.store import models
from tests.fakes import FakeSlack, Response, SlackDriver
from tests.fakes.socket_mode import (
    SocketModeDriver,
    SocketModeFake,
    events_api_envelope,
    interactive_envelope,
    slash_command_envelope,
)
from tests.support.harness import ALICE, BRAM, CHANNEL, TEAM

APP_TOKEN = "xapp-1-test"
BOT_TOKEN = "xoxb-test"
START_TIMEOUT = 20.0


class SocketProcess:
    """A `s3bot socket` subprocess connected to the fake's Socket Mode endpoint."""

    def __init__(self, db_url: str, socket: SocketModeFake, tmp: Path) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DATABASE_URL")) and "proxy" not in k.lower()
        }
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            DATABASE_URL=db_url,
            SLACK_API_URL=socket.fake.url,
            LOG_LEVEL="WARNING",
        )
        self.log = (tmp / "socket.log").open("w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "socket"],
            env=env,
            cwd=tmp,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            if socket.connected.wait(0.1):
                return
        output = self.stop()
        raise AssertionError("s3bot socket did not connect:\n" + output)

    def stop(self) -> str:
        """SIGTERM the process (kill it after a while) and return its output."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.seek(0)
        output = self.log.read()
        self.log.close()
        return output


@pytest.fixture
def socket_mode(fake: FakeSlack) -> Iterator[SocketModeFake]:
    with SocketModeFake(fake) as running:
        yield running


@pytest.fixture
def bot_process(
    db_url: str, socket_mode: SocketModeFake, tmp_path: Path
) -> Iterator[SocketProcess]:
    process = SocketProcess(db_url, socket_mode, tmp_path)
    try:
        yield process
    finally:
        output = process.stop()
        assert "Traceback" not in output, output


def _stored(db_url: str) -> list[Any]:
    from bot.store.db import normalise_url

    engine = create_engine(normalise_url(db_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(models.BacklogItem).order_by(models.BacklogItem.id)))
    finally:
        engine.dispose()


def _processed_events(db_url: str) -> list[Any]:
    from bot.store.db import normalise_url

    engine = create_engine(normalise_url(db_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(models.ProcessedEvent)))
    finally:
        engine.dispose()


# --------------------------------------------------------------------- end to end


def test_tension_over_socket_mode(
    bot_process: SocketProcess, socket_mode: SocketModeFake, fake: FakeSlack, db_url: str
) -> None:
    # The app fetched its WebSocket URL from SLACK_API_URL with the app-level token.
    [opened] = fake.calls_to("apps.connections.open")
    assert opened.ok and opened.response["url"].startswith(socket_mode.url + "/link/?ticket=")

    driver = SocketModeDriver(socket_mode, team_id=TEAM, response_url_base=fake.hooks_url)
    response = driver.command("/tension", "Socket mode works", user_id=ALICE, channel_id=CHANNEL)
    assert (response.status, response.body) == (200, "")
    sent = socket_mode.sent[-1]
    assert sent["type"] == "slash_commands" and sent["accepts_response_payload"] is True
    assert sent["payload"]["command"] == "/tension" and sent["payload"]["user_id"] == ALICE
    assert socket_mode.wait_ack(sent["envelope_id"], 0) == {"envelope_id": sent["envelope_id"]}

    [announced] = fake.wait_for(
        "chat.postMessage", timeout=10, where=lambda c: c.args.get("channel") == CHANNEL
    )
    assert "Socket mode works" in json.dumps(announced.args)
    message = fake.last_message(CHANNEL)
    assert "Socket mode works" in json.dumps(message)
    rows = _stored(db_url)
    assert [(r.team_id, r.channel_id, r.author_id) for r in rows] == [(TEAM, CHANNEL, ALICE)]

    # An Events API retry is acked too (and handled once: the event id is remembered).
    reaction = {
        "type": "reaction_added",
        "user": BRAM,
        "item": {"type": "message", "channel": CHANNEL, "ts": message["ts"]},
        "reaction": "eyes",
        "item_user": fake.bot_user_id,
    }
    response = driver.event(reaction, event_id="Ev0SOCKET1", retry_num=1, retry_reason="timeout")
    assert (response.status, response.body) == (200, "")
    sent = socket_mode.sent[-1]
    assert sent["type"] == "events_api" and sent["accepts_response_payload"] is False
    assert (sent["retry_attempt"], sent["retry_reason"]) == (1, "timeout")
    assert sent["payload"]["event"]["type"] == "reaction_added"
    assert driver.last_ack == {"envelope_id": sent["envelope_id"]}
    deadline = time.monotonic() + 10
    events = [(e.team_id, e.event_id) for e in _processed_events(db_url)]
    while (TEAM, "Ev0SOCKET1") not in events and time.monotonic() < deadline:
        time.sleep(0.05)
        events = [(e.team_id, e.event_id) for e in _processed_events(db_url)]
    # Events by event_id; the /tension command before it by its request key.
    assert [e for e in events if not e[1].startswith("req:")] == [(TEAM, "Ev0SOCKET1")]


def test_socket_mode_survives_a_connection_refresh(
    bot_process: SocketProcess, socket_mode: SocketModeFake, fake: FakeSlack, db_url: str
) -> None:
    # After `disconnect` the builtin client only reads the new connection once its read of the
    # old one times out (up to 3 s), so the first ack after a refresh may be that late.
    socket_mode.ack_deadline = 6.0
    socket_mode.disconnect()
    socket_mode.wait_connections(2, timeout=10)
    assert len(fake.wait_for("apps.connections.open", 2)) == 2
    envelope_id = socket_mode.send_envelope(
        "slash_commands",
        _slash_fields("After the refresh"),
        accepts_response_payload=True,
    )
    assert socket_mode.wait_ack(envelope_id, 10) == {"envelope_id": envelope_id}
    fake.wait_for("chat.postMessage", timeout=10)
    assert [r.channel_id for r in _stored(db_url)] == [CHANNEL]


def _slash_fields(text: str) -> dict[str, str]:
    return {
        "token": "fake-verification-token",
        "team_id": TEAM,
        "team_domain": "demo",
        "channel_id": CHANNEL,
        "channel_name": "ops-circle",
        "user_id": ALICE,
        "user_name": "alice",
        "command": "/tension",
        "text": text,
        "api_app_id": "A0001",
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0001/1/x",
        "trigger_id": "1.2.abc",
    }


# --------------------------------------------------------------------- the fake itself


def test_connections_open_needs_an_app_token(socket_mode: SocketModeFake, fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(base_url=fake.url).apps_connections_open(app_token="xoxb-not-an-app-token")
    assert excinfo.value.response["error"] == "not_allowed_token_type"
    assert fake.errors == [
        "apps.connections.open: needs an app-level token (xapp-), not a bot token"
    ]
    fake.errors.clear()
    url = WebClient(base_url=fake.url).apps_connections_open(app_token=APP_TOKEN)["url"]
    assert url.startswith("ws://127.0.0.1:")


def test_unknown_tickets_and_stray_acks_are_violations(
    socket_mode: SocketModeFake, fake: FakeSlack
) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus):
        connect(socket_mode.url + "/link/?ticket=forged", open_timeout=5).close()
    url = WebClient(base_url=fake.url).apps_connections_open(app_token=APP_TOKEN)["url"]
    with connect(url, open_timeout=5) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello["type"] == "hello" and hello["connection_info"] == {"app_id": fake.app_id}
        assert socket_mode.connected.wait(5)
        envelope_id = socket_mode.send(events_api_envelope({"type": "event_callback"}))
        assert json.loads(ws.recv(timeout=5))["envelope_id"] == envelope_id
        ws.send(json.dumps({"envelope_id": envelope_id, "payload": {"text": "no"}}))
        assert socket_mode.wait_ack(envelope_id, 5)["payload"] == {"text": "no"}
        ws.send(json.dumps({"envelope_id": "never-sent"}))
        deadline = time.monotonic() + 5
        while len(fake.errors) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    with pytest.raises(InvalidStatus):  # a ticket is good for one connection
        connect(url, open_timeout=5).close()
    assert fake.errors[0].startswith("socket mode: connection with an unknown ticket")
    assert "carries a payload but the envelope does not accept one" in fake.errors[1]
    assert fake.errors[2] == "socket mode: ack for an envelope never sent: never-sent"
    assert fake.errors[3].startswith("socket mode: connection with an unknown ticket")
    fake.errors.clear()


@pytest.mark.shared
def test_envelopes_have_the_keys_of_real_ones(shared_slack_dir: Path) -> None:
    real = json.loads(
        (shared_slack_dir / "payloads" / "socket_mode_envelopes.json").read_text("utf-8")
    )
    by_type = {e["type"]: e for e in real}
    assert set(by_type) == {"interactive", "slash_commands", "events_api"}
    ours = {
        "interactive": interactive_envelope(by_type["interactive"]["payload"]),
        "slash_commands": slash_command_envelope(_slash_fields("x")),
        "events_api": events_api_envelope(
            by_type["events_api"]["payload"], retry_attempt=1, retry_reason="timeout"
        ),
    }
    for type_, mine in ours.items():
        theirs = by_type[type_]
        assert list(mine) == list(theirs), type_
        assert mine["accepts_response_payload"] == theirs["accepts_response_payload"], type_
    # Envelopes the Socket Mode driver makes of SlackDriver's requests have the same keys,
    # and their payloads carry every field of the real ones.
    captured: list[dict[str, Any]] = []

    class _Capture(SlackDriver):
        def send_raw(self, body: str, headers: dict[str, str]) -> Response:
            captured.append(SocketModeDriver.to_envelope(body, headers))
            return Response(200, "")

    driver = _Capture("unused", url="http://127.0.0.1:9/", team_id=TEAM)
    driver.command("/tension", "x", user_id=ALICE, channel_id=CHANNEL)
    driver.global_shortcut("do-something", user_id=ALICE)
    driver.event({"type": "reaction_added", "user": ALICE}, retry_num=1)
    driver.event({"type": "reaction_added", "user": ALICE})
    command, shortcut, retried, first = captured
    assert list(command) == list(by_type["slash_commands"])
    assert set(by_type["slash_commands"]["payload"]) <= set(command["payload"])
    assert all(isinstance(v, str) for v in command["payload"].values())
    assert list(shortcut) == list(by_type["interactive"])
    assert set(by_type["interactive"]["payload"]) <= set(shortcut["payload"])
    assert list(retried) == list(by_type["events_api"])
    assert (retried["retry_attempt"], retried["retry_reason"]) == (1, "timeout")
    assert (first["retry_attempt"], first["retry_reason"]) == (0, "")
    assert set(by_type["events_api"]["payload"]) <= set(first["payload"])
