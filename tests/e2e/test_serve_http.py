"""`s3bot serve` end to end: a real gunicorn process, signed HTTP requests, the Slack fake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from bot.store import models
from tests.fakes import SlackDriver
from tests.support.harness import ALICE, CHANNEL, CHEN, SECRET, TEAM
from tests.support.server import Server, get_json


@pytest.fixture
def server(db_url: str, fake, tmp_path: Path) -> Iterator[Server]:
    srv = Server(db_url, fake.url, tmp_path)
    try:
        yield srv
    finally:
        output = srv.stop()
        assert "Traceback" not in output, output


def _stored(db_url: str) -> list[models.BacklogItem]:
    from bot.store.db import normalise_url

    engine = create_engine(normalise_url(db_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(models.BacklogItem).order_by(models.BacklogItem.id)))
    finally:
        engine.dispose()


def test_healthz_answers_ok_when_the_database_answers(server: Server) -> None:
    assert get_json(server.url + "/healthz") == (200, {"status": "ok"})


def test_tension_over_http(server: Server, fake, db_url: str) -> None:
    driver = SlackDriver(SECRET, url=server.url, team_id=TEAM, response_url_base=fake.hooks_url)
    first = driver.command(
        "/tension", "Handovers between shifts get lost", user_id=ALICE, channel_id=CHANNEL
    )
    assert (first.status, first.body) == (200, "")
    [message] = fake.wait_for("chat.postMessage")
    assert "Handovers between shifts get lost" in json.dumps(message.args)
    driver.command("/tension", "list", user_id=CHEN, channel_id=CHANNEL)
    [listing] = fake.wait_for_responses()  # through the command's response_url
    assert driver.issued_to(listing["path"]) == CHEN and "Handovers" in json.dumps(listing)
    assert fake.calls_to("chat.postEphemeral") == []
    rows = _stored(db_url)
    assert [(r.team_id, r.channel_id, r.author_id, r.rank) for r in rows] == [
        (TEAM, CHANNEL, ALICE, 1)
    ]


BURST = 30


def test_sigterm_during_a_paced_burst_stops_cleanly_and_keeps_the_rest_queued(
    db_url: str, fake, tmp_path: Path
) -> None:
    # A burst in one channel: the announcements go out one per second (Slack's pace for
    # posts), so the outbox sweep is still waiting for its turns when the server is told to
    # stop. It stops waiting, the worker exits on its own (not killed after the grace time),
    # with no traceback, and what it did not post stays queued for the next start.
    srv = Server(db_url, fake.url, tmp_path)
    try:
        driver = SlackDriver(SECRET, url=srv.url, team_id=TEAM, response_url_base=fake.hooks_url)
        for n in range(BURST):
            reply = driver.command("/tension", f"burst {n}", user_id=ALICE, channel_id=CHANNEL)
            assert reply.status == 200
        fake.wait_for("chat.postMessage", count=3, timeout=15)  # pacing the rest out
    finally:
        output = srv.stop()
    assert srv.proc.returncode == 0, output  # exited by itself: SIGKILL would be -9
    assert "Traceback" not in output, output
    from bot.store.db import normalise_url

    engine = create_engine(normalise_url(db_url))
    try:
        with engine.connect() as conn:
            rows = list(conn.execute(select(models.Outbox.key, models.Outbox.sent_at)))
    finally:
        engine.dispose()
    posted = [c for c in fake.calls_to("chat.postMessage") if c.ok]
    assert len(rows) == BURST  # every announcement queued, once
    assert sum(sent is not None for _, sent in rows) == len(posted) < BURST


def test_bad_signature_over_http_is_401_and_stores_nothing(server: Server, db_url: str) -> None:
    driver = SlackDriver("wrong-secret", url=server.url, team_id=TEAM)
    response = driver.command("/tension", "forged", user_id=ALICE, channel_id=CHANNEL)
    assert response.status == 401
    assert _stored(db_url) == []


def test_garbage_signature_headers_over_http_are_401(server: Server, db_url: str) -> None:
    driver = SlackDriver(SECRET, url=server.url, team_id=TEAM)
    body = "command=%2Ftension&text=x&team_id=T0001&channel_id=C0CIRCLE&user_id=U0ALICE"
    for headers in ({}, {"X-Slack-Signature": "v0=00", "X-Slack-Request-Timestamp": "now"}):
        response = driver.send_raw(
            body, {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        )
        assert response.status == 401
    assert _stored(db_url) == []


def test_unknown_paths_are_404(server: Server) -> None:
    assert get_json(server.url + "/nope")[0] == 404


@pytest.mark.postgres
def test_healthz_is_503_when_the_database_goes_away(
    pg_server_url: str, fake, tmp_path: Path
) -> None:
    import uuid

    from sqlalchemy import text

    name = f"s3bot_gone_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    srv = Server(pg_server_url.rsplit("/", 1)[0] + f"/{name}", fake.url, tmp_path)
    try:
        assert get_json(srv.url + "/healthz") == (200, {"status": "ok"})
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE "{name}"'))
        assert get_json(srv.url + "/healthz") == (503, {"status": "database unavailable"})
    finally:
        srv.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_serve_refuses_to_start_without_a_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(
        SLACK_BOT_TOKEN="xoxb-x",
        SLACK_SIGNING_SECRET="s",
        DATABASE_URL="postgresql://nobody@127.0.0.1:9/none",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "0"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("s3bot: cannot reach the database (DATABASE_URL)")
    assert "Traceback" not in result.stderr


def test_malformed_signed_requests_over_http_get_a_clean_answer(server: Server, fake) -> None:
    from urllib.parse import urlencode

    driver = SlackDriver(SECRET, url=server.url, team_id=TEAM, response_url_base=fake.hooks_url)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    bodies = [
        urlencode({"payload": json.dumps({"type": "block_actions", "actions": {"a": 1}})}),
        urlencode({"payload": '{"type": "block_actions", "user": '}),  # truncated
        "payload=%FF%FE",  # not UTF-8 once decoded
        urlencode({"payload": json.dumps({"type": "view_submission", "view": []})}),
    ]
    for body in bodies:
        response = driver.send_raw(body, {**form, **driver.sign(body)})
        assert response.status in (200, 400), (body, response.status)
    assert get_json(server.url + "/healthz")[0] == 200  # the server is still well
