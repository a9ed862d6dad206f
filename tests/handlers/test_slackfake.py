"""Tests of the Slack fake and the request driver (tests/fakes).

The fake is the demo's stand-in (bot/demo/standin.py) with contract checks and faults.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import Clock, SignatureVerifier

from tests.fakes import FakeSlack, SlackDriver

SECRET = "test-signing-secret"
TOKEN = "xoxb-test"
TS_RE = re.compile(r"^\d{10}\.\d{6}$")
ENTERPRISE_KEYS = {"enterprise_id", "enterprise_name"}


# --------------------------------------------------------------------- fixtures


@pytest.fixture
def _shared_dir(shared_slack_dir: Path) -> Path:
    """../shared/slack (conftest: skips when absent outside CI, fails in CI)."""
    return shared_slack_dir


def _world(fake: FakeSlack) -> FakeSlack:
    """Populate a fake with a few users and channels."""
    fake.add_user("U1", "alice", locale="nl-NL", tz="Europe/Amsterdam")
    fake.add_user("U2", "bob", real_name="Bob B", tz="America/New_York", tz_offset=-18000)
    fake.add_user("U3", "carol")
    fake.add_user("U9", "gone", deleted=True)
    fake.add_user("UB2", "otherbot", is_bot=True)
    fake.add_channel("C1", "general", ["U1", "U2", "U3"])
    fake.add_channel("C2", "outside", ["U1"], is_member=False)
    fake.add_channel("G1", "secret", ["U1"], is_private=True, is_member=False)
    return fake


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A running fake without schema checks."""
    with FakeSlack() as running:
        yield _world(running)


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    """A WebClient talking to the fake."""
    return WebClient(token=TOKEN, base_url=fake.url)


@pytest.fixture
def schema_fake(_shared_dir: Path) -> Iterator[FakeSlack]:
    """A running fake checking calls against the shared method schemas."""
    with FakeSlack(_shared_dir / "methods") as running:
        yield _world(running)


def _slack_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    """Return the Slack error code carried by a SlackApiError."""
    return str(excinfo.value.response["error"])


def _modal(title: str = "Consent round", blocks: list | None = None, **extra: Any) -> dict:
    """Build a minimal modal view."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks or [],
        **extra,
    }


def _section(text: str = "hello") -> dict:
    """Build a section block."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# --------------------------------------------------------------------- Web API answers


