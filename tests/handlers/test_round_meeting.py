"""The author's own controls by DM, and sending a round to the governance meeting (issue 11,
parts 5 and 8): only the author sees Close now / Withdraw / Send to the meeting / Extend; a
round sent there (or a contested objection) is on the agenda with its open objections."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.blocks import ids
from bot.services import consent
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot
from tests.support.steps import (
    answer_with_reason,
    author_click,
    click,
    click_objection,
    controls_dm,
    form_state,
    give_objection_reason,
    objection_value,
    start_round,
    sweep,
)

FIRST = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # Thursday 3 December, 10:00 in Amsterdam
PING = "<!channel> who checks <@U0BRAM>?"
PING_ESCAPED = "&lt;!channel&gt; who checks &lt;@U0BRAM&gt;?"


def shown(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks") or [], ensure_ascii=False)


def buttons(message: dict) -> dict[str, dict]:
    return {
        e["action_id"]: e
        for b in message.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    }


def round_message(bot: Bot, rnd: consent.RoundView) -> dict:
    sweep(bot)
    return next(m for m in bot.fake.messages_in(CHANNEL) if m["ts"] == rnd.message_ts)


def set_cadence(bot: Bot) -> None:
    """Every two weeks on Thursday at 10:00 (Alice's zone, Amsterdam): first on 3 December."""
    bot.command("meeting")
    view = bot.fake.calls_to("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = form_state(view, every_weeks="2", weekday="3", time="10:00")
    response = bot.driver.view_submission(
        view["callback_id"], values, user_id=ALICE, private_metadata=view["private_metadata"]
    )
    bot.settle()
    assert response.status == 200 and response.body == "", response.body


def agenda(bot: Bot) -> str:
    bot.command("agenda")
    found = [
        m
        for m in bot.fake.messages_in(CHANNEL)
        if ids.BLOCK_AGENDA_MEETING in json.dumps(m.get("blocks") or [])
    ]
    assert found, "no agenda posted"
    return shown(found[-1])


def outbox_count(bot: Bot, prefix: str) -> int:
    with bot.deps.sessions() as s:
        return s.scalar(
            select(func.count())
            .select_from(models.Outbox)
            .where(models.Outbox.key.like(prefix + "%"))
        )


# ---------------------------------------------------------------- the author's DM controls


def test_the_author_alone_gets_the_controls_by_dm(bot: Bot) -> None:
    rnd = start_round(bot)
    message = round_message(bot, rnd)
    on_channel = buttons(message)
    assert ids.ACT_ANSWER_CONSENT in on_channel
    for action in (ids.ACT_CLOSE_EARLY, ids.ACT_WITHDRAW, ids.ACT_SEND_TO_MEETING, ids.ACT_EXTEND):
        assert action not in on_channel
    controls = controls_dm(bot, ALICE)
    shown_controls = buttons(controls)
    assert list(shown_controls) == [
        ids.ACT_CLOSE_EARLY, ids.ACT_WITHDRAW, ids.ACT_SEND_TO_MEETING, ids.ACT_EXTEND,
    ]  # fmt: skip
    assert shown_controls[ids.ACT_WITHDRAW]["confirm"]["style"] == "danger"
    assert "Only you see these controls" in shown(controls)
    assert bot.fake.dm_channel_id(BRAM) is None and bot.fake.dm_channel_id(CHEN) is None


def test_a_dutch_author_gets_dutch_controls(bot: Bot) -> None:
    start_round(bot, "Releases op dinsdag", user=BRAM)
    controls = controls_dm(bot, BRAM)
    texts = [e["text"]["text"] for e in buttons(controls).values()]
    assert "Naar het overleg" in texts and "Intrekken" in texts
    assert "Je voorstel" in controls["text"]


def test_closing_from_the_dm_updates_it_without_buttons(bot: Bot) -> None:
    rnd = start_round(bot)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    author_click(bot, ids.ACT_CLOSE_EARLY, rnd.id)
    sweep(bot)
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).outcome.value == (
        "consented"
    )
    controls = controls_dm(bot, ALICE)
    assert "is closed" in controls["text"] and not buttons(controls)


def test_someone_else_pressing_an_author_control_is_refused(bot: Bot) -> None:
    rnd = start_round(bot)
    click(bot, ids.ACT_SEND_TO_MEETING, rnd.id, BRAM)  # a forged or replayed payload
    assert "Alleen de auteur" in bot.responses_for(BRAM)[-1]["text"]
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).sent_to_meeting_at is None


