""" "Raise as tension" keeps the quoted message readable (names, link labels, the original's
link) and harmless; channel posts use the channel's own language when Slack gives one."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.services import workspace
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot
from tests.support.steps import START, last_modal

SLACK_TEXT = (
    "<@U0BRAM> says <!channel> the build &amp; deploy is slow, see "
    "<https://ci.example.org/run/7|the CI run> and <https://ci.example.org> <!here>"
)
READABLE = (
    "@bram says @channel the build & deploy is slow, see "
    "the CI run (https://ci.example.org/run/7) and https://ci.example.org @here"
)


def raise_from(bot: Bot, user: str) -> dict:
    message = bot.fake.add_message(CHANNEL, SLACK_TEXT, user=ALICE)
    bot.driver.message_shortcut(
        ids.SHORTCUT_RAISE, user_id=user, channel_id=CHANNEL, message=message
    )
    bot.settle()
    return last_modal(bot)


def submit(bot: Bot, view: dict, user: str, **inputs: str) -> None:
    bot.driver.view_submission(
        view["callback_id"], fill(view, inputs), user_id=user,
        private_metadata=view.get("private_metadata", ""),
    )  # fmt: skip
    bot.settle()


def situation(view: dict) -> str:
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    return blocks[ids.IN_SITUATION[0]]["element"]["initial_value"]


def test_the_quote_shows_names_and_link_labels_and_pings_nobody(bot: Bot) -> None:
    view = raise_from(bot, CHEN)
    assert situation(view) == READABLE
    shown = json.dumps(view["blocks"])
    assert "slack.com/archives/C0CIRCLE/p" in shown and "From <" in shown  # the original kept
    submit(bot, view, CHEN, effect="Releases wait")
    posted = bot.fake.last_message(CHANNEL)
    everything = posted["text"] + json.dumps(posted.get("blocks"))
    assert "@bram says @channel" in everything
    assert "the CI run (https://ci.example.org/run/7)" in everything
    for code in ("<@U0BRAM>", "<!channel>", "<!here>", "<https://ci.example.org/run/7|"):
        assert code not in everything
    with bot.deps.sessions() as s:
        item = s.scalar(select(models.BacklogItem))
    assert item is not None and item.source_link and "C0CIRCLE" in item.source_link


def test_the_quote_in_dutch_for_a_dutch_speaker(bot: Bot) -> None:
    view = raise_from(bot, BRAM)
    assert situation(view) == READABLE
    assert "Uit <" in json.dumps(view["blocks"]) and "|dit bericht>" in json.dumps(view["blocks"])


def test_a_channel_with_its_own_language_gets_posts_in_it_asked_once(bot: Bot) -> None:
    bot.fake.channels[CHANNEL].locale = "nl-NL"  # the workspace speaks English
    bot.fake.add_channel("C0OTHER", "other-circle", [ALICE])
    bot.command("Vergaderingen lopen uit", user=ALICE)
    bot.command("Retro notes get lost", user=ALICE)
    bot.command("Nobody owns the wiki", user=ALICE, channel="C0OTHER")
    dutch = [json.dumps(m.get("blocks")) for m in bot.fake.messages_in(CHANNEL)]
    assert len(dutch) == 2 and all("bracht spanning #" in shown for shown in dutch)
    assert "raised tension #1" in json.dumps(bot.fake.last_message("C0OTHER").get("blocks"))
    asked = [
        c for c in bot.fake.calls_to("conversations.info")
        if c.args.get("channel") == CHANNEL and str(c.args.get("include_locale")).lower() in ("true", "1")
    ]  # fmt: skip
    assert len(asked) == 1  # cached: the next post in the channel does not ask Slack again


def test_a_channel_without_a_language_follows_the_workspace(bot: Bot) -> None:
    workspace.set_workspace_locale(bot.deps.sessions, team_id=TEAM, locale="nl", now=START)
    bot.deps.people.forget_workspace(TEAM)
    bot.command("Vergaderingen lopen uit", user=BRAM)
    assert "bracht spanning #1 in" in json.dumps(bot.fake.last_message(CHANNEL).get("blocks"))
