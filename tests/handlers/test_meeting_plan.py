"""The meeting's plan and its closing: an item's intended outcome and time estimate (on the
agenda, on the current item with its timer and "More time"), the evaluation and check-out, the
evaluation in the minutes and the next agenda's learnings.

Signed requests through the real Bolt app against the Slack fake, on SQLite (and PostgreSQL
in the slow run); asserted is what people see.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.blocks.values import ItemMenuValue
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot, FakeClock, make_bot
from tests.support.steps import START, form_state, last_modal, submit

DANA = "U0DANA"  # in the workspace, not in the channel


@pytest.fixture
def bot(db_url: str, fake, clock: FakeClock) -> Bot:
    fake.add_user(DANA, "dana", real_name="Dana Dekker", locale="en-US")
    b = make_bot(db_url, fake, clock=clock, slack_pacing=False)
    yield b
    b.deps.executor.wait_idle(5)
    b.deps.engine.dispose()


# ---------------------------------------------------------------- steps


def shown(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks") or [], ensure_ascii=False)


def meeting(bot: Bot, text: str = "", user: str = ALICE):
    return bot.command(text, user=user, command="/meeting")


def last_reply(bot: Bot, user: str) -> str:
    return shown(bot.responses_for(user)[-1])


def channel_posts(bot: Bot) -> list[dict]:
    return [m for m in bot.fake.messages_in(CHANNEL) if m.get("thread_ts", m["ts"]) == m["ts"]]


def thread(bot: Bot) -> list[dict]:
    [started] = [m for m in channel_posts(bot) if "in progress" in m.get("text", "")] or [
        m for m in channel_posts(bot) if "Governance-overleg bezig" in m["text"]
    ]
    return [
        m
        for m in bot.fake.messages_in(CHANNEL)
        if m.get("thread_ts") == started["ts"] and m["ts"] != started["ts"]
    ]


def controls(message: dict) -> dict[str, str]:
    return {
        el["action_id"]: el.get("value", "")
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for el in block["elements"]
    }


def press(bot: Bot, action_id: str, message: dict, user: str = ALICE):
    response = bot.driver.block_action(
        action_id,
        controls(message)[action_id],
        user_id=user,
        channel_id=CHANNEL,
        message_ts=message["ts"],
        block_id=ids.BLOCK_MEETING_CONTROLS,
    )
    bot.settle()
    return response


def items(bot: Bot) -> list[models.BacklogItem]:
    with bot.deps.sessions() as s:
        return list(s.scalars(select(models.BacklogItem).order_by(models.BacklogItem.id)))


def plan_item(bot: Bot, number: int, user: str = ALICE, **given):
    """Open the item's "Set the next step…" form from the list's menu and submit it."""
    item = items(bot)[number - 1]
    value = ItemMenuValue(action="step", item_id=item.id, rank=number).dump()
    bot.driver.block_action(
        ids.ACT_ITEM_MENU,
        user_id=user,
        channel_id=CHANNEL,
        message_ts="1.0",
        is_ephemeral=True,
        action_type="static_select",
        selected_option={"value": value, "text": {"type": "plain_text", "text": "step"}},
    )
    bot.settle()
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_NEXT_STEP_MODAL
    return submit(bot, modal, form_state(modal, **given), user=user)


def agendas(bot: Bot) -> list[dict]:
    return [m for m in bot.fake.messages_in(CHANNEL) if ids.BLOCK_AGENDA_MEETING in shown(m)]


def evaluate(bot: Bot, closing: dict, user: str, **given):
    press(bot, ids.ACT_MEETING_EVALUATE, closing, user=user)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_MEETING_EVALUATION
    return submit(bot, modal, form_state(modal, **given), user=user)


def evaluations(bot: Bot) -> list[models.MeetingEvaluation]:
    with bot.deps.sessions() as s:
        return list(
            s.scalars(select(models.MeetingEvaluation).order_by(models.MeetingEvaluation.user_id))
        )


def to_closing(bot: Bot) -> dict:
    """Start a meeting on the one item there is, pass it, and open the closing step."""
    meeting(bot, "start")
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[-1])
    last = thread(bot)[-1]
    assert ids.ACT_MEETING_CLOSING in controls(last)  # past the last item
    press(bot, ids.ACT_MEETING_CLOSING, last)
    return thread(bot)[-1]


# ---------------------------------------------------------------- the intended outcome and estimate


def test_an_items_plan_shows_on_the_agenda_and_the_current_item_with_its_timer(
    bot: Bot, clock: FakeClock
) -> None:
    bot.command("Releases slip")
    bot.command("Wiki is stale")
    answer = plan_item(
        bot, 1, next_step="propose", intended_outcome="a <!channel> proposal", estimate_minutes="15"
    )
    assert answer.body == ""
    first = items(bot)[0]
    assert (first.intended_outcome, first.estimate_minutes) == ("a <!channel> proposal", 15)

    bot.command("agenda")
    [agenda] = agendas(bot)
    assert "#1 Releases slip → _form a proposal_ · 15 min" in shown(agenda)
    assert "intended outcome: a &lt;!channel&gt; proposal" in shown(agenda)
    assert "<!channel>" not in shown(agenda)

    meeting(bot, "start")
    clock.advance(minutes=2)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    current = thread(bot)[-1]
    seen = shown(current)
    taken_up = START + timedelta(minutes=2)
    assert "*Intended outcome:* a &lt;!channel&gt; proposal" in seen
    assert "*Time estimate:* 15 min" in seen
    assert f"started <!date^{int(taken_up.timestamp())}^{{time}}|" in seen
    up = int((taken_up + timedelta(minutes=15)).timestamp())
    assert f"time's up at <!date^{up}^{{time}}|" in seen
    assert {ids.ACT_MEETING_MORE_5, ids.ACT_MEETING_MORE_10} <= set(controls(current))

    press(bot, ids.ACT_MEETING_MORE_5, current, user=CHEN)
    assert "Only the facilitator, <@U0ALICE>, can do that" in last_reply(bot, CHEN)
    press(bot, ids.ACT_MEETING_MORE_10, current)
    press(bot, ids.ACT_MEETING_MORE_5, current)
    with bot.deps.sessions() as s:
        assert s.scalar(select(models.Meeting.item_extra_minutes)) == 15  # stored
    later = int((taken_up + timedelta(minutes=30)).timestamp())
    assert f"its time is up at <!date^{later}^{{time}}|" in last_reply(bot, ALICE)
    [updated] = [m for m in thread(bot) if m["ts"] == current["ts"]]  # the item's message
    assert f"time's up at <!date^{later}^" in shown(updated)
    assert "Estimate: 15 min (+15 min)" in shown(updated)

    press(bot, ids.ACT_MEETING_NEXT, current)
    following = thread(bot)[-1]
    assert "Item 2: #2 Wiki is stale" in shown(following)
    assert "time's up" not in shown(following)  # no estimate, no timer
    assert ids.ACT_MEETING_MORE_5 not in controls(following)
    press(bot, ids.ACT_MEETING_MORE_5, current)  # the old item's button
    assert "moved on already" in last_reply(bot, ALICE)


@pytest.mark.parametrize("typed", ["0", "-5", "ten", "1.5", "481"])
def test_a_time_estimate_that_is_not_a_positive_number_of_minutes_is_a_field_error(
    bot: Bot, typed: str
) -> None:
    bot.command("Releases slip")
    answer = plan_item(bot, 1, next_step="propose", estimate_minutes=typed)
    errors = json.loads(answer.body)["errors"]
    assert errors == {
        ids.IN_ESTIMATE[0]: "Give the time estimate in minutes: a whole number from 1 to 480 "
        "(8 hours)."
    }
    assert items(bot)[0].estimate_minutes is None
    assert items(bot)[0].next_step is None  # nothing saved


def test_the_estimate_error_in_dutch_and_a_blank_estimate_clears_it(bot: Bot) -> None:
    bot.command("Releases slip")
    answer = plan_item(bot, 1, user=BRAM, next_step="propose", estimate_minutes="nul")
    assert "hele minuten" in json.loads(answer.body)["errors"][ids.IN_ESTIMATE[0]]
    plan_item(bot, 1, next_step="propose", estimate_minutes="20", intended_outcome="x")
    assert items(bot)[0].estimate_minutes == 20
    plan_item(bot, 1, next_step="propose", estimate_minutes="", intended_outcome=" ")
    assert (items(bot)[0].estimate_minutes, items(bot)[0].intended_outcome) == (None, None)


# ---------------------------------------------------------------- evaluation and check-out


def test_the_closing_step_evaluation_minutes_and_the_next_agendas_learnings(bot: Bot) -> None:
    bot.command("Releases slip")
    meeting(bot, "start")
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[-1])
    last = thread(bot)[-1]
    press(bot, ids.ACT_MEETING_CLOSING, last, user=CHEN)
    assert "Only the facilitator, <@U0ALICE>, can do that" in last_reply(bot, CHEN)
    assert thread(bot)[-1] == last
    press(bot, ids.ACT_MEETING_CLOSING, last)
    closing = thread(bot)[-1]
    assert "Meeting evaluation" in shown(closing) and "Check-out" in shown(closing)
    assert ids.ACT_MEETING_EVALUATE in controls(closing)
    press(bot, ids.ACT_MEETING_CLOSING, last)  # pressed again: posted once
    assert "moved on already" in last_reply(bot, ALICE)
    assert len([m for m in thread(bot) if "Check-out" in shown(m)]) == 1

    refused = json.loads(evaluate(bot, closing, CHEN, more_of="pace").body)
    assert refused["errors"] == {ids.IN_EVAL_RATING[0]: "Choose a rating from 1 to 5."}
    refused = json.loads(evaluate(bot, closing, CHEN, rating="9").body)  # a forged rating
    assert refused["errors"] == {ids.IN_EVAL_RATING[0]: "Choose a rating from 1 to 5."}
    assert evaluations(bot) == []

    assert evaluate(bot, closing, CHEN, rating="5", keep="the <!channel> check-in").body == ""
    assert "your evaluation is recorded" in last_reply(bot, CHEN)
    # Bram did not check in: he still evaluates; his second evaluation replaces the first.
    evaluate(bot, closing, BRAM, rating="4", more_of="short rounds")
    evaluate(bot, closing, BRAM, rating="2", less_of="side talk")
    assert [(e.user_id, e.rating) for e in evaluations(bot)] == [(BRAM, 2), (CHEN, 5)]
    outside = json.loads(evaluate(bot, closing, DANA, rating="1").body)
    assert "Only members of <#C0CIRCLE> can evaluate" in outside["errors"][ids.IN_EVAL_RATING[0]]
    assert len(evaluations(bot)) == 2

    meeting(bot, "end")
    minutes = shown(channel_posts(bot)[-1])
    assert "*Evaluation:* 2 people rated the meeting, 3.5 of 5 on average." in minutes
    assert "_Less of:_ side talk" in minutes and "short rounds" not in minutes
    assert "_Keep:_ the &lt;!channel&gt; check-in" in minutes
    assert "<!channel>" not in minutes

    press(bot, ids.ACT_MEETING_EVALUATE, closing, user=CHEN)  # after the end: refused
    assert "This meeting has ended; it is no longer evaluated." in last_reply(bot, CHEN)

    bot.command("agenda")
    agenda = shown(agendas(bot)[-1])
    assert "Learnings from the last meeting (December 1, 2026)" in agenda
    assert "3.5 of 5 on average" in agenda and "_Less of:_ side talk" in agenda


def test_a_dutch_workspace_closes_the_meeting_in_dutch(bot: Bot) -> None:
    from bot.services import workspace

    workspace.set_workspace_locale(bot.deps.sessions, team_id=TEAM, locale="nl", now=START)
    bot.command("Releases slip")
    closing = to_closing(bot)
    assert "Uitcheckronde" in shown(closing)
    answer = json.loads(evaluate(bot, closing, BRAM).body)
    assert answer["errors"] == {ids.IN_EVAL_RATING[0]: "Kies een cijfer van 1 tot 5."}
    evaluate(bot, closing, BRAM, rating="4", more_of="korte rondes")
    evaluate(bot, closing, CHEN, rating="3")
    meeting(bot, "end")
    minutes = shown(channel_posts(bot)[-1])
    assert "2 mensen beoordeelden het overleg, gemiddeld 3,5 van 5." in minutes
    assert "_Meer van:_ korte rondes" in minutes


def test_the_evaluation_survives_the_sweep_that_closes_a_meeting_left_open(
    bot: Bot, clock: FakeClock
) -> None:
    from tests.support.steps import sweep

    bot.command("Releases slip")
    closing = to_closing(bot)
    evaluate(bot, closing, CHEN, rating="3", more_of="breaks")
    clock.advance(hours=14)
    sweep(bot)
    [minutes] = [m for m in channel_posts(bot) if "Minutes" in m["text"]]
    assert "1 person rated the meeting, 3.0 of 5 on average." in shown(minutes)
    assert "_More of:_ breaks" in shown(minutes)
