"""/tension end to end: signed requests in, calls to the Slack fake out."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from bot.services import backlog, workspace
from bot.store import models
from bot.store.db import make_session_factory
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot, make_bot


@pytest.fixture
def bot(db_url: str, fake) -> Bot:
    b = make_bot(db_url, fake)
    yield b
    b.deps.executor.wait_idle(5)
    b.deps.engine.dispose()


def _items(bot: Bot) -> list[models.BacklogItem]:
    with make_session_factory(bot.deps.engine)() as s:
        return list(s.scalars(select(models.BacklogItem).order_by(models.BacklogItem.id)))


def _all_text(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks") or [])


def test_raising_a_tension_stores_it_and_tells_the_channel(bot: Bot) -> None:
    response = bot.command("Our release notes are always late")
    assert response.status == 200 and response.body == ""
    [item] = _items(bot)
    assert (item.team_id, item.channel_id, item.author_id) == (TEAM, CHANNEL, ALICE)
    assert item.text == "Our release notes are always late"
    assert item.created_at is not None and item.rank == 1 and item.number == 1
    [message] = bot.fake.messages_in(CHANNEL)
    assert item.message_ts == message["ts"]
    shown = _all_text(message)
    assert "<@U0ALICE> raised tension #1" in shown
    assert "number 1 of 1 on this channel's governance backlog" in shown
    assert "Our release notes are always late" in shown


def test_second_tension_is_placed_below_the_first(bot: Bot) -> None:
    bot.command("first")
    bot.command("second", user=CHEN)
    second = bot.fake.messages_in(CHANNEL)[-1]
    assert "<@U0CHEN> raised tension #2" in second["text"] + json.dumps(second["blocks"])
    assert "number 2 of 2" in json.dumps(second["blocks"])


def test_list_shows_the_open_backlog_in_rank_order_only_to_the_asker(bot: Bot) -> None:
    for text in ("alpha", "beta", "gamma"):
        bot.command(text)
    posted_before = len(bot.fake.messages_in(CHANNEL))
    bot.command("list", user=CHEN)
    assert len(bot.fake.messages_in(CHANNEL)) == posted_before
    [reply] = bot.responses_for(CHEN)
    shown = json.dumps(reply["blocks"])
    assert "3 open items" in shown
    assert shown.index("alpha") < shown.index("beta") < shown.index("gamma")


def test_empty_backlog_list_says_so(bot: Bot) -> None:
    bot.command("list")
    [reply] = bot.responses_for(ALICE)
    assert "is empty" in reply["text"]


@pytest.mark.parametrize("text", ["help", "  HELP  "])
def test_help_is_ephemeral_and_stores_nothing(bot: Bot, text: str) -> None:
    bot.command(text)
    [reply] = bot.responses_for(ALICE)
    assert "/tension list" in json.dumps(reply["blocks"])
    assert _items(bot) == [] and bot.fake.messages_in(CHANNEL) == []


def test_dutch_speaker_gets_dutch_help_and_english_channel_message(bot: Bot) -> None:
    bot.command("help", user=BRAM)
    [reply] = bot.responses_for(BRAM)
    assert reply["text"] == "Zo gebruik je de S3-bot"
    bot.command("Vergaderingen lopen uit", user=BRAM)
    assert "raised tension #1" in bot.fake.messages_in(CHANNEL)[-1]["text"] + json.dumps(
        bot.fake.messages_in(CHANNEL)[-1]["blocks"]
    )
    assert any(
        c.args.get("user") == BRAM and str(c.args.get("include_locale")).lower() in ("true", "1")
        for c in bot.fake.calls_to("users.info")
    )


def test_workspace_default_language_is_used_in_the_channel(bot: Bot) -> None:
    workspace.set_workspace_locale(
        bot.deps.sessions, team_id=TEAM, locale="nl", now=bot.deps.clock()
    )
    bot.deps.people.forget_workspace(TEAM)
    bot.command("Vergaderingen lopen uit", user=BRAM)
    shown = json.dumps(bot.fake.messages_in(CHANNEL)[-1]["blocks"])
    assert "bracht spanning #1 in" in shown


def test_too_long_is_refused_with_the_limit_and_nothing_is_stored(bot: Bot) -> None:
    bot.command("x" * 3001)
    [reply] = bot.responses_for(ALICE)
    assert "3001 characters" in reply["text"] and "limit is 3000" in reply["text"]
    assert _items(bot) == [] and bot.fake.messages_in(CHANNEL) == []


@pytest.mark.parametrize(
    "raw",
    ["<!channel> fix this", "<!here> now", "<!everyone>", "ask <@U0BRAM>", "<https://x|label>"],
)
def test_special_syntax_is_shown_literally_and_pings_nobody(bot: Bot, raw: str) -> None:
    bot.command(raw)
    [item] = _items(bot)
    assert item.text == raw
    message = bot.fake.messages_in(CHANNEL)[-1]
    rendered = _all_text(message)
    assert raw not in rendered  # never sent as live syntax
    escaped = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped in rendered
    assert "link_names" not in bot.fake.calls_to("chat.postMessage")[-1].args


def test_ack_comes_before_the_slow_work(bot: Bot) -> None:
    bot.fake.set_delay("users.info", 1.0)
    response = bot.driver.command("/tension", "slow slack", user_id=ALICE, channel_id=CHANNEL)
    assert response.status == 200
    assert bot.deps.executor.pending >= 1  # the listener is still working after the ack went out
    assert bot.fake.calls_to("chat.postMessage") == []
    bot.settle()
    assert len(bot.fake.messages_in(CHANNEL)) == 1


def test_a_rate_limited_announcement_is_retried_and_the_tension_stored_once(bot: Bot) -> None:
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    bot.command("flaky slack")
    posts = bot.fake.calls_to("chat.postMessage")
    assert [c.status for c in posts] == [429, 200]
    assert len(_items(bot)) == 1
    assert len(bot.fake.messages_in(CHANNEL)) == 1


def _replies_to_alice(bot: Bot) -> str:
    return json.dumps(bot.responses_for(ALICE) + bot.ephemerals_for(ALICE))


def test_an_announcement_slack_refuses_is_retried_later_and_the_author_told_the_truth(
    bot: Bot,
) -> None:
    bot.fake.fail_next("chat.postMessage", status=500, times=10)
    bot.command("slack is down")
    [item] = _items(bot)
    assert bot.fake.messages_in(CHANNEL) == []
    told = _replies_to_alice(bot)
    assert "as soon as it does" in told
    assert "cannot post in this channel" not in told  # the bot is in the channel
    with bot.deps.sessions() as s:
        [row] = s.scalars(select(models.Outbox)).all()
        assert row.sent_at is None and row.last_error == "internal_error"
    bot.fake.reset()  # Slack is back
    from bot.delivery.outbox import deliver_outbox

    for _ in range(3):  # the sweep runs again and again: one announcement, linked to the item
        with bot.deps.sessions() as s:
            s.execute(models.Outbox.__table__.update().values(not_before=item.created_at))
            s.commit()
        deliver_outbox(bot.deps)
    [message] = bot.fake.messages_in(CHANNEL)
    assert "raised tension #1" in _all_text(message)
    assert _items(bot)[0].message_ts == message["ts"]


def test_private_channel_without_the_bot_tells_the_author(bot: Bot) -> None:
    bot.fake.add_channel("G0SECRET", "secret", [ALICE], is_private=True, is_member=False)
    bot.command("secret stuff", channel="G0SECRET")
    assert len(_items(bot)) == 1
    replies = [r for r in bot.fake.responses if "invite" in json.dumps(r["payload"]).lower()]
    assert len(replies) == 1
    assert replies[0]["payload"]["response_type"] == "ephemeral"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        "garbage-signature",
        "wrong-secret",
        "old",
    ],
)
def test_unsigned_or_badly_signed_requests_get_401_and_store_nothing(bot: Bot, headers) -> None:
    from urllib.parse import urlencode

    body = urlencode(
        {
            "team_id": TEAM,
            "channel_id": CHANNEL,
            "user_id": ALICE,
            "command": "/tension",
            "text": "sneaky",
            "trigger_id": "1.2.3",
            "response_url": bot.fake.hooks_url + "x",
        }
    )
    if headers == "garbage-signature":
        headers = {
            "X-Slack-Signature": "v0=deadbeef",
            "X-Slack-Request-Timestamp": str(int(time.time())),
        }
    elif headers == "wrong-secret":
        from tests.fakes import SlackDriver

        headers = SlackDriver("not-the-secret", app=bot.app).sign(body)
    elif headers == "old":
        headers = bot.driver.sign(body, timestamp=int(time.time()) - 301)
    headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
    response = bot.driver.send_raw(body, headers)
    bot.settle()
    assert response.status == 401
    assert _items(bot) == []
    assert bot.fake.calls == []


def test_database_down_tells_the_user_and_leaves_no_traceback(fake) -> None:
    from bot.app import build_app
    from bot.deps import build_deps
    from tests.fakes import SlackDriver
    from tests.support.harness import SECRET, settings_for

    deps = build_deps(settings_for("postgresql://nobody@127.0.0.1:9/none", fake))
    app = build_app(deps)
    bot = Bot(
        app=app,
        deps=deps,
        fake=fake,
        driver=SlackDriver(SECRET, app=app, team_id=TEAM, response_url_base=fake.hooks_url),
    )
    response = bot.command("the database is down")
    assert response.status == 200
    [reply] = bot.responses_for(ALICE)
    assert "could not save" in reply["text"] and "Nothing was saved" in reply["text"]
    assert "Traceback" not in reply["text"]
    assert bot.fake.messages_in(CHANNEL) == []


def test_unexpected_errors_reach_the_user_as_a_polite_message(bot: Bot, monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(backlog, "backlog_page", boom)
    bot.command("list")
    [reply] = bot.responses_for(ALICE)
    assert "something went wrong" in reply["text"]
    assert "secret internals" not in reply["text"] and "Traceback" not in reply["text"]


def test_home_tab_shows_the_persons_open_tensions(bot: Bot) -> None:
    bot.command("mine one")
    bot.command("not mine", user=CHEN)
    bot.event({"type": "app_home_opened", "user": ALICE, "channel": "D0ALICE", "tab": "home"})
    view = bot.fake.home_views[ALICE]
    assert view["type"] == "home"
    mine = json.dumps(
        [b for b in view["blocks"] if b.get("block_id", "").startswith("home_tensions")]
    )
    assert "mine one" in mine and "not mine" not in mine
    # Both show in the backlog of the channel Alice belongs to.
    assert "not mine" in json.dumps(view["blocks"])


def test_home_messages_tab_is_not_answered(bot: Bot) -> None:
    bot.event({"type": "app_home_opened", "user": ALICE, "channel": "D0ALICE", "tab": "messages"})
    assert bot.fake.calls_to("views.publish") == []


def test_reactions_on_ordinary_messages_are_ignored_and_retries_recorded_once(bot: Bot) -> None:
    bot.command("something")
    ts = bot.fake.messages_in(CHANNEL)[-1]["ts"]
    before = len(bot.fake.calls)
    event = {
        "type": "reaction_added",
        "user": CHEN,
        "reaction": "thumbsup",
        "item": {"type": "message", "channel": CHANNEL, "ts": ts},
        "item_user": "U0BOT",
    }
    assert bot.event(event, event_id="Ev42").status == 200
    assert bot.event(event, event_id="Ev42", retry_num=1).status == 200
    assert len(bot.fake.calls) == before  # nothing said to Slack
    with bot.deps.sessions() as s:
        events = select(func.count()).select_from(models.ProcessedEvent)
        assert s.scalar(events.where(models.ProcessedEvent.event_id == "Ev42")) == 1
