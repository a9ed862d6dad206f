"""A consent round started from the governance meeting ("Proposal formed: start a consent
round" on an item): linked to the meeting (the form's meeting id is a hint, checked against the
store at submit), the item's outcome is the proposal formed, the thread says so, and the minutes
and the logbook list the round (issue 12).

Signed requests through the real Bolt app against the Slack fake, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot import export
from bot.blocks import ids
from bot.demo.forms import fill
from bot.domain.backlog import ItemStatus
from bot.services import backlog, workspace
from bot.store import models
from tests.handlers.test_meeting import bot, press, shown, start, thread
from tests.handlers.test_meeting_outcomes import minutes
from tests.support.harness import ALICE, BRAM, CHANNEL, TEAM, Bot
from tests.support.steps import START, last_modal, submit

__all__ = ["bot"]  # the fixture, shared with the meeting's own tests
PROPOSAL = "Notes are written a day before each release"


def propose(bot: Bot, item: dict, user: str = ALICE, text: str = PROPOSAL, **meta) -> None:
    """ "Proposal formed: start a consent round" on the item's message, the form submitted
    (its private metadata changed by `meta`, as a forged form would)."""
    press(bot, ids.ACT_MEETING_PROPOSE, item, user=user)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_CONSENT_MODAL
    modal["private_metadata"] = json.dumps(json.loads(modal["private_metadata"]) | meta)
    given = {ids.IN_PROPOSAL[1]: text, ids.IN_DEADLINE[1]: START + timedelta(days=3)}
    assert submit(bot, modal, fill(modal, given), user=user).body == ""


def rounds(bot: Bot) -> list[models.ConsentRound]:
    with bot.deps.sessions() as s:
        return list(s.scalars(select(models.ConsentRound).order_by(models.ConsentRound.id)))


def test_a_round_started_from_the_meeting_is_its_items_outcome_and_in_the_minutes(
    bot: Bot,
) -> None:
    bot.command("Release notes are late")
    bot.command("Nobody owns the wiki")
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    item = thread(bot)[-1]
    assert "#1 Release notes are late" in shown(item)
    propose(bot, item)

    [rnd] = rounds(bot)
    assert rnd.meeting_id is not None and rnd.item_id == 1
    posted = thread(bot)
    note = next(m for m in posted if "consent round on proposal #1" in shown(m))
    assert "runs in the channel, asynchronously" in shown(note)
    assert f"/archives/{CHANNEL}/p" in shown(note)  # a link to the round's message
    assert "#2 Nobody owns the wiki" in shown(posted[-1])  # the meeting moved on
    # The item stays on the backlog while its round runs.
    assert backlog.get(bot.deps.sessions, team_id=TEAM, item_id=1).status is ItemStatus.IN_PROGRESS
    press(bot, ids.ACT_MEETING_NEXT, posted[-1])

    text = minutes(bot)
    assert "#1 Release notes are late → proposal formed: consent round on proposal #1" in text
    assert "#2 Nobody owns the wiki → discussed" in text
    assert "*Consent rounds started:*" in text
    assert f"/archives/{CHANNEL}/p{rnd.message_ts.replace('.', '')}|{PROPOSAL}>" in text
    md = export.export(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL, fmt="md", now=START)
    assert "  - #1 Release notes are late → proposal formed: consent round on proposal #1" in md
    assert f"- **Consent rounds started:**\n  - Proposal #1 {PROPOSAL}" in md


def test_a_round_started_by_someone_else_is_listed_but_does_not_move_the_meeting(
    bot: Bot,
) -> None:
    bot.command("Release notes are late")
    start(bot)
    press(bot, ids.ACT_MEETING_HERE, thread(bot)[0], user=BRAM)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    item = thread(bot)[-1]
    propose(bot, item, user=BRAM)
    *_, last_step, note = thread(bot)
    assert "consent round on proposal #1" in shown(note)
    assert last_step["ts"] == item["ts"]  # the meeting is still at the item
    text = minutes(bot)
    assert "#1 Release notes are late → discussed" in text  # only the facilitator records
    assert "*Consent rounds started:*" in text and PROPOSAL in text


def test_a_forged_meeting_id_in_the_form_is_ignored(bot: Bot) -> None:
    bot.command("Release notes are late")
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    item = thread(bot)[-1]
    with bot.deps.sessions() as s:
        running = s.scalars(select(models.Meeting)).one()
        other = models.Meeting(
            team_id=TEAM, channel_id="C0OTHER", circle_id=running.circle_id,
            open_channel="C0OTHER", status="open", facilitator_id=ALICE, started_at=START,
            planned_end_at=START + timedelta(hours=1), local_date=START.date(), tz="UTC", step=1,
            current_item_id=1,
        )  # fmt: skip
        s.add(other)
        s.commit()
        other_id = running.id, other.id
    propose(bot, item, meeting_id=other_id[1])  # an open meeting of another channel
    propose(bot, item, text="Or a week ahead", meeting_id=999)  # no such meeting
    assert [r.meeting_id for r in rounds(bot)] == [None, None]
    assert "#1 Release notes are late" in shown(thread(bot)[-1])  # the meeting did not move
    assert not any("consent round on proposal" in shown(m) for m in thread(bot))

    bot.command("", command="/consent", user=BRAM)  # /consent itself, with this meeting's id
    modal = last_modal(bot)
    modal["private_metadata"] = json.dumps(
        json.loads(modal["private_metadata"]) | {"meeting_id": other_id[0]}
    )
    given = {ids.IN_PROPOSAL[1]: "Bram's idea", ids.IN_DEADLINE[1]: START + timedelta(days=3)}
    assert submit(bot, modal, fill(modal, given), user=BRAM).body == ""  # Bram did not check in
    assert rounds(bot)[-1].meeting_id is None
    text = minutes(bot)
    assert "Consent rounds started" not in text and "proposal formed" not in text


def test_the_round_started_in_a_dutch_meeting(bot: Bot) -> None:
    workspace.set_workspace_locale(bot.deps.sessions, team_id=TEAM, locale="nl", now=START)
    bot.command("Release notes are late")
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    propose(bot, thread(bot)[-1])
    assert any("instemmingsronde over voorstel #1" in shown(m) for m in thread(bot))
    found = minutes(bot)
    assert "voorstel gevormd: instemmingsronde over voorstel #1" in found
    assert "*Gestarte instemmingsrondes:*" in found
