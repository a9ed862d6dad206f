"""A proposal decided now in the governance meeting carries the fields of the agreement it
becomes, as a /consent proposal does: title, who is responsible for what, evaluation criteria,
the people responsible and the review date.

Signed requests through the real Bolt app against the Slack fake, on SQLite (and PostgreSQL
in the slow run); asserted is what people see in the thread, /agreements, the minutes and
their review reminders, and what is stored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.blocks import ids
from bot.scheduler import run_all_once
from bot.store import models
from tests.handlers.test_meeting_consent import (
    bot,
    channel_posts,
    check_in,
    checks,
    current,
    decide,
    meeting,
    press,
    shown,
    thread,
)
from tests.support.harness import ALICE, BRAM, CHEN, Bot, FakeClock
from tests.support.steps import form_state, last_modal, submit

__all__ = ["bot"]  # the fixture, shared with the meeting's quick consent tests
RESPONSIBILITIES = "Chen writes <b>the notes</b> & posts them"


def dms(bot: Bot, user: str) -> list[dict]:
    channel = bot.fake.dm_channel_id(user)
    return bot.fake.messages_in(channel) if channel else []


def sweep_at(bot: Bot, clock: FakeClock, when: datetime) -> None:
    clock.now = when
    run_all_once(bot.deps)
    bot.settle()


def reminders(bot: Bot, user: str) -> list[str]:
    """The review reminders in the person's DMs."""
    return [
        shown(d)
        for d in dms(bot, user)
        if any(a in shown(d) for a in (ids.ACT_AGREEMENT_KEEP, ids.ACT_AGREEMENT_SNOOZE))
    ]


def agreed(bot: Bot, check: dict, *people: str) -> None:
    for user in people:
        press(bot, ids.ACT_QC_CONSENT, check, user=user)
    press(bot, ids.ACT_QC_CLOSE, check)


def test_a_proposal_decided_now_is_an_agreement_with_its_fields(
    bot: Bot,
    clock: FakeClock,
) -> None:
    bot.command("Release notes are late")
    bot.command("Nobody owns the wiki")
    meeting(bot, "start")
    check_in(bot, BRAM, CHEN)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    item = thread(bot)[-1]
    response = decide(
        bot, item, title="Release notes ahead",
        proposal="<!channel> Publish release notes a day before each release\nIn the wiki.",
        responsibilities=RESPONSIBILITIES, evaluation="No late notes for two months",
        responsible_people=[CHEN], review_date="2026-12-15", hidden=[],
    )  # fmt: skip
    assert response.body == ""
    [check] = checks(bot)
    said = shown(check)
    assert "*Title:* Release notes ahead" in said
    assert "Chen writes &lt;b&gt;the notes&lt;/b&gt; &amp; posts them" in said
    assert "*Evaluation criteria:* No late notes for two months" in said
    assert "*People responsible:* <@U0CHEN>" in said
    assert "December 15, 2026" in said
    assert "<!channel>" not in said and "<b>" not in said
    with bot.deps.sessions() as s:
        stored = s.scalars(select(models.MeetingConsent)).one()
    assert (stored.title, stored.responsibilities, stored.evaluation, stored.responsible_ids) == (
        "Release notes ahead", RESPONSIBILITIES, "No late notes for two months", '["U0CHEN"]'
    )  # fmt: skip

    agreed(bot, check, ALICE, BRAM, CHEN)
    result = [m for m in thread(bot) if m.get("text", "").startswith("Consented")][-1]
    assert "is agreement #1 “Release notes ahead”" in shown(result)
    assert "*People responsible:* <@U0CHEN>" in shown(current(bot, check))

    second = thread(bot)[-1]
    assert "#2 Nobody owns the wiki" in shown(second)  # the meeting moved on
    wiki = {"proposal": "Chen keeps the wiki\nfor a year", "review_date": "2026-12-15"}
    assert decide(bot, second, **wiki).body == ""
    check = checks(bot)[-1]
    assert "nobody chosen: the facilitator, <@U0ALICE>" in shown(check)
    assert "*Title:*" not in shown(check)
    agreed(bot, check, ALICE)

    with bot.deps.sessions() as s:
        first, wiki = s.scalars(select(models.Agreement).order_by(models.Agreement.number))
    assert (first.title, first.text.splitlines()[0]) == (
        "Release notes ahead", "<!channel> Publish release notes a day before each release"
    )  # fmt: skip
    assert (first.responsibilities, first.evaluation) == (
        RESPONSIBILITIES, "No late notes for two months"
    )  # fmt: skip
    assert (first.responsible_ids, first.author_id) == ('["U0CHEN"]', ALICE)
    assert (wiki.title, wiki.responsibilities, wiki.evaluation, wiki.responsible_ids) == (
        "Chen keeps the wiki", None, None, "[]"
    )  # fmt: skip

    bot.command("1", user=CHEN, command="/agreements")
    detail = shown(bot.responses_for(CHEN)[-1])
    assert "Agreement #1 (version 1): Release notes ahead" in detail
    assert "Chen writes &lt;b&gt;the notes&lt;/b&gt; &amp; posts them" in detail
    assert "No late notes for two months" in detail
    assert "*People responsible:* <@U0CHEN>" in detail
    bot.command("", user=CHEN, command="/agreements")
    listed = shown(bot.responses_for(CHEN)[-1])
    assert "Release notes ahead" in listed and "Chen keeps the wiki" in listed

    meeting(bot, "end")
    minutes = shown(channel_posts(bot)[-1])
    assert (
        "#1 Release notes are late → agreed by quick consent: agreement #1 “Release notes ahead”"
        in minutes
    )
    assert (
        "#2 Nobody owns the wiki → agreed by quick consent: agreement #2 “Chen keeps the wiki”"
        in (minutes)
    )
    assert "is agreement #1 “Release notes ahead”." in minutes  # the quick consents

    sweep_at(bot, clock, datetime(2026, 12, 8, 8, 1, tzinfo=UTC))  # a week ahead, 09:01 local
    [chen] = reminders(bot, CHEN)  # the person responsible
    assert "Release notes ahead" in chen and "December 15, 2026" in chen
    assert "No late notes for two months" in chen
    [alice] = reminders(bot, ALICE)  # nobody chosen for the wiki: its author, the facilitator
    assert "Chen keeps the wiki" in alice and "Release notes ahead" not in alice
    assert reminders(bot, BRAM) == []  # present, but not responsible