def test_auth_test_describes_the_bot(fake: FakeSlack, client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["team_id"] == "T0001"
    assert resp["user_id"] == "U0BOT"
    assert resp["bot_id"] == "B0BOT"
    assert resp["team"] == "Demo Team"
    assert resp["url"] == "https://demo-team.slack.com/"
    assert fake.url.startswith("http://127.0.0.1:") and fake.url.endswith("/api/")
    assert fake.calls_to("auth.test")[0].status == 200


def test_post_message_returns_increasing_ts_and_stores(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="one")
    second = client.chat_postMessage(channel="C1", text="two", blocks=[_section()])
    assert first["channel"] == "C1"
    assert TS_RE.match(first["ts"]) and TS_RE.match(second["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["user"] == "U0BOT" and first["message"]["bot_id"] == "B0BOT"
    assert [m["text"] for m in fake.messages_in("C1")] == ["one", "two"]
    assert fake.last_message("C1")["blocks"] == [_section()]
    call = fake.calls_to("chat.postMessage")[0]
    assert call.args == {"channel": "C1", "text": "one"}  # token is not recorded
    assert call.ok


def test_post_message_channel_errors(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as unknown:
        client.chat_postMessage(channel="C404", text="x")
    assert _slack_error(unknown) == "channel_not_found"
    with pytest.raises(SlackApiError) as outside:
        client.chat_postMessage(channel="C2", text="x")
    assert _slack_error(outside) == "not_in_channel"
    with pytest.raises(SlackApiError) as private:
        client.chat_postMessage(channel="G1", text="x")
    assert _slack_error(private) == "channel_not_found"
    # Slack errors are answers, not contract violations.
    assert fake.errors == []
    fake.assert_clean()


def test_post_message_to_user_id_lands_in_dm(fake: FakeSlack, client: WebClient) -> None:
    resp = client.chat_postMessage(channel="U1", text="hi")
    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert resp["channel"] == dm == fake.dm_channel_id("U1")
    assert fake.last_message(dm)["text"] == "hi"


def test_conversations_open_dm_id_is_stable(fake: FakeSlack, client: WebClient) -> None:
    first = client.conversations_open(users="U1")
    second = client.conversations_open(users=["U1"])
    other = client.conversations_open(users="U2")
    assert first["channel"]["id"].startswith("D")
    assert first["channel"]["id"] == second["channel"]["id"] != other["channel"]["id"]
    assert "already_open" not in first.data and second["already_open"] is True
    full = client.conversations_open(users="U1", return_im=True)["channel"]
    assert full["is_im"] is True and full["user"] == "U1"
    # posting in a DM never needs channel membership
    client.chat_postMessage(channel=first["channel"]["id"], text="hello")
    for user, error in [
        ("U404", "user_not_found"),
        ("UB2", "cannot_dm_bot"),
        ("U9", "user_disabled"),
    ]:
        with pytest.raises(SlackApiError) as excinfo:
            client.conversations_open(users=user)
        assert _slack_error(excinfo) == error


def test_users_info_locale_only_when_requested(client: WebClient) -> None:
    plain = client.users_info(user="U1")["user"]
    assert "locale" not in plain
    assert plain["name"] == "alice" and plain["tz"] == "Europe/Amsterdam"
    assert plain["tz_offset"] in (3600, 7200)
    assert plain["tz_label"] in ("Central European Time", "Central European Summer Time")
    assert plain["profile"]["display_name"] == "alice"
    with_locale = client.users_info(user="U1", include_locale=True)["user"]
    assert with_locale["locale"] == "nl-NL"
    bob = client.users_info(user="U2")["user"]
    assert bob["tz_offset"] == -18000 and bob["real_name"] == "Bob B"
    gone = client.users_info(user="U9")["user"]
    assert gone["deleted"] is True and "tz" not in gone
    assert client.users_info(user="UB2")["user"]["is_bot"] is True
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="U404")
    assert _slack_error(excinfo) == "user_not_found"


def test_conversations_members_paginates(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C5", "big", [f"U{n:02d}" for n in range(7)])
    pages: list[list[str]] = []
    cursor = None
    while True:
        resp = client.conversations_members(channel="C5", limit=3, cursor=cursor)
        pages.append(resp["members"])
        cursor = resp["response_metadata"]["next_cursor"]
        if not cursor:
            break
    # the bot is a member of channels it is in, as on Slack
    assert pages == [["U00", "U01", "U02"], ["U03", "U04", "U05"], ["U06", "U0BOT"]]
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_members(channel="C5", cursor="bogus!")
    assert _slack_error(excinfo) == "invalid_cursor"


def test_conversations_info(client: WebClient) -> None:
    info = client.conversations_info(channel="C2")["channel"]
    assert info["id"] == "C2" and info["name"] == "outside"
    assert info["is_member"] is False and info["is_private"] is False
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_info(channel="G1")
    assert _slack_error(excinfo) == "channel_not_found"


def test_update_delete_and_permalink(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="draft")["ts"]
    updated = client.chat_update(channel="C1", ts=ts, text="final", blocks=[_section("final")])
    assert updated["ts"] == ts and updated["text"] == "final"
    assert fake.last_message("C1")["text"] == "final"
    assert fake.last_message("C1")["blocks"] == [_section("final")]
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link == f"https://demo-team.slack.com/archives/C1/p{ts.replace('.', '')}"
    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel="C1", ts="1.000001", text="x")
    assert _slack_error(missing) == "message_not_found"
    human = fake.add_message("C1", "mine", user="U1")
    with pytest.raises(SlackApiError) as foreign:
        client.chat_update(channel="C1", ts=human["ts"], text="x")
    assert _slack_error(foreign) == "cant_update_message"
    client.chat_delete(channel="C1", ts=ts)
    assert [m["text"] for m in fake.messages_in("C1")] == ["mine"]


def test_thread_replies_update_parent(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=parent)
    stored = fake.messages_in("C1")
    assert stored[0]["reply_count"] == 1
    assert stored[1]["thread_ts"] == parent


def test_ephemeral_messages(fake: FakeSlack, client: WebClient) -> None:
    resp = client.chat_postEphemeral(channel="C1", user="U2", text="only you")
    assert TS_RE.match(resp["message_ts"])
    assert fake.ephemerals[0]["user"] == "U2" and fake.ephemerals[0]["text"] == "only you"
    assert fake.messages_in("C1") == []
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postEphemeral(channel="C1", user="U9", text="x")
    assert _slack_error(excinfo) == "user_not_in_channel"


def test_reactions(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="agree?")["ts"]
    client.reactions_add(channel="C1", timestamp=ts, name="thumbsup")
    fake.add_reaction("C1", ts, "thumbsup", "U1")
    fake.add_reaction("C1", ts, ":tada:", "U2")
    message = client.reactions_get(channel="C1", timestamp=ts)["message"]
    assert message["reactions"] == [
        {"name": "thumbsup", "users": ["U0BOT", "U1"], "count": 2},
        {"name": "tada", "users": ["U2"], "count": 1},
    ]
    with pytest.raises(SlackApiError) as excinfo:
        client.reactions_add(channel="C1", timestamp=ts, name="thumbsup")
    assert _slack_error(excinfo) == "already_reacted"
    client.reactions_remove(channel="C1", timestamp=ts, name="thumbsup")
    assert fake.last_message("C1")["reactions"][0]["users"] == ["U1"]
    with pytest.raises(LookupError):
        fake.add_reaction("C1", "1.000001", "x", "U1")


def test_views_open_update_push_publish(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id="1.2.abc", view=_modal(external_id="ext-1"))["view"]
    assert re.match(r"^V\w+$", opened["id"]) and opened["hash"]
    assert fake.views[opened["id"]]["title"]["text"] == "Consent round"
    updated = client.views_update(external_id="ext-1", view=_modal("Round 2", external_id="ext-1"))
    assert updated["view"]["id"] == opened["id"]
    assert fake.views[opened["id"]]["title"]["text"] == "Round 2"
    with pytest.raises(SlackApiError) as conflict:
        client.views_update(view_id=opened["id"], hash="stale", view=_modal())
    assert _slack_error(conflict) == "hash_conflict"
    with pytest.raises(SlackApiError) as unknown:
        client.views_update(view_id="V404", view=_modal())
    assert _slack_error(unknown) == "not_found"
    pushed = client.views_push(trigger_id="1.2.def", view=_modal("Details"))["view"]
    assert pushed["id"] != opened["id"]
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": [_section()]})
    again = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert home["view"]["id"] == again["view"]["id"]
    assert fake.home_views["U1"]["blocks"] == []
    fake.assert_clean()


def test_expired_trigger_only_when_injected(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("views.open", status=200, error="expired_trigger_id")
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id="1.2.abc", view=_modal())
    assert _slack_error(excinfo) == "expired_trigger_id"
    assert client.views_open(trigger_id="1.2.abc", view=_modal())["ok"] is True
    assert [c.ok for c in fake.calls_to("views.open")] == [False, True]


# --------------------------------------------------------------------- contract checks


def test_unknown_method_is_recorded(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("chat.postMassage", json={"channel": "C1", "text": "x"})
    assert _slack_error(excinfo) == "unknown_method"
    assert excinfo.value.response.status_code == 404
    assert any("chat.postMassage" in e for e in fake.errors)
    with pytest.raises(AssertionError, match="chat.postMassage"):
        fake.assert_clean()


def test_bad_or_missing_token_is_recorded(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as user_token:
        WebClient(token="xoxp-user", base_url=fake.url).auth_test()
    assert _slack_error(user_token) == "invalid_auth"
    with pytest.raises(SlackApiError) as no_token:
        WebClient(base_url=fake.url).auth_test()
    assert _slack_error(no_token) == "not_authed"
    assert len(fake.errors) == 2
    # a form `token` argument is accepted too, and not recorded as an argument
    resp = WebClient(base_url=fake.url).api_call("auth.test", params={"token": TOKEN})
    assert resp["ok"] is True and fake.calls[-1].args == {}


def test_contract_from_a_schema_dir(tmp_path: Path) -> None:
    schema = {
        "args": {
            "required": ["token", "user"],
            "properties": {
                "token": {"type": "string"},
                "user": {"type": "string"},
                "include_locale": {"type": "boolean"},
            },
        }
    }
    (tmp_path / "users.info.json").write_text(json.dumps(schema))
    with FakeSlack(tmp_path) as fake:
        fake.add_user("U1", "alice")
        client = WebClient(token=TOKEN, base_url=fake.url)
        assert client.users_info(user="U1", include_locale=True)["ok"]
        fake.assert_clean()
        for params in ({}, {"user": "U1", "colour": "red"}, {"user": "U1", "include_locale": "x"}):
            with pytest.raises(SlackApiError) as excinfo:
                client.api_call("users.info", http_verb="GET", params=params)
            assert _slack_error(excinfo) == "invalid_arguments"
        assert len(fake.errors) == 3
        assert "missing required argument 'user'" in fake.errors[0]
        assert "unknown argument 'colour'" in fake.errors[1]
        assert "'include_locale'" in fake.errors[2]
        with pytest.raises(AssertionError, match="colour"):
            fake.assert_clean()


@pytest.mark.shared
def test_contract_with_shared_schemas(schema_fake: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=schema_fake.url)
    ts = client.chat_postMessage(channel="C1", text="ok", unfurl_links=False)["ts"]
    client.chat_update(channel="C1", ts=ts, text="ok2")
    client.chat_getPermalink(channel="C1", message_ts=ts)
    client.reactions_add(channel="C1", timestamp=ts, name="eyes")
    client.reactions_get(channel="C1", timestamp=ts)
    client.conversations_members(channel="C1", limit=2)
    client.conversations_info(channel="C1")
    client.conversations_open(users="U1")
    client.users_info(user="U1", include_locale=True)
    client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    schema_fake.assert_clean()

    with pytest.raises(SlackApiError) as missing:
        client.api_call("chat.postMessage", json={"text": "no channel"})
    assert _slack_error(missing) == "invalid_arguments"
    with pytest.raises(SlackApiError) as unknown_arg:
        client.chat_postMessage(channel="C1", text="x", colour="red")
    assert _slack_error(unknown_arg) == "invalid_arguments"
    with pytest.raises(SlackApiError) as builtin:  # no schema file: built-in table
        client.api_call("chat.getPermalink", http_verb="GET", params={"channel": "C1"})
    assert _slack_error(builtin) == "invalid_arguments"
    with pytest.raises(SlackApiError) as json_body:  # users.info takes form arguments only
        client.api_call("users.info", json={"user": "U1"})
    assert _slack_error(json_body) == "invalid_arguments"
    errors = "\n".join(schema_fake.errors)
    assert "chat.postMessage: missing required argument 'channel'" in errors
    assert "chat.postMessage: unknown argument 'colour'" in errors
    assert "chat.getPermalink: missing required argument 'message_ts'" in errors
    assert "users.info does not accept JSON bodies" in errors
    with pytest.raises(AssertionError):
        schema_fake.assert_clean()


# --------------------------------------------------------------------- Block Kit limits


def test_message_block_limits(fake: FakeSlack, client: WebClient) -> None:
    assert client.chat_postMessage(channel="C1", text="x", blocks=[_section()] * 50)["ok"]
    fake.assert_clean()
    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel="C1", text="x", blocks=[_section()] * 51)
    assert _slack_error(too_many) == "invalid_blocks"
    assert fake.errors == ["chat.postMessage: 51 blocks (max 50)"]
    fake.reset()
    button = {
        "type": "button",
        "action_id": "a",
        "value": "v" * 2001,
        "text": {"type": "plain_text", "text": "b"},
    }
    bad = [
        [_section("x" * 3001)],
        [{"type": "actions", "block_id": "b" * 256, "elements": []}],
        [{"type": "actions", "elements": [button]}],
    ]
    for blocks in bad:
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C1", text="x", blocks=blocks)
    assert len(fake.errors) == 3 and fake.messages_in("C1") == []
    fake.reset()
    # blocks sent as a JSON string in a form body are parsed and checked too
    with pytest.raises(SlackApiError):
        client.api_call(
            "chat.postMessage", params={"channel": "C1", "blocks": json.dumps([_section()] * 51)}
        )
    with pytest.raises(SlackApiError) as no_text, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="C1")
    assert _slack_error(no_text) == "no_text"
    assert len(fake.errors) == 2


def test_view_limits(fake: FakeSlack, client: WebClient) -> None:
    assert client.views_open(trigger_id="1.2.3", view=_modal("x" * 24))["ok"]
    fake.assert_clean()
    with pytest.raises(SlackApiError) as long_title:
        client.views_open(trigger_id="1.2.3", view=_modal("x" * 25))
    assert _slack_error(long_title) == "invalid_blocks"
    assert fake.errors == ["views.open: modal title is 25 characters (max 24)"]
    fake.reset()
    long_input = {
        "type": "input",
        "label": {"type": "plain_text", "text": "Proposal"},
        "element": {"type": "plain_text_input", "action_id": "p", "max_length": 3001},
    }
    cases = [
        _modal(blocks=[_section()] * 101),
        _modal(blocks=[long_input]),
        _modal(private_metadata="m" * 3001),
    ]
    for view in cases:
        with pytest.raises(SlackApiError):
            client.views_open(trigger_id="1.2.3", view=view)
    with pytest.raises(SlackApiError):
        client.views_publish(user_id="U1", view={"type": "home", "blocks": [_section()] * 101})
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": [_section()] * 100})
    assert len(fake.errors) == 4 and fake.views == {}


# --------------------------------------------------------------------- faults and timing


def test_rate_limit_retried_with_handler(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    client = WebClient(
        token=TOKEN, base_url=fake.url, retry_handlers=[RateLimitErrorRetryHandler()]
    )
    started = time.monotonic()
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(fake.messages_in("C1")) == 1


def test_rate_limit_raises_without_handler(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="x")
    assert _slack_error(excinfo) == "ratelimited"
    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["Retry-After"] == "1"
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True


def test_server_error_retried_with_handler(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("users.info", status=500)
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="U1")
    assert excinfo.value.response.status_code == 500
    fake.fail_next("users.info", status=500)
    retrying = WebClient(
        token=TOKEN,
        base_url=fake.url,
        retry_handlers=[
            ServerErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0.01))
        ],
    )
    assert retrying.users_info(user="U1")["user"]["id"] == "U1"
    assert [c.status for c in fake.calls_to("users.info")] == [500, 500, 200]


def test_fail_next_times_and_error(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.update", status=200, error="edit_window_closed", times=2)
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_update(channel="C1", ts=ts, text="y")
        assert _slack_error(excinfo) == "edit_window_closed"
    assert client.chat_update(channel="C1", ts=ts, text="y")["ok"]
    with pytest.raises(ValueError):
        fake.fail_next("chat.update", status=200)


def test_set_delay_slows_answers(fake: FakeSlack, client: WebClient) -> None:
    fake.set_delay("auth.test", 0.3)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3
    fake.set_delay("auth.test", 0)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.3


def test_wait_for_and_reset(fake: FakeSlack, client: WebClient) -> None:
    timer = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C1", text="later"))
    timer.start()
    calls = fake.wait_for("chat.postMessage", timeout=3, where=lambda c: c.args["text"] == "later")
    timer.join()
    assert calls[0].response["channel"] == "C1"
    with pytest.raises(AssertionError, match="chat.postMessage -> 200"):
        fake.wait_for("chat.postMessage", count=2, timeout=0.1)
    fake.reset()
    assert fake.calls == [] and fake.messages == {} and fake.errors == []
    assert "U1" in fake.users and "C1" in fake.channels


def test_response_urls_are_recorded(fake: FakeSlack) -> None:
    from slack_sdk.webhook import WebhookClient

    resp = WebhookClient(fake.hooks_url + "commands/T0001/1/x").send(text="done")
    assert resp.status_code == 200 and resp.body == "ok"
    assert fake.responses[0]["payload"] == {"text": "done"}


def test_an_expired_response_url_is_refused_like_slack_does(fake: FakeSlack) -> None:
    from slack_sdk.webhook import WebhookClient

    fake.expire_hooks_next()
    hook = WebhookClient(fake.hooks_url + "actions/T0001/1/x")
    resp = hook.send(text="late")
    assert resp.status_code == 404 and resp.body == "expired_url"
    assert fake.responses == []
    assert hook.send(text="again").status_code == 200  # only the next one was expired


# --------------------------------------------------------------------- driver


def _bare_app(fake: FakeSlack, secret: str = SECRET, **kwargs: Any) -> App:
    """A Bolt app using the fake as its Web API."""
    return App(
        signing_secret=secret,
        token="xoxb-x",
        token_verification_enabled=False,
        client=WebClient(base_url=fake.url, token="xoxb-x"),
        **kwargs,
    )


class _FixedClock(Clock):
    """A signature-verifier clock stuck at one instant."""

    def __init__(self, now: float) -> None:
        """Remember the instant."""
        self._now = now

    def now(self) -> float:
        """Return the fixed instant."""
        return self._now


def test_driver_signs_like_slack() -> None:
    driver = SlackDriver(SECRET, url="http://127.0.0.1:1", clock=lambda: 1_700_000_000.5)
    headers = driver.sign("a=b")
    assert headers["X-Slack-Request-Timestamp"] == "1700000000"
    verifier = SignatureVerifier(SECRET, clock=_FixedClock(1_700_000_000))
    assert verifier.is_valid(
        "a=b", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert not verifier.is_valid(
        "a=c", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    with pytest.raises(ValueError):
        SlackDriver(SECRET)


def test_command_in_process_signature(fake: FakeSlack) -> None:
    app = _bare_app(fake)
    seen: list[dict] = []

    @app.command("/echo")
    def echo(ack: Any, command: dict) -> None:
        seen.append(command)
        ack(f"echo: {command['text']}")

    ok = SlackDriver(SECRET, app=app).command("/echo", "hi", user_id="U1", channel_id="C1")
    assert ok.status == 200 and ok.body == "echo: hi"
    assert seen[0]["user_id"] == "U1" and seen[0]["channel_id"] == "C1"
    assert re.match(r"^\d+\.\d+\.[0-9a-f]+$", seen[0]["trigger_id"])
    wrong = SlackDriver("not-the-secret", app=app).command(
        "/echo", "hi", user_id="U1", channel_id="C1"
    )
    assert wrong.status == 401
    stale = SlackDriver(SECRET, app=app, clock=lambda: time.time() - 600)
    assert stale.command("/echo", "hi", user_id="U1", channel_id="C1").status == 401
    unsigned = SlackDriver(SECRET, app=app).send_raw(
        "command=%2Fecho", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert unsigned.status == 401
    assert len(seen) == 1
    fake.assert_clean()


class _QuietHandler(WSGIRequestHandler):
    """WSGI request handler that does not log."""

    def log_message(self, format: str, *args: Any) -> None:
        """Drop access logs."""


@pytest.fixture
def wsgi_url(fake: FakeSlack) -> Iterator[str]:
    """Serve a Bolt app with an /echo command over HTTP; yield its base URL."""
    app = _bare_app(fake)

    @app.command("/echo")
    def echo(ack: Any, command: dict) -> None:
        ack({"response_type": "ephemeral", "text": command["text"].upper()})

    server: WSGIServer = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietHandler
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_command_over_http(wsgi_url: str) -> None:
    resp = SlackDriver(SECRET, url=wsgi_url).command("/echo", "hi", user_id="U1", channel_id="C1")
    assert resp.status == 200
    assert resp.json() == {"response_type": "ephemeral", "text": "HI"}
    assert resp.headers["content-type"].startswith("application/json")
    wrong = SlackDriver("nope", url=wsgi_url + "/slack/events").command(
        "/echo", user_id="U1", channel_id="C1"
    )
    assert wrong.status == 401


def test_driver_requests_reach_bolt_listeners(fake: FakeSlack) -> None:
    app = _bare_app(fake, process_before_response=True)
    got: dict[str, Any] = {}

    @app.action("vote")
    def on_vote(ack: Any, body: dict, action: dict) -> None:
        ack()
        got["vote"] = (body["container"]["message_ts"], body["channel"]["id"], action["value"])

    @app.action("pick")
    def on_pick(ack: Any, body: dict, action: dict) -> None:
        ack()
        got["pick"] = (body["view"]["id"], action["selected_option"]["value"])

    @app.view("propose")
    def on_submit(ack: Any, view: dict) -> None:
        ack(response_action="errors", errors={"b": "too short"})
        got["view"] = (view["state"]["values"]["b"]["a"]["value"], view["private_metadata"])

    @app.view_closed("propose")
    def on_closed(ack: Any, view: dict) -> None:
        ack()
        got["closed"] = view["callback_id"]

    @app.shortcut("tension")
    def on_global(ack: Any, shortcut: dict) -> None:
        ack()
        got["global"] = shortcut["user"]["id"]

    @app.message_shortcut("from_message")
    def on_message(ack: Any, shortcut: dict) -> None:
        ack()
        got["message"] = (shortcut["message"]["text"], shortcut["channel"]["id"])

    @app.event("reaction_added")
    def on_reaction(event: dict, request: Any) -> None:
        got["reaction"] = (event["reaction"], request.headers.get("x-slack-retry-num", [None])[0])

    @app.event("app_home_opened")
    def on_home(event: dict) -> None:
        got["home"] = event["user"]

    driver = SlackDriver(SECRET, app=app)
    assert (
        driver.block_action(
            "vote", "yes", user_id="U1", channel_id="C1", message_ts="1.000100"
        ).status
        == 200
    )
    option = {"text": {"type": "plain_text", "text": "B"}, "value": "b"}
    view = {"id": "V42", "callback_id": "propose"}
    pick = driver.block_action(
        "pick", user_id="U1", view=view, selected_option=option, action_type="static_select"
    )
    assert pick.status == 200
    values = {"b": {"a": {"type": "plain_text_input", "value": "text"}}}
    submitted = driver.view_submission("propose", values, user_id="U1", private_metadata="m")
    assert submitted.json() == {"response_action": "errors", "errors": {"b": "too short"}}
    assert driver.view_closed("propose", user_id="U1").status == 200
    assert driver.global_shortcut("tension", user_id="U2").status == 200
    msg = {"ts": "1.000200", "text": "a tension", "user": "U2"}
    assert (
        driver.message_shortcut("from_message", user_id="U1", channel_id="C1", message=msg).status
        == 200
    )
    assert (
        driver.reaction_added(
            "tada", user_id="U1", channel_id="C1", ts="1.000200", item_user="U2"
        ).status
        == 200
    )
    assert (
        driver.event(
            {"type": "reaction_added", "user": "U1", "reaction": "eyes", "item": {}}, retry_num=1
        ).status
        == 200
    )
    assert driver.app_home_opened("U3").status == 200
    assert got == {
        "vote": ("1.000100", "C1", "yes"),
        "pick": ("V42", "b"),
        "view": ("text", "m"),
        "closed": "propose",
        "global": "U2",
        "message": ("a tension", "C1"),
        "reaction": ("eyes", "1"),
        "home": "U3",
    }
    fake.assert_clean()


# --------------------------------------------------------------------- payload shapes


def _keys(obj: Any) -> set[str]:
    """Return the key set of a dict."""
    assert isinstance(obj, dict), obj
    return set(obj)


class _Capture:
    """Stands in for a Bolt app and captures what the driver sends."""

    def __init__(self) -> None:
        """Start with no captured requests."""
        self.requests: list[tuple[str, dict[str, str]]] = []

    def dispatch(self, req: Any) -> Any:
        """Record the body and headers; answer 200."""
        from slack_bolt.response import BoltResponse

        self.requests.append((req.raw_body, {k: v[0] for k, v in req.headers.items()}))
        return BoltResponse(status=200, body="")

    def payload(self) -> dict[str, Any]:
        """Return the last interactivity payload."""
        body, headers = self.requests[-1]
        assert headers["content-type"] == "application/x-www-form-urlencoded"
        form = dict(parse_qsl(body))
        assert set(form) == {"payload"}
        return json.loads(form["payload"])


def _assert_shape(actual: dict, samples: list[dict], what: str) -> None:
    """Keys Slack always sends must be present; no key unknown to the samples may appear."""
    required = set.intersection(*(_keys(s) - ENTERPRISE_KEYS for s in samples))
    allowed = set.union(*(_keys(s) for s in samples))
    assert required <= set(actual), f"{what}: missing {required - set(actual)}"
    assert set(actual) <= allowed, f"{what}: unexpected {set(actual) - allowed}"


def _load(shared: Path, name: str) -> Any:
    """Load one reference payload."""
    return json.loads((shared / "payloads" / name).read_text())


@pytest.fixture
def capture() -> tuple[_Capture, SlackDriver]:
    """A driver wired to a capturing stand-in app."""
    cap = _Capture()
    return cap, SlackDriver(SECRET, app=cap)  # type: ignore[arg-type]


@pytest.mark.shared
def test_command_shape(_shared_dir: Path, capture: tuple[_Capture, SlackDriver]) -> None:
    cap, driver = capture
    form_sample = dict(
        parse_qsl((_shared_dir / "payloads" / "slash_command.form.txt").read_text().strip())
    )
    parsed_sample = _load(_shared_dir, "slash_command.parsed.json")
    envelopes = _load(_shared_dir, "socket_mode_envelopes.json")
    socket_sample = next(e["payload"] for e in envelopes if e["type"] == "slash_commands")
    driver.command("/s3", "help", user_id="U1", channel_id="C1")
    body, headers = cap.requests[-1]
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["x-slack-signature"].startswith("v0=")
    fields = dict(parse_qsl(body, keep_blank_values=True))
    _assert_shape(fields, [form_sample, parsed_sample, socket_sample], "slash command")
    assert fields["command"] == "/s3" and fields["text"] == "help"


@pytest.mark.shared
def test_block_action_shape(_shared_dir: Path, capture: tuple[_Capture, SlackDriver]) -> None:
    cap, driver = capture
    sample = _load(_shared_dir, "block_actions.json")
    driver.block_action("a", "v", user_id="U1", channel_id="C1", message_ts="1.000100")
    payload = cap.payload()
    _assert_shape(payload, [sample], "block_actions")
    for key in ("user", "team", "container", "channel"):
        _assert_shape(payload[key], [sample[key]], f"block_actions.{key}")
    _assert_shape(payload["actions"][0], [sample["actions"][0]], "block_actions.actions[0]")
    view_sample = _load(_shared_dir, "view_submission.json")["view"]
    driver.block_action("a", "v", user_id="U1", view={"id": "V9", "callback_id": "c"})
    in_view = cap.payload()
    assert in_view["container"] == {"type": "view", "view_id": "V9"}
    _assert_shape(in_view["view"], [view_sample], "block_actions.view")
    assert "channel" not in in_view and "response_url" not in in_view


@pytest.mark.shared
def test_view_submission_shape(_shared_dir: Path, capture: tuple[_Capture, SlackDriver]) -> None:
    cap, driver = capture
    samples = [
        _load(_shared_dir, n)
        for n in ("view_submission.json", "view_submission_with_response_urls.json")
    ]
    values = {"b": {"a": {"type": "plain_text_input", "value": "x"}}}
    driver.view_submission("cb", values, user_id="U1", private_metadata="pm")
    payload = cap.payload()
    _assert_shape(payload, samples, "view_submission")
    for key in ("user", "team", "view"):
        _assert_shape(payload[key], [s[key] for s in samples], f"view_submission.{key}")
    assert payload["view"]["state"]["values"] == values
    assert payload["view"]["callback_id"] == "cb" and payload["view"]["private_metadata"] == "pm"


@pytest.mark.shared
def test_shortcut_shapes(_shared_dir: Path, capture: tuple[_Capture, SlackDriver]) -> None:
    cap, driver = capture
    message_sample = _load(_shared_dir, "shortcut_message.json")
    driver.message_shortcut(
        "cb", user_id="U1", channel_id="C1", message={"ts": "1.000100", "text": "t", "user": "U2"}
    )
    payload = cap.payload()
    _assert_shape(payload, [message_sample], "message_action")
    for key in ("user", "team", "channel"):
        _assert_shape(payload[key], [message_sample[key]], f"message_action.{key}")
    assert payload["message_ts"] == payload["message"]["ts"] == "1.000100"

    envelopes = _load(_shared_dir, "socket_mode_envelopes.json")
    global_samples = [_load(_shared_dir, "shortcut_global.json")]
    global_samples += [e["payload"] for e in envelopes if e["payload"].get("type") == "shortcut"]
    driver.global_shortcut("cb", user_id="U1")
    payload = cap.payload()
    _assert_shape(payload, global_samples, "shortcut")
    for key in ("user", "team"):
        _assert_shape(payload[key], [s[key] for s in global_samples], f"shortcut.{key}")


@pytest.mark.shared
def test_event_shapes(_shared_dir: Path, capture: tuple[_Capture, SlackDriver]) -> None:
    cap, driver = capture
    envelopes = _load(_shared_dir, "socket_mode_envelopes.json")
    samples = [
        _load(_shared_dir, "event_callback_reaction_added_with_authorizations.json"),
        _load(_shared_dir, "event_callback_app_home_opened_home.json"),
        *[e["payload"] for e in envelopes if e["type"] == "events_api"],
    ]
    by_type = {s["event"]["type"]: s for s in samples}
    driver.reaction_added("heart", user_id="U1", channel_id="C1", ts="1.000100", item_user="U2")
    driver.app_home_opened("U1")
    driver.event(dict(by_type["message"]["event"]), retry_num=2, retry_reason="timeout")
    assert len(cap.requests) == 3
    event_ids = set()
    for (body, headers), event_type in zip(
        cap.requests, ["reaction_added", "app_home_opened", "message"], strict=True
    ):
        assert headers["content-type"] == "application/json"
        envelope = json.loads(body)
        _assert_shape(envelope, samples, "event_callback")
        _assert_shape(envelope["event"], [by_type[event_type]["event"]], f"event {event_type}")
        _assert_shape(
            envelope["authorizations"][0],
            [s["authorizations"][0] for s in samples],
            "authorizations",
        )
        event_ids.add(envelope["event_id"])
    assert len(event_ids) == 3
    assert cap.requests[-1][1]["x-slack-retry-num"] == "2"
    assert cap.requests[-1][1]["x-slack-retry-reason"] == "timeout"
    assert "x-slack-retry-num" not in cap.requests[0][1]


def test_a_workflow_step_completes_once_with_its_own_token(fake: FakeSlack) -> None:
    execution_id, token = fake.start_execution()
    step = WebClient(token=token, base_url=fake.url)
    assert step.functions_completeSuccess(function_execution_id=execution_id, outputs={"a": "b"})
    assert fake.executions[execution_id] == {
        "state": "completed",
        "token": token,
        "outputs": {"a": "b"},
    }
    bot = WebClient(token=TOKEN, base_url=fake.url)
    for call, error in (
        (lambda: bot.functions_completeError(function_execution_id=execution_id, error="x"),
         "execution_not_in_running_state"),
        (lambda: bot.functions_completeError(function_execution_id="Fx0NONE", error="x"),
         "function_execution_not_found"),
        (lambda: step.chat_postMessage(channel="C1", text="after the end"), "invalid_auth"),
    ):  # fmt: skip
        with pytest.raises(SlackApiError) as refused:
            call()
        assert refused.value.response["error"] == error
