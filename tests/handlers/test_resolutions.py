"""Resolving objections one at a time, as people see it: the author's amend form asks, per
open objection, how the new version resolves it; each objector is asked by DM "Does this
resolve your objection?"; the agreement records which objections were resolved how."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.blocks import ids
from bot.services import consent
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot, modal_values
from tests.support.steps import (
    START,
    answer_with_reason,
    click,
    click_objection,
    last_modal,
    objection_value,
    resolution_values,
    start_round,
    submit,
    sweep,
)

PING = "<!channel> Who checks them?"
PING_ESCAPED = "&lt;!channel&gt; Who checks them?"


def shown(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks"))


def dms(bot: Bot, user: str) -> list[dict]:
    sweep(bot)
    channel = bot.fake.dm_channel_id(user)
    return bot.fake.messages_in(channel) if channel else []


def asked(bot: Bot, user: str) -> list[dict]:
    return [
        m for m in dms(bot, user) if "Does this resolve" in m["text"] or "Lost dit" in m["text"]
    ]


def reply_to(bot: Bot, user: str) -> str:
    return bot.responses_for(user)[-1]["text"]


def status_of(bot: Bot, value: str) -> str:
    with bot.deps.sessions() as s:
        return s.get(models.Objection, int(value.split(":")[1])).status


def events(bot: Bot, value: str, action: str) -> list[models.ObjectionEvent]:
    with bot.deps.sessions() as s:
        return list(
            s.scalars(
                select(models.ObjectionEvent).where(
                    models.ObjectionEvent.objection_id == int(value.split(":")[1]),
                    models.ObjectionEvent.action == action,
                )
            )
        )


def thread_reply(bot: Bot, rnd: consent.RoundView, user: str) -> str:
    sweep(bot)
    return next(
        shown(m)
        for m in bot.fake.messages_in(CHANNEL)
        if m.get("thread_ts") == rnd.message_ts and "Objection by" in m.get("text", "")
        and user in m.get("text", "")
    )  # fmt: skip


def closed_with_objections(bot: Bot, *objectors: str) -> consent.RoundView:
    """Alice's round, where the others consent and `objectors` object."""
    rnd = start_round(bot)
    sweep(bot)
    for user in (ALICE, BRAM, CHEN):
        if user in objectors:
            answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, user, PING + " " + user)
        else:
            click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, user)
    sweep(bot)
    rnd = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert rnd.outcome.value == "objections"
    return rnd


def open_amend_form(bot: Bot, rnd: consent.RoundView) -> dict:
    click(bot, ids.ACT_AMEND, rnd.id, ALICE, channel=bot.fake.dm_channel_id(ALICE))
    return last_modal(bot)


def amend(bot: Bot, modal: dict, *parts: dict, **fields):
    values = modal_values(
        text=fields.pop("text", "Publish release notes a day before; Bram checks them"),
        review_date=fields.pop("review_date", date(2027, 3, 1)),
        deadline=START + timedelta(days=2), **fields,
    )  # fmt: skip
    for part in parts:
        values.update(part)
    return submit(bot, modal, values)


def test_each_objection_is_resolved_its_own_way_and_the_agreement_records_how(bot: Bot) -> None:
    rnd = closed_with_objections(bot, BRAM, CHEN)
    modal = open_amend_form(bot, rnd)
    form = json.dumps(modal["blocks"])
    assert "Objection from bram" in form and "Objection from chen" in form  # display names
    assert PING_ESCAPED in form and "<!channel>" not in form
    response = amend(
        bot, modal,
        resolution_values(0, "review", on=date(2027, 1, 15)),  # Bram's: an earlier review
        resolution_values(1, "monitoring", how="Count late notes each month"),  # Chen's
        evaluation="Notes are out on time",
    )  # fmt: skip
    assert response.status == 200 and response.body == "", response.body
    v2 = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id + 1)
    assert v2.evaluation == "Notes are out on time\nCount late notes each month"
    assert v2.review_date == date(2027, 1, 15)
    [to_chen] = asked(bot, CHEN)
    assert "Count late notes each month" in shown(to_chen) and PING_ESCAPED in shown(to_chen)
    assert ids.ACT_RES_YES in shown(to_chen) and ids.ACT_RES_NO in shown(to_chen)
    [to_bram] = asked(bot, BRAM)
    assert "Lost dit je bezwaar op?" in shown(to_bram)  # Bram reads Dutch
    chen = objection_value(bot, rnd.id, CHEN)
    click_objection(bot, ids.ACT_RES_YES, chen, CHEN, channel=bot.fake.dm_channel_id(CHEN))
    assert "marked resolved" in reply_to(bot, CHEN)
    assert status_of(bot, chen) == "resolved"
    assert "yes, the amendment resolves it" in thread_reply(bot, rnd, CHEN)
    for user in (ALICE, BRAM, CHEN):
        click(bot, ids.ACT_ANSWER_CONSENT, v2.id, user)
    sweep(bot)
    bot.command("1", command="/agreements")
    record = json.dumps(bot.responses_for(ALICE)[-1]["blocks"])
    assert "Objections, and how they were resolved" in record
    assert "monitoring (added to the evaluation criteria)" in record
    assert "Count late notes each month" in record and "(the objector: resolved)" in record
    assert "an earlier review date" in record and "2027-01-15" in record
    assert "Count late notes each month" in record
    with bot.deps.sessions() as s:
        agreement = s.scalars(select(models.Agreement)).one()
        assert agreement.review_date == date(2027, 1, 15)


