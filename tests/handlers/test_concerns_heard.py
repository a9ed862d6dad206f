"""After consent, the concerns (issue 11, part 6): each person who recorded one is asked by DM
whether it should be heard; their answer (once) and what should happen are kept beside the
agreement's evaluation criteria, and "hear it" puts the concern on the circle's backlog."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.blocks import ids
from bot.services import consent
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHEN, TEAM, Bot
from tests.support.steps import (
    answer_with_reason,
    click,
    is_controls,
    last_modal,
    start_round,
    submit,
    sweep,
)

PING = "<!channel> and <@U0ALICE>: who checks the notes?"
PING_ESCAPED = "&lt;!channel&gt; and &lt;@U0ALICE&gt;: who checks the notes?"


def shown(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks") or [], ensure_ascii=False)


def buttons(message: dict) -> dict[str, dict]:
    return {
        e["action_id"]: e
        for b in message.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    }


def asked(bot: Bot, user: str) -> list[dict]:
    """The DMs asking `user` whether their concern should be heard (as they stand now)."""
    sweep(bot)
    dm = bot.fake.dm_channel_id(user)
    with bot.deps.sessions() as s:
        ts = set(
            s.scalars(
                select(models.ConcernHearing.dm_ts).where(models.ConcernHearing.user_id == user)
            )
        )
    return [m for m in bot.fake.messages_in(dm) if m["ts"] in ts] if dm else []


def press(bot: Bot, action_id: str, message: dict, user: str, trigger_id: str | None = None):
    value = buttons(message)[action_id]["value"]
    response = bot.driver.block_action(
        action_id, value, user_id=user, channel_id=bot.fake.dm_channel_id(user),
        message_ts=message["ts"], block_id=ids.BLOCK_CONCERN_HEARING, trigger_id=trigger_id,
    )  # fmt: skip
    bot.settle()
    return response


def follow_up(text: str | None) -> dict:
    key = ids.IN_CONCERN_FOLLOW_UP
    return {key[0]: {key[1]: {"type": "plain_text_input", "value": text}}}


def consented_with_concerns(bot: Bot) -> consent.RoundView:
    """Alice's round: Bram (Dutch) and Chen record concerns, Alice consents; it closes."""
    rnd = start_round(bot, evaluation="No late notes for two months")
    answer_with_reason(bot, ids.ACT_ANSWER_CONCERN, rnd.id, BRAM, "Te weinig tijd voor QA")
    answer_with_reason(bot, ids.ACT_ANSWER_CONCERN, rnd.id, CHEN, PING)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    sweep(bot)
    rnd = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert rnd.outcome.value == "consented" and rnd.agreement_number == 1
    return rnd


def items(bot: Bot) -> list[models.BacklogItem]:
    with bot.deps.sessions() as s:
        return list(s.scalars(select(models.BacklogItem)))


def detail(bot: Bot, user: str = ALICE) -> str:
    bot.command("1", user=user, command="/agreements")
    return json.dumps(bot.responses_for(user)[-1]["blocks"], ensure_ascii=False)


def test_each_person_with_a_concern_is_asked_once_in_their_language(bot: Bot) -> None:
    consented_with_concerns(bot)
    [chen] = asked(bot, CHEN)
    assert "Should it be heard?" in chen["text"] and "agreement #1" in chen["text"]
    assert PING_ESCAPED in shown(chen) and "<!channel>" not in shown(chen)
    assert list(buttons(chen)) == [ids.ACT_CONCERN_HEAR, ids.ACT_CONCERN_RECORDED]
    [bram] = asked(bot, BRAM)
    labels = [e["text"]["text"] for e in buttons(bram).values()]
    assert labels == ["Ja, laten we het horen", "Nee, vastgelegd is genoeg"]
    dm = bot.fake.dm_channel_id(ALICE)
    assert not [m for m in bot.fake.messages_in(dm) if "heard" in m.get("text", "")]
    sweep(bot)
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.ConcernHearing)) == 2
    assert len(asked(bot, CHEN)) == 1  # once per person per round
    assert "not answered yet" in detail(bot)


def test_recorded_is_enough_once_and_the_dm_says_so(bot: Bot) -> None:
    consented_with_concerns(bot)
    [message] = asked(bot, BRAM)
    press(bot, ids.ACT_CONCERN_RECORDED, message, BRAM)
    [now] = asked(bot, BRAM)
    assert not buttons(now) and "vastgelegd bij de afspraak" in now["text"]
    press(bot, ids.ACT_CONCERN_HEAR, message, BRAM)  # the old buttons, clicked again
    assert "al beantwoord" in bot.responses_for(BRAM)[-1]["text"]
    press(bot, ids.ACT_CONCERN_RECORDED, message, BRAM)
    assert "al beantwoord" in bot.responses_for(BRAM)[-1]["text"]
    assert items(bot) == []
    assert "vastgelegd is genoeg" in detail(bot, BRAM)


def test_hear_it_puts_the_concern_on_the_backlog_beside_the_criteria(bot: Bot) -> None:
    consented_with_concerns(bot)
    [message] = asked(bot, CHEN)
    press(bot, ids.ACT_CONCERN_HEAR, message, CHEN)
    form = last_modal(bot)
    assert form["callback_id"] == ids.CB_CONCERN_HEAR
    values = follow_up("Look again <!here> in a month")
    assert submit(bot, form, values, user=CHEN).body == ""
    assert submit(bot, form, values, user=CHEN).status == 200  # a double submit: once
    [item] = items(bot)
    assert (item.status, item.next_step, item.author_id) == ("backlog", "understand", CHEN)
    assert PING in item.text and "Look again <!here> in a month" in item.text  # as typed
    [now] = asked(bot, CHEN)
    assert not buttons(now) and "on the backlog as #1" in now["text"]
    text = detail(bot)
    criteria = text.index("No late notes for two months")
    heard = text.index("Concerns: should they be heard?")
    assert criteria < heard
    assert f"<@{CHEN}>: to be heard (backlog #1) · Look again &lt;!here&gt; in a month" in text
    assert "<!here>" not in text


def test_only_the_person_with_the_concern_answers(bot: Bot) -> None:
    consented_with_concerns(bot)
    [message] = asked(bot, CHEN)
    press(bot, ids.ACT_CONCERN_RECORDED, message, ALICE)  # a forged or forwarded payload
    assert "Only the person who recorded this concern" in bot.responses_for(ALICE)[-1]["text"]
    assert buttons(asked(bot, CHEN)[0])
    with bot.deps.sessions() as s:
        assert (
            s.scalar(
                select(models.ConcernHearing.answer).where(models.ConcernHearing.user_id == CHEN)
            )
            is None
        )


def test_no_concern_no_question(bot: Bot) -> None:
    rnd = start_round(bot, people=[BRAM])
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    sweep(bot)
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).outcome.value == (
        "consented"
    )
    dm = bot.fake.dm_channel_id(BRAM)
    assert dm is None or not [m for m in bot.fake.messages_in(dm) if not is_controls(bot, m)]
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.ConcernHearing)) == 0