# ---------------------------------------------------------------- send to the meeting


def test_sending_an_open_round_to_the_meeting_once(bot: Bot) -> None:
    set_cadence(bot)
    rnd = start_round(bot, hidden=False)
    response = author_click(bot, ids.ACT_SEND_TO_MEETING, rnd.id)
    assert response.status == 200
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.sent_to_meeting_at is not None and view.meeting_for == FIRST  # stored
    reply = bot.responses_for(ALICE)[-1]["text"]
    assert "Sent to the governance meeting on" in reply and str(int(FIRST.timestamp())) in reply
    message = shown(round_message(bot, rnd))
    assert f"Sent to the governance meeting on <!date^{int(FIRST.timestamp())}^" in message
    controls = controls_dm(bot, ALICE)
    assert ids.ACT_SEND_TO_MEETING not in buttons(controls) and "Sent to the" in shown(controls)
    assert ids.ACT_CLOSE_EARLY in buttons(controls)
    # a double click: sent once, told it went already
    bot.driver.block_action(
        ids.ACT_SEND_TO_MEETING, str(rnd.id), user_id=ALICE,
        channel_id=bot.fake.dm_channel_id(ALICE), message_ts=controls["ts"],
        block_id=ids.BLOCK_AUTHOR_CONTROLS,
    )  # fmt: skip
    bot.settle()
    assert "sent to the meeting already" in bot.responses_for(ALICE)[-1]["text"]
    assert outbox_count(bot, f"round-controls:{rnd.id}:sent") == 1
    again = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert again.sent_to_meeting_at == view.sent_to_meeting_at


def test_without_a_rhythm_it_goes_to_the_next_meeting_in_dutch(bot: Bot) -> None:
    rnd = start_round(bot, "Releases op dinsdag", user=BRAM)
    author_click(bot, ids.ACT_SEND_TO_MEETING, rnd.id, BRAM)
    assert "volgende governance-overleg" in bot.responses_for(BRAM)[-1]["text"]
    assert "Sent to the next governance meeting" in shown(round_message(bot, rnd))


def test_the_agenda_lists_rounds_sent_with_their_open_objections_escaped(bot: Bot) -> None:
    set_cadence(bot)
    rnd = start_round(bot, hidden=False)
    answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, CHEN, PING)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    assert "Sent to this meeting" not in agenda(bot)
    author_click(bot, ids.ACT_SEND_TO_MEETING, rnd.id)
    text = agenda(bot)
    assert "Sent to this meeting: proposals and contested objections" in text
    assert f"P{rnd.proposal_number} v1" in text and "sent by its author" in text
    assert f"objection by <@{CHEN}>: {PING_ESCAPED}" in text
    assert "<!channel>" not in text


def test_a_consented_round_cannot_be_sent(bot: Bot) -> None:
    rnd = start_round(bot, people=[BRAM])
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    sweep(bot)
    click(bot, ids.ACT_SEND_TO_MEETING, rnd.id, ALICE, channel=bot.fake.dm_channel_id(ALICE))
    assert "closed" in bot.responses_for(ALICE)[-1]["text"]
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).sent_to_meeting_at is None


def test_a_round_closed_with_objections_can_be_sent_and_contested_ones_show(bot: Bot) -> None:
    set_cadence(bot)
    rnd = start_round(bot)
    answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, CHEN, PING)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    sweep(bot)
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).outcome.value == (
        "objections"
    )
    assert list(buttons(controls_dm(bot, ALICE))) == [ids.ACT_SEND_TO_MEETING]
    # the author says it does not qualify; Chen contests: it goes to the meeting
    value = objection_value(bot, rnd.id, CHEN)
    give_objection_reason(bot, ids.ACT_OBJ_NOT_QUALIFIED, value, ALICE, "A matter of taste")
    click_objection(bot, ids.ACT_OBJ_CONTEST, value, CHEN, channel=bot.fake.dm_channel_id(CHEN))
    text = agenda(bot)
    assert f"contested objection by <@{CHEN}>: {PING_ESCAPED}" in text
    assert "sent by its author" not in text
    author_click(bot, ids.ACT_SEND_TO_MEETING, rnd.id)
    assert "sent by its author" in agenda(bot)
    assert not buttons(controls_dm(bot, ALICE))