def test_refused_fields_are_said_in_the_form_and_nothing_is_stored(bot: Bot) -> None:
    bot.command("Releases slip")
    meeting(bot, "start", user=BRAM)  # Bram facilitates; his Slack is in Dutch
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0], user=BRAM)
    item = thread(bot)[-1]
    press(bot, ids.ACT_MEETING_DECIDE, item, user=BRAM)
    response = decide_as(
        bot, BRAM, title="T" * 151, proposal=" ", evaluation="E" * 3001, review_date="2026-11-30"
    )
    refused = json.loads(response.body)
    assert refused["response_action"] == "errors"
    assert refused["errors"] == {
        ids.IN_TITLE[0]: "De titel is 151 tekens; de grens is 150.",
        ids.IN_PROPOSAL[0]: refused["errors"][ids.IN_PROPOSAL[0]],
        ids.IN_EVALUATION[0]: "Dit is 3001 tekens; de grens is 3000.",
        ids.IN_REVIEW_DATE[0]: refused["errors"][ids.IN_REVIEW_DATE[0]],
    }
    assert all(refused["errors"].values())
    assert checks(bot) == []
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.MeetingConsent)) == 0
        assert s.scalar(select(func.count()).select_from(models.Agreement)) == 0


def decide_as(bot: Bot, user: str, **given):
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_MEETING_DECIDE
    return submit(bot, modal, form_state(modal, **given), user=user)


def test_a_decision_closed_after_the_meeting_moved_on_is_the_items_outcome_in_the_minutes(
    bot: Bot,
) -> None:
    bot.command("Release notes are late")
    bot.command("Nobody owns the wiki")
    meeting(bot, "start")
    check_in(bot, BRAM)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    item = thread(bot)[-1]
    assert decide(bot, item, proposal="Notes a day ahead", review_date="2026-12-15").body == ""
    [check] = checks(bot)
    press(bot, ids.ACT_MEETING_NEXT, item)  # on to #2 while the check is still open
    assert "#2 Nobody owns the wiki" in shown(thread(bot)[-1])
    agreed(bot, check, ALICE, BRAM)
    meeting(bot, "end")
    minutes = shown(channel_posts(bot)[-1])
    assert "#1 Release notes are late → agreed by quick consent: agreement #1" in minutes
    assert "#1 Release notes are late → discussed" not in minutes
    with bot.deps.sessions() as s:
        rows = list(s.scalars(select(models.MeetingItem).where(models.MeetingItem.number == 1)))
    assert [(r.outcome, r.reason) for r in rows] == [("agreed", "1")]  # one line, not two
