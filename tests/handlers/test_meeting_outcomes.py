"""Record outcome in the governance meeting, beyond a next step or a dismissal (issue 12): a
selection for one of the circle's roles started, the item passed on to another circle, or the
contested objection it came from resolved; each stored before the ack, in the minutes, and
refused with the item as it is when it changed meanwhile.

Signed requests through the real Bolt app against the Slack fake, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from bot import export
from bot.blocks import ids
from bot.demo.forms import fill
from bot.domain.objections import ObjectionStatus
from bot.services import backlog
from bot.store import models
from bot.store.db import transaction
from tests.handlers.test_meeting import bot, controls, meeting, press, shown, start, thread
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot
from tests.support.steps import (
    START,
    answer_with_reason,
    click,
    click_objection,
    give_objection_reason,
    last_modal,
    objection_value,
    start_round,
    submit,
    sweep,
)

__all__ = ["bot"]  # the fixture, shared with the meeting's own tests
OPS = "C0OPS"


def items(bot: Bot) -> list[models.BacklogItem]:
    with bot.deps.sessions() as s:
        return list(s.scalars(select(models.BacklogItem).order_by(models.BacklogItem.id)))


def add_role(bot: Bot, name: str = "Release lead") -> None:
    with transaction(bot.deps.sessions) as s:
        s.add(
            models.Role(
                team_id=TEAM, channel_id=CHANNEL, name=name, name_key=name.casefold(),
                status="active", created_by=ALICE, created_at=START,
            )
        )  # fmt: skip


def first_item(bot: Bot, user: str = ALICE) -> dict:
    start(bot, user=user)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0], user=user)
    step = thread(bot)[-1]
    assert ids.ACT_MEETING_OUTCOME in controls(step)
    return step


def outcome_form(bot: Bot, step: dict, user: str = ALICE) -> dict:
    press(bot, ids.ACT_MEETING_OUTCOME, step, user=user)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_MEETING_OUTCOME
    return modal


def minutes(bot: Bot) -> str:
    meeting(bot, "end")
    return shown(
        next(m for m in reversed(bot.fake.messages_in(CHANNEL)) if "Minutes" in m["text"]
             or "Notulen" in m["text"])
    )  # fmt: skip


# ---------------------------------------------------------------- a selection started


def test_select_someone_for_a_role_starts_the_selection_and_the_minutes_say_so(bot: Bot) -> None:
    add_role(bot)
    bot.command("Nobody cuts the releases")
    bot.command("Wiki is stale")
    step = first_item(bot)
    modal = outcome_form(bot, step)
    answer = submit(bot, modal, fill(modal, {ids.IN_OUTCOME_STEP[1]: "select"})).json()
    assert answer["response_action"] == "update"
    form = answer["view"]
    assert form["callback_id"] == ids.CB_SEL_START
    role = next(b for b in form["blocks"] if b.get("block_id") == ids.IN_SEL_ROLE[0])
    assert role["element"]["initial_option"]["text"]["text"] == "Release lead"
    with bot.deps.sessions() as s:
        assert s.scalars(select(models.Selection)).all() == []  # nothing before the second form

    assert submit(bot, form, fill(form, {ids.IN_SEL_PEOPLE[1]: [ALICE, BRAM, CHEN]})).body == ""
    sweep(bot)
    with bot.deps.sessions() as s:
        sel = s.scalars(select(models.Selection)).one()
    first = items(bot)[0]
    assert sel.item_id == first.id and first.next_step == "select"
    assert "Wiki is stale" in shown(thread(bot)[-1])  # the meeting moved on to the next item
    text = minutes(bot)
    assert "Nobody cuts the releases → selection started for Release lead" in text


def test_select_without_roles_just_gives_the_next_step(bot: Bot) -> None:
    bot.command("Nobody cuts the releases")
    modal = outcome_form(bot, first_item(bot))
    assert submit(bot, modal, fill(modal, {ids.IN_OUTCOME_STEP[1]: "select"})).body == ""
    assert items(bot)[0].next_step == "select"
    assert "next step: select someone for a role" in minutes(bot)


def test_a_selection_form_submitted_after_the_item_changed_is_refused(bot: Bot) -> None:
    add_role(bot)
    bot.command("Nobody cuts the releases")
    modal = outcome_form(bot, first_item(bot))
    form = submit(bot, modal, fill(modal, {ids.IN_OUTCOME_STEP[1]: "select"})).json()["view"]
    item = items(bot)[0]
    backlog.dismiss(bot.deps.sessions, team_id=TEAM, item_id=item.id, actor=BRAM,
                    reason="Solved already", now=bot.deps.clock())  # fmt: skip
    body = submit(bot, form, fill(form, {ids.IN_SEL_PEOPLE[1]: [ALICE, BRAM]})).json()
    assert body["response_action"] == "errors"
    assert "it was dismissed" in json.dumps(body["errors"])
    with bot.deps.sessions() as s:
        assert s.scalars(select(models.Selection)).all() == []


# ---------------------------------------------------------------- passed on


def test_pass_on_to_another_circle_moves_the_item_and_tells_that_channel(fake, bot: Bot) -> None:
    fake.add_channel(OPS, "ops", [ALICE, BRAM], is_member=True)
    bot.command("The printer is broken")
    modal = outcome_form(bot, first_item(bot))
    assert submit(bot, modal, fill(modal, {ids.IN_OUTCOME_PASS[1]: OPS})).body == ""
    [item] = items(bot)
    assert (item.channel_id, item.status, item.passed_from) == (OPS, "new", CHANNEL)
    assert "The printer is broken" in bot.fake.messages_in(OPS)[-1]["text"]
    assert "That was the last item" in shown(thread(bot)[-1])
    assert f"The printer is broken → passed on to <#{OPS}>" in minutes(bot)
    md = export.export(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL, fmt="md",
                       now=bot.deps.clock())  # fmt: skip
    assert f"#1 The printer is broken → passed on to #{OPS}" in md


def test_pass_on_to_a_channel_without_the_bot_or_with_a_reason_too_is_refused(
    fake, bot: Bot
) -> None:
    fake.add_channel("C0OTHER", "design", [ALICE], is_member=False)
    bot.command("The printer is broken")
    step = first_item(bot)
    modal = outcome_form(bot, step)
    body = submit(bot, modal, fill(modal, {ids.IN_OUTCOME_PASS[1]: "C0OTHER"})).json()
    assert "Invite me there" in body["errors"][ids.IN_OUTCOME_PASS[0]]
    both = {ids.IN_OUTCOME_PASS[1]: OPS, ids.IN_OUTCOME_REASON[1]: "Not ours"}
    body = submit(bot, modal, fill(modal, both)).json()
    assert body["errors"][ids.IN_OUTCOME_REASON[0]].startswith("Choose one outcome")
    [item] = items(bot)
    assert item.channel_id == CHANNEL and item.status == "new"
    assert controls(thread(bot)[-1]) == controls(step)  # the meeting did not move


# ---------------------------------------------------------------- an objection resolved


def contested_item(bot: Bot) -> int:
    """A round closed with Chen's objection, marked not qualified by Alice and contested by
    Chen: its backlog item (next step: decide)."""
    rnd = start_round(bot)
    answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, CHEN, "It breaks the *release*")
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    sweep(bot)
    value = objection_value(bot, rnd.id, CHEN)
    give_objection_reason(bot, ids.ACT_OBJ_NOT_QUALIFIED, value, ALICE, "A matter of taste")
    click_objection(bot, ids.ACT_OBJ_CONTEST, value, CHEN, channel=bot.fake.dm_channel_id(CHEN))
    [item] = items(bot)
    return item.id


def objection_status(bot: Bot) -> str:
    with bot.deps.sessions() as s:
        return s.scalars(select(models.Objection.status)).one()


def test_the_meeting_resolves_a_contested_objection(bot: Bot) -> None:
    contested_item(bot)
    modal = outcome_form(bot, first_item(bot))
    box = next(b for b in modal["blocks"] if b.get("block_id") == ids.IN_OUTCOME_RESOLVED[0])
    assert "The meeting resolved it" in json.dumps(box)
    given = {ids.IN_OUTCOME_RESOLVED[1]: ["resolved"]}
    assert submit(bot, modal, fill(modal, given)).body == ""
    assert objection_status(bot) == ObjectionStatus.RESOLVED.value
    assert items(bot)[0].status == "done"
    with bot.deps.sessions() as s:
        actions = list(s.scalars(select(models.ObjectionEvent.action)))
    assert actions[-1] == "settle"
    assert "→ the contested objection resolved" in minutes(bot)


def test_only_the_item_of_a_contested_objection_offers_resolving_it(bot: Bot) -> None:
    bot.command("The printer is broken")
    modal = outcome_form(bot, first_item(bot))
    blocks = [b.get("block_id") for b in modal["blocks"]]
    assert ids.IN_OUTCOME_RESOLVED[0] not in blocks and ids.IN_OUTCOME_PASS[0] in blocks


def test_an_objection_settled_meanwhile_is_refused_and_nothing_recorded(bot: Bot) -> None:
    contested_item(bot)
    step = first_item(bot)
    modal = outcome_form(bot, step)
    with transaction(bot.deps.sessions) as s:
        obj = s.scalars(select(models.Objection)).one()
        obj.status = ObjectionStatus.CONCERN.value  # Chen let it become a concern meanwhile
    body = submit(bot, modal, fill(modal, {ids.IN_OUTCOME_RESOLVED[1]: ["resolved"]})).json()
    assert "no contested objection left" in body["errors"][ids.IN_OUTCOME_RESOLVED[0]]
    assert items(bot)[0].status != "done"
    assert controls(thread(bot)[-1]) == controls(step)


# ---------------------------------------------------------------- in Dutch


def test_the_outcomes_and_their_refusals_speak_dutch(fake, bot: Bot) -> None:
    fake.add_channel("C0OTHER", "design", [BRAM], is_member=False)
    bot.command("De printer is kapot")
    modal = outcome_form(bot, first_item(bot, user=BRAM), user=BRAM)
    seen = json.dumps(modal, ensure_ascii=False)
    assert "Of geef het door aan" in seen and "iemand voor een rol kiezen" in seen
    both = {ids.IN_OUTCOME_PASS[1]: OPS, ids.IN_OUTCOME_REASON[1]: "Niet van ons"}
    body = submit(bot, modal, fill(modal, both), user=BRAM).json()
    assert body["errors"][ids.IN_OUTCOME_REASON[0]].startswith("Kies één uitkomst")