def test_an_objection_left_without_a_resolution_is_a_field_error_naming_it(bot: Bot) -> None:
    rnd = closed_with_objections(bot, BRAM, CHEN)
    modal = open_amend_form(bot, rnd)
    body = amend(
        bot, modal, resolution_values(0, None), resolution_values(1, "deferral", how="Later")
    ).json()  # fmt: skip
    assert "bram's objection" in body["errors"][ids.IN_RES_KIND[0][0]]
    assert "take it to the meeting" in body["errors"][ids.IN_RES_KIND[0][0]]
    assert "who takes it on" in body["errors"][ids.IN_RES_OWNER[1][0]]
    assert "chen's objection" in body["errors"][ids.IN_RES_DATE[1][0]]
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.ConsentRound)) == 1


def test_not_resolved_take_it_to_the_meeting_puts_it_on_the_backlog(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    modal = open_amend_form(bot, rnd)
    response = amend(bot, modal, resolution_values(0, "meeting", how="We disagree"))
    assert response.status == 200 and response.body == "", response.body
    with bot.deps.sessions() as s:
        item = s.scalars(select(models.BacklogItem)).one()
        assert "not resolved by its amendment" in item.text and "We disagree" in item.text
    assert asked(bot, CHEN) == []  # nothing to confirm: it goes to the meeting
    assert "taken to the meeting" in thread_reply(bot, rnd, CHEN)


def test_no_with_a_reason_is_recorded_in_the_objections_history(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    modal = open_amend_form(bot, rnd)
    amend(bot, modal, resolution_values(0, "deferral", how="A checker", owner=BRAM,
                                        on=date(2027, 1, 10)))  # fmt: skip
    [to_chen] = asked(bot, CHEN)
    assert "<@U0BRAM>" in shown(to_chen) and "2027-01-10" in shown(to_chen)
    chen = objection_value(bot, rnd.id, CHEN)
    dm = bot.fake.dm_channel_id(CHEN)
    click_objection(bot, ids.ACT_RES_NO, chen, CHEN, channel=dm)
    form = last_modal(bot)
    assert form["callback_id"] == ids.CB_RES_NO_MODAL
    key = ids.IN_RES_NO_REASON
    empty = {key[0]: {key[1]: {"type": "plain_text_input", "value": " "}}}
    body = submit(bot, form, empty, user=CHEN).json()
    assert "Say why" in body["errors"][key[0]]
    why = {key[0]: {key[1]: {"type": "plain_text_input", "value": "Too late <!here>"}}}
    assert submit(bot, form, why, user=CHEN).body == ""
    assert "does not resolve your objection" in reply_to(bot, CHEN)
    assert status_of(bot, chen) == "raised"  # it still stands
    reply = thread_reply(bot, rnd, CHEN)
    assert "no, the amendment does not resolve it" in reply and "Too late &lt;!here&gt;" in reply


def test_a_double_click_on_yes_gives_one_outcome(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    amend(bot, open_amend_form(bot, rnd), resolution_values(0, "text", how="Bram checks them"))
    chen = objection_value(bot, rnd.id, CHEN)
    assert len(asked(bot, CHEN)) == 1
    dm = bot.fake.dm_channel_id(CHEN)
    for _ in range(2):
        click_objection(bot, ids.ACT_RES_YES, chen, CHEN, channel=dm)
    assert len(events(bot, chen, "confirm")) == 1
    assert status_of(bot, chen) == "resolved"
    assert "already marked resolved" in reply_to(bot, CHEN)


def test_only_the_objector_may_say_yes(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    amend(bot, open_amend_form(bot, rnd), resolution_values(0, "text", how="Bram checks them"))
    chen = objection_value(bot, rnd.id, CHEN)
    sweep(bot)
    click_objection(bot, ids.ACT_RES_YES, chen, BRAM, channel=CHANNEL)  # a forwarded button
    assert "Alleen wie dit bezwaar" in reply_to(bot, BRAM)  # Bram reads Dutch
    click_objection(bot, ids.ACT_RES_NO, chen, ALICE, channel=bot.fake.dm_channel_id(ALICE))
    assert "Only the person who raised this objection can say" in reply_to(bot, ALICE)
    assert status_of(bot, chen) == "raised" and events(bot, chen, "confirm") == []


def test_objections_beyond_the_forms_room_go_to_the_meeting_and_the_rest_can_be_resolved(
    bot: Bot,
) -> None:
    many = [f"U0OBJ{n}" for n in range(ids.RESOLUTION_SLOTS + 1)]
    for user in many:
        bot.fake.add_user(user, user.lower())
        bot.fake.channels[CHANNEL].members.append(user)
    rnd = start_round(bot)
    sweep(bot)
    for user in many:
        answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, user, f"Worry of {user}")
    for user in (ALICE, BRAM, CHEN):
        click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, user)
    sweep(bot)
    rnd = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert rnd.outcome.value == "objections"
    modal = open_amend_form(bot, rnd)
    kinds = [b for b in modal["blocks"] if b.get("block_id", "").startswith("res_kind_")]
    assert len(kinds) == ids.RESOLUTION_SLOTS
    form = json.dumps(modal["blocks"])
    assert "1 more goes to the governance meeting, not resolved" in form
    with bot.deps.sessions() as s:
        items_before = s.scalar(select(func.count()).select_from(models.BacklogItem))
    parts = [resolution_values(slot, "text", how="Answered in v2") for slot in range(len(kinds))]
    response = amend(bot, modal, *parts)
    assert response.status == 200 and response.body == "", response.body
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.ConsentRound)) == 2
        assert s.scalar(select(func.count()).select_from(models.BacklogItem)) == items_before + 1
