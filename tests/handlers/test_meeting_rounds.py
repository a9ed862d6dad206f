"""Rounds their author sent to the governance meeting come up in the running meeting after the
backlog's items (and the reviews due): the proposal and its open objections, the facilitator's
Next item and Skip, and the minutes say it was discussed (issue 12).

Signed requests through the real Bolt app against the Slack fake, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from bot import export
from bot.blocks import ids
from bot.services import workspace
from tests.handlers.test_meeting import bot, controls, meeting, press, shown, start, thread
from tests.handlers.test_meeting_outcomes import minutes
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot
from tests.support.steps import START, answer_with_reason, author_click, click, start_round, sweep

__all__ = ["bot"]  # the fixture, shared with the meeting's own tests
PROPOSAL = "Publish release notes a day before each release"


def sent_round(bot: Bot, reason: str = "It <!channel> breaks the *freeze*") -> int:
    """A round closed with Chen's objection, sent to the meeting by its author, Alice."""
    rnd = start_round(bot, PROPOSAL)
    answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, CHEN, reason)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    sweep(bot)
    author_click(bot, ids.ACT_SEND_TO_MEETING, rnd.id)
    return rnd.id


def test_a_round_sent_to_the_meeting_comes_up_after_the_items(bot: Bot) -> None:
    sent_round(bot)
    bot.command("Wiki is stale")
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    assert "Wiki is stale" in shown(thread(bot)[-1])  # the backlog's items first
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[-1])
    step = shown(thread(bot)[-1])
    assert "Proposal #1 (version 1): " in step and PROPOSAL in step
    assert "Sent to this meeting by its author, <@U0ALICE>" in step
    assert "<@U0CHEN>: It &lt;!channel&gt; breaks the *freeze*" in step  # escaped: pings nobody
    assert set(controls(thread(bot)[-1])) == {
        ids.ACT_MEETING_ROUND_DECIDE, ids.ACT_MEETING_NEXT, ids.ACT_MEETING_SKIP,
    }  # fmt: skip
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[-1], user=BRAM)  # only the facilitator
    assert "Proposal #1" in shown(thread(bot)[-1])
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[-1])
    assert "That was the last item" in shown(thread(bot)[-1])
    text = minutes(bot)
    assert f"Proposal #1 {PROPOSAL} → discussed, no outcome recorded" in text
    md = export.export(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL, fmt="md", now=START)
    assert f"  - Proposal #1 {PROPOSAL} → discussed, no outcome recorded" in md

    # Discussed once, it does not come up at the next meeting (the item, still open, does).
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    assert "Wiki is stale" in shown(thread(bot)[-1])
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[-1])
    assert "That was the last item" in shown(thread(bot)[-1])


def test_a_skipped_round_comes_up_again_at_the_next_meeting(bot: Bot) -> None:
    sent_round(bot)
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    press(bot, ids.ACT_MEETING_SKIP, thread(bot)[-1])
    assert f"Proposal #1 {PROPOSAL} → skipped" in minutes(bot)
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    assert "Proposal #1 (version 1)" in shown(thread(bot)[-1])
    meeting(bot, "end")  # ended while at the round: discussed
    assert f"Proposal #1 {PROPOSAL} → discussed" in minutes_text(bot)


def minutes_text(bot: Bot) -> str:
    return shown(next(m for m in reversed(bot.fake.messages_in(CHANNEL)) if "Minutes" in m["text"]))


def test_a_round_not_sent_does_not_come_up(bot: Bot) -> None:
    start_round(bot, PROPOSAL)
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    assert "That was the last item" in shown(thread(bot)[-1])


def test_the_round_in_a_dutch_meeting(bot: Bot) -> None:
    workspace.set_workspace_locale(bot.deps.sessions, team_id=TEAM, locale="nl", now=START)
    sent_round(bot, reason="Het breekt de bevriezing")
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    step = shown(thread(bot)[-1])
    assert "Voorstel #1 (versie 1): " in step
    assert "Door de auteur naar dit overleg gestuurd, <@U0ALICE>." in step
    assert "*Open bezwaren:*" in step and "Het breekt de bevriezing" in step
    meeting(bot, "end")
    found = shown(
        next(m for m in reversed(bot.fake.messages_in(CHANNEL)) if "Notulen" in m["text"])
    )
    assert f"Voorstel #1 {PROPOSAL} →" in found
