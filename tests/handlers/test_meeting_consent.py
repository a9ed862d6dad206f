"""Quick consents in the governance meeting: to the last minutes and the agenda (the
administration step), and to a proposal formed on an item and decided now.

Signed requests through the real Bolt app against the Slack fake, on SQLite (and PostgreSQL
in the slow run); asserted is what people see in the thread, the minutes and their replies.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.domain.backlog import ItemStatus
from bot.services import agreements, backlog
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
    started = [m for m in channel_posts(bot) if "in progress" in m.get("text", "")][-1]
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


def checks(bot: Bot) -> list[dict]:
    return [m for m in thread(bot) if m.get("text", "").startswith("Quick consent to")]


def current(bot: Bot, message: dict) -> dict:
    """The message as it stands now (after chat.update)."""
    return next(m for m in bot.fake.messages_in(CHANNEL) if m["ts"] == message["ts"])


def object_to(bot: Bot, check: dict, user: str, reason: str):
    press(bot, ids.ACT_QC_OBJECT, check, user=user)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_QC_OBJECTION
    return submit(bot, modal, form_state(modal, reason=reason), user=user)


def check_in(bot: Bot, *users: str) -> None:
    for user in users:
        press(bot, ids.ACT_MEETING_HERE, thread(bot)[0], user=user)


# ---------------------------------------------------------------- administration


def test_the_agenda_is_consented_by_the_people_present(bot: Bot, clock: FakeClock) -> None:
    bot.command("Releases slip")
    meeting(bot, "start")
    [check_in_message] = thread(bot)
    press(bot, ids.ACT_MEETING_CHECK_MINUTES, check_in_message)
    assert "no minutes yet" in last_reply(bot, ALICE)  # the first meeting of the channel
    press(bot, ids.ACT_MEETING_CHECK_AGENDA, check_in_message, user=CHEN)
    assert "Only the facilitator" in last_reply(bot, CHEN)
    assert checks(bot) == []

    press(bot, ids.ACT_MEETING_CHECK_AGENDA, check_in_message)
    press(bot, ids.ACT_MEETING_CHECK_AGENDA, check_in_message)  # a double click
    assert "open already" in last_reply(bot, ALICE)
    [check] = checks(bot)
    assert "Quick consent* to this meeting's agenda" in shown(check)

    press(bot, ids.ACT_QC_CONSENT, check, user=BRAM)  # not checked in
    assert "Alleen wie heeft ingecheckt" in last_reply(bot, BRAM)  # Bram's Slack is in Dutch
    press(bot, ids.ACT_QC_OBJECT, check, user=CHEN)  # not checked in: no form either
    assert "Only the people who checked in answer" in last_reply(bot, CHEN)
    check_in(bot, BRAM, CHEN)
    press(bot, ids.ACT_QC_CONSENT, check, user=BRAM)
    assert "Je instemming is vastgelegd" in last_reply(bot, BRAM)
    assert "<@U0BRAM>: consent" in shown(current(bot, check))  # the agenda's: not hidden

    refused = json.loads(object_to(bot, check, CHEN, "  ").body)
    assert refused["response_action"] == "errors"
    assert "An objection needs its reason" in refused["errors"][ids.IN_REASON[0]]
    assert object_to(bot, check, CHEN, "<!channel> Item 1 needs more time").body == ""

    press(bot, ids.ACT_QC_CLOSE, check, user=CHEN)
    assert "Only the facilitator" in last_reply(bot, CHEN)
    press(bot, ids.ACT_QC_CLOSE, check)
    result = thread(bot)[-1]
    assert "Objections to this meeting's agenda; they are noted." in shown(result)
    assert "<@U0CHEN>: objection — &lt;!channel&gt; Item 1 needs more time" in shown(result)
    assert "<!channel>" not in shown(result)
    assert ids.ACT_QC_CONSENT not in controls(current(bot, check))  # no buttons any more
    press(bot, ids.ACT_QC_CONSENT, check, user=CHEN)  # from a stale message
    assert "closed already" in last_reply(bot, CHEN)
    press(bot, ids.ACT_MEETING_CHECK_AGENDA, check_in_message)  # asked again, left open
    left_open = checks(bot)[-1]
    assert left_open["ts"] != check["ts"]

    meeting(bot, "end")
    press(bot, ids.ACT_QC_CONSENT, left_open, user=CHEN)
    assert "No meeting is running" in last_reply(bot, CHEN)
    minutes = shown(channel_posts(bot)[-1])
    assert "*Quick consents*" in minutes
    assert (
        "Objections to this meeting's agenda; they are noted. <@U0CHEN>: &lt;!channel&gt;"
        in minutes
    )

    clock.advance(days=14)
    meeting(bot, "start")
    press(bot, ids.ACT_MEETING_CHECK_MINUTES, thread(bot)[0])
    [check] = checks(bot)
    assert "the minutes of the meeting of December 1, 2026" in shown(check)
    press(bot, ids.ACT_QC_CONSENT, check)
    press(bot, ids.ACT_QC_CLOSE, check)
    assert "Consented: the minutes of the meeting of December 1, 2026." in shown(thread(bot)[-1])


# ---------------------------------------------------------------- a proposal decided now


def decide(bot: Bot, item_message: dict, **given):
    press(bot, ids.ACT_MEETING_DECIDE, item_message)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_MEETING_DECIDE
    return submit(bot, modal, form_state(modal, **given))


def test_a_proposal_consented_in_the_meeting_is_an_agreement(bot: Bot) -> None:
    bot.command("Release notes are late")
    bot.command("Nobody owns the wiki")
    meeting(bot, "start")
    check_in(bot, BRAM)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    item = thread(bot)[-1]
    refused = json.loads(decide(bot, item, proposal=" ").body)
    assert "Write the proposal" in refused["errors"][ids.IN_PROPOSAL[0]]
    proposal = "<!channel> Publish release notes a day before each release"
    assert decide(bot, item, proposal=proposal, hidden=["hidden"]).body == ""
    [check] = checks(bot)
    assert "&lt;!channel&gt; Publish release notes" in shown(check)
    assert "Answers stay hidden until it closes" in shown(check)

    press(bot, ids.ACT_QC_CONSENT, check, user=BRAM)
    press(bot, ids.ACT_QC_CONSENT, check, user=BRAM)  # a double click: one answer
    now = shown(current(bot, check))
    assert "1 of 2 present answered" in now and "<@U0BRAM>: consent" not in now
    press(bot, ids.ACT_QC_CONSENT, check)
    press(bot, ids.ACT_QC_CLOSE, check)
    press(bot, ids.ACT_QC_CLOSE, check)  # a double click: closed once
    assert "closed already" in last_reply(bot, ALICE)
    results = [m for m in thread(bot) if m.get("text", "").startswith("Consented")]
    assert len(results) == 1
    assert "is agreement #1" in shown(results[0])
    assert "<@U0BRAM>: consent" in shown(results[0])  # shown at the close
    [agreement], _ = agreements.in_force(
        bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL, limit=5
    )
    assert agreement.text == proposal and agreement.number == 1
    assert backlog.get(bot.deps.sessions, team_id=TEAM, item_id=1).status is ItemStatus.DONE
    second = thread(bot)[-1]
    assert "#2 Nobody owns the wiki" in shown(second)  # the meeting moved on

    assert decide(bot, second, proposal="Chen keeps the wiki").body == ""
    check = checks(bot)[-1]
    assert object_to(bot, check, BRAM, "Chen is away for a month").body == ""
    press(bot, ids.ACT_QC_CLOSE, check)
    result = thread(bot)[-1]
    assert "Objections to the proposal on #2" in shown(result)
    assert "The item stays" in shown(result)
    assert backlog.get(bot.deps.sessions, team_id=TEAM, item_id=2).status is not ItemStatus.DONE

    meeting(bot, "end")
    minutes = shown(channel_posts(bot)[-1])
    assert "#1 Release notes are late → agreed by quick consent: agreement #1" in minutes
    assert (
        "Objections to the proposal on #2 Nobody owns the wiki; they are noted. <@U0BRAM>: Chen is away"
        in minutes
    )


def test_a_proposal_on_an_item_closed_meanwhile_is_refused_with_its_state(bot: Bot) -> None:
    bot.command("Releases slip")
    meeting(bot, "start")
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    item = thread(bot)[-1]
    press(bot, ids.ACT_MEETING_DECIDE, item)
    modal = last_modal(bot)
    backlog.dismiss(bot.deps.sessions, team_id=TEAM, item_id=1, actor=BRAM, reason="dup", now=START)
    response = submit(bot, modal, form_state(modal, proposal="Ship weekly"))
    errors = json.loads(response.body)["errors"]
    assert "#1 changed meanwhile: it was dismissed" in errors[ids.IN_PROPOSAL[0]]
    assert checks(bot) == []


# ---------------------------------------------------------------- reviews due, as items


def agreement(bot: Bot, text: str, review: date) -> None:
    agreements.record(
        bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL, author_id=BRAM, title=text,
        text=text, driver=None, responsibilities=None, evaluation="Notes out on time",
        responsible_ids=[BRAM], review_date=review, now=START - timedelta(days=60),
        today=review - timedelta(days=90),
    )  # fmt: skip


def test_agreements_due_for_review_are_items_after_the_backlog(bot: Bot) -> None:
    bot.command("Releases slip")
    agreement(bot, "Release notes a day ahead", date(2026, 11, 20))
    agreement(bot, "Weekly demo", date(2026, 12, 1))
    agreement(bot, "Quarterly retro", date(2027, 3, 1))  # not due: not on this meeting
    meeting(bot, "start")
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    assert "Item 1: #1 Releases slip" in shown(thread(bot)[-1])
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[-1])
    first = thread(bot)[-1]
    assert "Review: agreement #1 Release notes a day ahead" in shown(first)
    assert "Notes out on time" in shown(first)
    assert {ids.ACT_AGREEMENT_KEEP, ids.ACT_AGREEMENT_EVOLVE, ids.ACT_AGREEMENT_DROP} <= set(
        controls(first)
    )
    press(bot, ids.ACT_AGREEMENT_KEEP, first, user=CHEN)
    keep = last_modal(bot)
    assert keep["callback_id"] == ids.CB_AGREEMENT_KEEP
    assert submit(bot, keep, form_state(keep, next_review="2027-06-01"), user=CHEN).body == ""
    press(bot, ids.ACT_AGREEMENT_KEEP, first, user=BRAM)  # the same review, pressed again
    assert "already reviewed" in last_reply(bot, BRAM) or "al geëvalueerd" in last_reply(bot, BRAM)
    press(bot, ids.ACT_MEETING_NEXT, first)

    second = thread(bot)[-1]
    assert "Review: agreement #2 Weekly demo" in shown(second)
    press(bot, ids.ACT_AGREEMENT_EVOLVE, second)  # Evolve opens the proposal form, prefilled
    assert last_modal(bot)["callback_id"] == ids.CB_CONSENT_MODAL
    assert "Weekly demo" in json.dumps(last_modal(bot))
    press(bot, ids.ACT_AGREEMENT_DROP, second)
    drop = last_modal(bot)
    assert submit(bot, drop, form_state(drop, drop_reason="Nobody comes")).body == ""
    press(bot, ids.ACT_MEETING_NEXT, second)
    assert "last item on the backlog" in shown(thread(bot)[-1])  # the retro is not due

    meeting(bot, "end")
    minutes = shown(channel_posts(bot)[-1])
    assert "Agreement #1 Release notes a day ahead → kept, next review June 1, 2027" in minutes
    assert "Agreement #2 Weekly demo → dropped: Nobody comes" in minutes
    assert "Quarterly retro" not in minutes


# ---------------------------------------------------------------- objections to the agenda


def test_an_objection_to_the_agenda_reaches_the_facilitator(bot: Bot) -> None:
    meeting(bot, "settings")
    modal = last_modal(bot)
    submit(bot, modal, form_state(modal, weekday="1", time="15:00"))  # Tuesday 1 December
    bot.command("Releases slip")
    bot.command("agenda")
    [agenda] = [m for m in channel_posts(bot) if ids.BLOCK_AGENDA_MEETING in shown(m)]

    def object_to_agenda(user: str, reason: str):
        bot.driver.block_action(
            ids.ACT_AGENDA_OBJECT, controls(agenda)[ids.ACT_AGENDA_OBJECT], user_id=user,
            channel_id=CHANNEL, message_ts=agenda["ts"], block_id=ids.BLOCK_AGENDA_OBJECT,
        )  # fmt: skip
        bot.settle()
        form = last_modal(bot)
        assert form["callback_id"] == ids.CB_AGENDA_OBJECTION
        return submit(bot, form, form_state(form, reason=reason), user=user)

    refused = json.loads(object_to_agenda(CHEN, " ").body)
    assert "An objection needs its reason" in refused["errors"][ids.IN_REASON[0]]
    outside = json.loads(object_to_agenda(DANA, "Too long").body)
    assert "Only members of <#C0CIRCLE> can object to its agenda" in outside["errors"]["c_reason"]
    assert object_to_agenda(CHEN, "<!channel> The wiki is missing").body == ""
    assert "Your objection to the agenda is recorded" in last_reply(bot, CHEN)
    assert object_to_agenda(BRAM, "Te vol").body == ""
    assert "Je bezwaar tegen de agenda is vastgelegd" in last_reply(bot, BRAM)

    meeting(bot, "start")
    admin = shown(thread(bot)[0])
    assert "Objections to the agenda, raised beforehand" in admin
    assert "<@U0CHEN>: &lt;!channel&gt; The wiki is missing" in admin
    assert "<@U0BRAM>: Te vol" in admin
    assert "Too long" not in admin and "<!channel>" not in admin
    meeting(bot, "end")
    assert "<@U0CHEN>: &lt;!channel&gt; The wiki is missing" in shown(channel_posts(bot)[-1])


# ---------------------------------------------------------------- the secretary's corrections


def test_the_secretary_corrects_the_minutes_until_they_are_consented(
    bot: Bot, clock: FakeClock
) -> None:
    meeting(bot, "settings")
    modal = last_modal(bot)
    submit(bot, modal, form_state(modal, weekday="1", secretary=CHEN))
    meeting(bot, "start")
    meeting(bot, "end")
    [minutes] = [m for m in channel_posts(bot) if "Minutes of" in m.get("text", "")]
    assert "The secretary, <@U0CHEN>, corrects the minutes" in shown(minutes)

    press(bot, ids.ACT_MINUTES_CORRECT, minutes)  # the facilitator is not the secretary
    assert "Only the meeting's secretary, <@U0CHEN>, corrects its minutes" in last_reply(bot, ALICE)
    press(bot, ids.ACT_MINUTES_CORRECT, minutes, user=BRAM)
    assert "Alleen de secretaris van de vergadering, <@U0CHEN>" in last_reply(bot, BRAM)
    press(bot, ids.ACT_MINUTES_CORRECT, minutes, user=CHEN)
    form = last_modal(bot)
    assert form["callback_id"] == ids.CB_MINUTES_CORRECT
    typed = "<!channel> Bram was there too"
    assert submit(bot, form, form_state(form, correction=typed), user=CHEN).body == ""
    assert "The minutes are corrected." in last_reply(bot, CHEN)
    now = shown(current(bot, minutes))
    assert "Corrected by the secretary, <@U0CHEN>:*\\n&lt;!channel&gt; Bram was there too" in now
    assert "<!channel>" not in now
    meeting(bot, "minutes", user=BRAM)
    assert "&lt;!channel&gt; Bram was there too" in last_reply(bot, BRAM)

    clock.advance(days=14)
    meeting(bot, "start")
    press(bot, ids.ACT_MEETING_CHECK_MINUTES, thread(bot)[0])
    [check] = checks(bot)
    press(bot, ids.ACT_QC_CONSENT, check)
    press(bot, ids.ACT_QC_CLOSE, check)
    press(bot, ids.ACT_MINUTES_CORRECT, minutes, user=CHEN)  # from the old message
    assert "consented to at the next meeting" in last_reply(bot, CHEN)
    meeting(bot, "minutes 2026-12-01", user=CHEN)
    assert ids.ACT_MINUTES_CORRECT not in last_reply(bot, CHEN)  # no button any more


def test_a_proposal_formed_in_the_meeting_starts_a_consent_round_with_the_item_as_driver(
    bot: Bot,
) -> None:
    bot.command("Release notes are late")
    meeting(bot, "start")
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    item = thread(bot)[-1]
    assert "Proposal formed: start a consent round" in shown(item)
    press(bot, ids.ACT_MEETING_PROPOSE, item)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_CONSENT_MODAL
    driver = next(b for b in modal["blocks"] if b.get("block_id") == ids.IN_DRIVER_ITEM[0])
    assert driver["element"]["initial_option"]["value"] == "1"  # the item under discussion
    given = {ids.IN_PROPOSAL[1]: "Notes are written a day before each release",
             ids.IN_DEADLINE[1]: START + timedelta(days=3)}  # fmt: skip
    assert submit(bot, modal, fill(modal, given)).body == ""
    with bot.deps.sessions() as s:
        rnd = s.scalars(select(models.ConsentRound)).one()
        proposal = s.get(models.Proposal, rnd.proposal_id)
    assert proposal.item_id == 1  # its driver is the meeting's item; the round runs async
