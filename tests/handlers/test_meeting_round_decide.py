"""A round its author sent to the governance meeting, decided there: the facilitator's "Decide
now" opens the round's proposal (to amend, resolving its objections) and review date, put to a
quick consent of the people present. Consented, it is an agreement, the round closes as decided
at the meeting (its message says so, answering it is refused), its objections are settled and
the meeting moves on; objected, the round stays as it is (issue 12).

Signed requests through the real Bolt app against the Slack fake, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.blocks import ids
from bot.services import agreements, consent, workspace
from bot.store import models
from tests.handlers.test_meeting import bot, controls, press, shown, start, thread
from tests.handlers.test_meeting_consent import checks, last_reply, object_to
from tests.handlers.test_meeting_outcomes import minutes
from tests.handlers.test_meeting_rounds import PROPOSAL, sent_round
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot
from tests.support.steps import START, click, form_state, last_modal, submit, sweep

__all__ = ["bot"]  # the fixture, shared with the meeting's own tests
AMENDED = "Publish release notes a day before each release, except in the freeze"


def at_the_round(bot: Bot) -> tuple[int, dict]:
    """A meeting with Bram and Chen checked in, at the round Alice sent to it."""
    round_id = sent_round(bot)
    start(bot)
    check_in(bot, BRAM, CHEN)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    step = thread(bot)[-1]
    assert ids.ACT_MEETING_ROUND_DECIDE in controls(step)
    return round_id, step


def check_in(bot: Bot, *users: str) -> None:
    for user in users:
        press(bot, ids.ACT_MEETING_HERE, thread(bot)[0], user=user)


def decide_form(bot: Bot, step: dict, user: str = ALICE) -> dict:
    press(bot, ids.ACT_MEETING_ROUND_DECIDE, step, user=user)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_MEETING_ROUND_DECIDE
    return modal


def round_row(bot: Bot, round_id: int) -> models.ConsentRound:
    with bot.deps.sessions() as s:
        return s.get(models.ConsentRound, round_id)


def round_message(bot: Bot, round_id: int) -> dict:
    ts = round_row(bot, round_id).message_ts
    return next(m for m in bot.fake.messages_in(CHANNEL) if m["ts"] == ts)


def test_a_round_consented_at_the_meeting_is_an_agreement_and_closes(bot: Bot) -> None:
    round_id, step = at_the_round(bot)
    modal = decide_form(bot, step)
    assert PROPOSAL in json.dumps(modal) and "2027-03-01" in json.dumps(modal)  # prefilled
    refused = json.loads(submit(bot, modal, form_state(modal, proposal=" ")).body)
    assert "Write the proposal" in refused["errors"][ids.IN_PROPOSAL[0]]
    assert submit(bot, modal, form_state(modal, proposal=AMENDED, hidden=[])).body == ""
    assert submit(bot, modal, form_state(modal, proposal=AMENDED, hidden=[])).body == ""  # twice
    assert "open already" in last_reply(bot, ALICE)
    [check] = checks(bot)
    assert "proposal #1 Publish release notes a day before each release, as the meeting" in (
        shown(check)
    )
    assert AMENDED in shown(check)
    for user in (ALICE, BRAM, CHEN):
        press(bot, ids.ACT_QC_CONSENT, check, user=user)
    press(bot, ids.ACT_QC_CLOSE, check)

    result = next(m for m in thread(bot) if m.get("text", "").startswith("Consented"))
    assert "is agreement #1" in shown(result)
    [agreement], _ = agreements.in_force(
        bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL, limit=5
    )
    assert agreement.number == 1 and agreement.text == AMENDED
    assert agreement.title == PROPOSAL
    rnd = round_row(bot, round_id)
    assert (rnd.status, rnd.outcome) == ("closed", "consented")
    with bot.deps.sessions() as s:
        objection = s.scalars(select(models.Objection)).one()
        assert objection.status == "resolved"  # Chen's objection, settled by the meeting
        assert s.get(models.Agreement, agreement.id).round_id == round_id
    assert "That was the last item" in shown(thread(bot)[-1])  # the meeting moved on

    sweep(bot)  # the round's message catches up
    decided = "Decided at the governance meeting of December 1, 2026:* agreement #1"
    assert decided in shown(round_message(bot, round_id))
    assert any(decided in shown(m) for m in bot.fake.messages_in(CHANNEL))  # the result reply
    click(bot, ids.ACT_ANSWER_CONSENT, round_id, BRAM)  # the old round's button
    refusal = "Over deze ronde is in het governance-overleg besloten: het voorstel is afspraak #1"
    assert refusal in last_reply(bot, BRAM)  # Bram's Slack is in Dutch

    text = minutes(bot)
    assert f"Proposal #1 {PROPOSAL} → agreed by quick consent: agreement #1" in text
    assert "Consented: proposal #1" in text and "is agreement #1" in text


def test_an_objection_at_the_meeting_leaves_the_round_as_it_is(bot: Bot) -> None:
    round_id, step = at_the_round(bot)
    modal = decide_form(bot, step)
    assert submit(bot, modal, form_state(modal, proposal=AMENDED)).body == ""
    [check] = checks(bot)
    assert object_to(bot, check, CHEN, "Still breaks the freeze").body == ""
    press(bot, ids.ACT_QC_CLOSE, check)
    result = thread(bot)[-1]
    assert "Objections to proposal #1" in shown(result)
    assert "The round stays as it is, sent to the meeting" in shown(result)
    rnd = round_row(bot, round_id)
    assert (rnd.status, rnd.outcome) == ("closed", "objections")
    assert rnd.sent_to_meeting_at is not None and rnd.decided_meeting_id is None
    assert (
        agreements.in_force(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL, limit=5)[0] == []
    )
    with bot.deps.sessions() as s:
        assert s.scalars(select(models.Meeting)).one().current_round_id == round_id  # stays
        assert s.scalars(select(models.Objection)).one().status != "resolved"
    assert ids.ACT_MEETING_ROUND_DECIDE in controls(step)  # it can be asked again


def test_only_the_facilitator_decides_and_a_round_withdrawn_meanwhile_is_refused(
    bot: Bot,
) -> None:
    round_id, step = at_the_round(bot)
    forms = len(bot.fake.calls_to("views.open"))
    press(bot, ids.ACT_MEETING_ROUND_DECIDE, step, user=BRAM)
    assert "Alleen de facilitator, <@U0ALICE>, kan dat doen" in last_reply(bot, BRAM)
    assert len(bot.fake.calls_to("views.open")) == forms  # no form for Bram
    modal = decide_form(bot, step)
    assert submit(bot, modal, form_state(modal, proposal=AMENDED)).body == ""
    [check] = checks(bot)
    press(bot, ids.ACT_QC_CONSENT, check, user=BRAM)
    press(bot, ids.ACT_QC_CLOSE, check, user=BRAM)  # not the facilitator
    assert "Alleen de facilitator, <@U0ALICE>, kan dat doen" in last_reply(bot, BRAM)

    consent.request_close(
        bot.deps.sessions, team_id=TEAM, round_id=round_id, user_id=ALICE, withdraw=True,
        now=START,
    )  # fmt: skip
    press(bot, ids.ACT_QC_CLOSE, check)
    assert "This round can't be decided now: its author withdrew it" in last_reply(bot, ALICE)
    assert (
        agreements.in_force(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL, limit=5)[0] == []
    )
    assert round_row(bot, round_id).outcome == "withdrawn"
    with bot.deps.sessions() as s:
        assert s.scalars(select(models.MeetingConsent)).one().status == "open"  # nothing stored
    refused = json.loads(submit(bot, modal, form_state(modal, proposal=AMENDED)).body)
    assert "its author withdrew it" in refused["errors"][ids.IN_PROPOSAL[0]]


def test_decide_now_in_a_dutch_meeting(bot: Bot) -> None:
    workspace.set_workspace_locale(bot.deps.sessions, team_id=TEAM, locale="nl", now=START)
    round_id, step = at_the_round(bot)
    assert "“Nu besluiten”" in shown(step)
    modal = decide_form(bot, step)
    assert submit(bot, modal, form_state(modal, proposal=AMENDED, hidden=[])).body == ""
    [check] = [m for m in thread(bot) if "zoals het overleg het aanpaste" in shown(m)]
    for user in (ALICE, BRAM, CHEN):
        press(bot, ids.ACT_QC_CONSENT, check, user=user)
    press(bot, ids.ACT_QC_CLOSE, check)
    sweep(bot)
    assert "Besloten in het governance-overleg van" in shown(round_message(bot, round_id))


def test_a_round_consented_after_the_meeting_moved_on_is_agreed_in_the_minutes(
    bot: Bot,
) -> None:
    round_id, step = at_the_round(bot)
    modal = decide_form(bot, step)
    assert submit(bot, modal, form_state(modal, proposal=AMENDED, hidden=[])).body == ""
    [check] = checks(bot)
    press(bot, ids.ACT_MEETING_NEXT, step)  # on, while the check is still open
    for user in (ALICE, BRAM, CHEN):
        press(bot, ids.ACT_QC_CONSENT, check, user=user)
    press(bot, ids.ACT_QC_CLOSE, check)
    assert round_row(bot, round_id).outcome == "consented"
    text = minutes(bot)
    assert f"Proposal #1 {PROPOSAL} → agreed by quick consent: agreement #1" in text
    assert f"Proposal #1 {PROPOSAL} → discussed" not in text
