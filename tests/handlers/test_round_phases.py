"""Phases of a round and hidden answers, as people see them: questions first, answers opening
(and who asked being told), a brief response asked for, and reactions on a hidden round."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.blocks import ids
from bot.services import consent
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot, FakeClock, modal_values
from tests.support.steps import (
    START,
    click,
    is_controls,
    last_modal,
    more_options,
    start_round,
    submit,
    sweep,
)

OPENS = START + timedelta(days=1)


def round_message(bot: Bot, rnd: consent.RoundView) -> str:
    message = next(m for m in bot.fake.messages_in(CHANNEL) if m["ts"] == rnd.message_ts)
    return message.get("text", "") + json.dumps(message.get("blocks"))


def react(bot: Bot, rnd: consent.RoundView, user: str, name: str) -> None:
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": CHANNEL, "ts": rnd.message_ts},
        "item_user": "U0BOT",
    }
    bot.event(event)


def dms(bot: Bot, user: str) -> list[dict]:
    """A person's DMs, besides an author's control messages."""
    channel = bot.fake.dm_channel_id(user)
    return [m for m in bot.fake.messages_in(channel) if not is_controls(bot, m)] if channel else []


# ---------------------------------------------------------------- the form


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (START - timedelta(minutes=5), "This moment has passed"),
        (START + timedelta(days=3), "must end before the deadline"),
        (START + timedelta(days=5), "must end before the deadline"),
    ],
)
def test_questions_until_must_lie_between_now_and_the_deadline(bot: Bot, until, message) -> None:
    bot.command("x", command="/consent")
    values = modal_values(
        text="A proposal", review_date=date(2027, 3, 1), deadline=START + timedelta(days=3),
        questions_until=until,
    )  # fmt: skip
    body = submit(bot, last_modal(bot), values).json()
    assert body["response_action"] == "errors"
    assert message in body["errors"][ids.IN_QUESTIONS_UNTIL[0]]
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.ConsentRound)) == 0


def test_the_form_offers_questions_until_and_a_brief_response(bot: Bot) -> None:
    bot.command("x", command="/consent")
    blocks = {b.get("block_id"): b for b in more_options(bot)["blocks"]}
    questions = blocks[ids.IN_QUESTIONS_UNTIL[0]]
    assert questions["optional"] is True and "initial_date_time" not in questions["element"]
    options = [o["value"] for o in blocks[ids.IN_OPTIONS[0]]["element"]["options"]]
    assert options == ["hidden", "response"]
    chosen = [o["value"] for o in blocks[ids.IN_OPTIONS[0]]["element"]["initial_options"]]
    assert chosen == ["hidden"]  # a brief response is asked for only when chosen


# ---------------------------------------------------------------- questions, then answers


def test_questions_first_then_answers_open_and_who_asked_is_told(
    bot: Bot, clock: FakeClock
) -> None:
    rnd = start_round(bot, questions_until=OPENS)
    shown = round_message(bot, rnd)
    assert "Questions first" in shown and "clarifying questions in this message" in shown
    assert f"Answers open at <!date^{int(OPENS.timestamp())}^" in shown
    assert ids.ACT_TELL_WHEN_OPEN in shown and ids.ACT_ANSWER_CONSENT not in shown
    assert "0 of 3 have answered" not in shown

    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)  # an old button, or the nudge's
    assert "Antwoorden kan vanaf <!date^" in bot.responses_for(BRAM)[-1]["text"]  # Dutch
    click(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, CHEN)
    assert "Answers open at <!date^" in bot.responses_for(CHEN)[-1]["text"]
    assert bot.fake.calls_to("views.open") == [bot.fake.calls_to("views.open")[0]]  # no form
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).answers == {}

    click(bot, ids.ACT_TELL_WHEN_OPEN, rnd.id, CHEN)
    click(bot, ids.ACT_TELL_WHEN_OPEN, rnd.id, CHEN)  # twice: told once
    assert "I will tell you by DM when answers open" in bot.responses_for(CHEN)[-1]["text"]
    sweep(bot)
    assert dms(bot, CHEN) == []  # not yet

    clock.now = OPENS
    sweep(bot)
    sweep(bot)
    [told] = dms(bot, CHEN)
    assert "Answers are open on the proposal" in told["text"]
    assert ids.ACT_ANSWER_CONSENT in json.dumps(told["blocks"])
    assert dms(bot, BRAM) == [] and dms(bot, ALICE) == []  # they did not ask
    shown = round_message(bot, rnd)
    assert "Questions first" not in shown and ids.ACT_TELL_WHEN_OPEN not in shown
    assert ids.ACT_ANSWER_CONSENT in shown and "0 of 3 have answered" in shown
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    assert "Instemming" in bot.responses_for(BRAM)[-1]["text"]


def test_a_reaction_during_the_questions_phase_does_not_count_and_says_when(
    bot: Bot, clock: FakeClock
) -> None:
    rnd = start_round(bot, hidden=False, questions_until=OPENS)  # public: reactions count later
    react(bot, rnd, CHEN, "white_check_mark")
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).answers == {}
    [note] = bot.ephemerals_for(CHEN)
    assert "did not count: answers open at <!date^" in note["text"]
    assert ids.ACT_TELL_WHEN_OPEN in json.dumps(note["blocks"])
    clock.now = OPENS
    react(bot, rnd, CHEN, "white_check_mark")
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.answers[CHEN].position.value == "consent" and len(bot.ephemerals_for(CHEN)) == 1


def test_only_participants_ask_to_be_told_and_only_before_answers_open(
    fake, bot: Bot, clock: FakeClock
) -> None:
    rnd = start_round(bot, people=[BRAM], questions_until=OPENS)
    click(bot, ids.ACT_TELL_WHEN_OPEN, rnd.id, CHEN)
    assert "Only the participants" in bot.responses_for(CHEN)[-1]["text"]
    clock.now = OPENS
    click(bot, ids.ACT_TELL_WHEN_OPEN, rnd.id, BRAM)
    assert "knoppen" in bot.responses_for(BRAM)[-1]["text"]  # answers are open now (Dutch)
    sweep(bot)
    assert dms(bot, BRAM) == [] and dms(bot, CHEN) == []


def test_a_brief_response_is_asked_for_in_the_thread(bot: Bot) -> None:
    rnd = start_round(bot, ask_response=True)
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).ask_response
    assert "Before you answer" in round_message(bot, rnd)
    assert "brief response" in round_message(bot, rnd)
    plain = start_round(bot, "Another idea")
    assert "Before you answer" not in round_message(bot, plain)


# ---------------------------------------------------------------- hidden means hidden


def test_a_reaction_on_a_hidden_round_does_not_count_and_the_person_is_told(bot: Bot) -> None:
    rnd = start_round(bot, "<!channel> Four-day week")  # answers hidden (the default)
    shown = round_message(bot, rnd)
    assert "react with" not in shown and "not with a reaction" in shown
    posted = len(bot.fake.calls_to("chat.postMessage"))
    updated = len(bot.fake.calls_to("chat.update"))
    react(bot, rnd, CHEN, "white_check_mark")
    react(bot, rnd, BRAM, "raised_hand")
    sweep(bot)
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.answers == {} and view.answered_count == 0
    [note] = bot.ephemerals_for(CHEN)
    assert "visible to everyone" in note["text"] and "did not count" in note["text"]
    assert "&lt;!channel&gt; Four-day week" in note["text"] and "<!channel>" not in note["text"]
    for action in (ids.ACT_ANSWER_CONSENT, ids.ACT_ANSWER_CONCERN, ids.ACT_ANSWER_OBJECTION):
        assert action in json.dumps(note["blocks"])
    [dutch] = bot.ephemerals_for(BRAM)
    assert "telde niet mee" in dutch["text"] and ids.ACT_GIVE_REASON not in json.dumps(dutch)
    # Nothing else changes: no post, no update of the round's message, nothing stored.
    assert len(bot.fake.calls_to("chat.postMessage")) == posted
    assert len(bot.fake.calls_to("chat.update")) == updated
    assert "0 of 3 have answered" in round_message(bot, rnd)


def test_a_non_participants_reaction_on_a_hidden_round_says_nothing(fake, bot: Bot) -> None:
    fake.add_user("U0DANA", "dana")
    rnd = start_round(bot, people=[BRAM])
    react(bot, rnd, "U0DANA", "white_check_mark")
    assert bot.ephemerals_for("U0DANA") == []


def test_public_answers_still_take_reactions(bot: Bot) -> None:
    rnd = start_round(bot, hidden=False)
    assert "react with" in round_message(bot, rnd)
    react(bot, rnd, CHEN, "white_check_mark")
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.answers[CHEN].position.value == "consent"
    assert bot.ephemerals_for(CHEN) == []
