"""The governance meeting run in Slack: `/meeting`, its thread, its controls, its minutes.

Signed requests through the real Bolt app against the Slack fake, on SQLite (and PostgreSQL
in the slow run); what is asserted is what people see: the channel, the thread, the replies
through their response_url.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot.blocks import ids
from bot.domain.backlog import ItemStatus, NextStep
from bot.services import backlog
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot, FakeClock, make_bot
from tests.support.steps import START, form_state, last_modal, submit, sweep

DANA = "U0DANA"  # in the workspace, not in the channel


@pytest.fixture
def bot(db_url: str, fake, clock: FakeClock) -> Bot:
    fake.add_user(DANA, "dana", real_name="Dana Dekker", locale="en-US")
    # Unpaced, as the demo's stand-in: each post follows at once, not at the next sweep.
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
    started = [m for m in channel_posts(bot) if "in progress" in m.get("text", "")]
    started = started or [m for m in channel_posts(bot) if "Governance-overleg bezig" in m["text"]]
    return [
        m
        for m in bot.fake.messages_in(CHANNEL)
        if m.get("thread_ts") == started[-1]["ts"] and m["ts"] != started[-1]["ts"]
    ]


def controls(message: dict) -> dict[str, str]:
    """The buttons of a message: action_id -> value."""
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


def raise_items(bot: Bot, *texts: str) -> None:
    for text in texts:
        bot.command(text)


def start(bot: Bot, user: str = ALICE) -> None:
    response = meeting(bot, "start", user=user)
    assert response.status == 200


def record(bot: Bot, message: dict, user: str = ALICE, **given):
    press(bot, ids.ACT_MEETING_OUTCOME, message, user=user)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_MEETING_OUTCOME
    return submit(bot, modal, form_state(modal, **given), user=user)


# ---------------------------------------------------------------- settings and the overview


def test_meeting_shows_the_rhythm_only_to_the_person(bot: Bot) -> None:
    meeting(bot)
    assert "has no governance meeting rhythm" in last_reply(bot, ALICE)
    assert bot.fake.messages_in(CHANNEL) == []
    meeting(bot, "settings")
    modal = last_modal(bot)
    values = form_state(modal, every_weeks="2", weekday="3", time="10:00", duration="60")
    assert submit(bot, modal, values).body == ""
    meeting(bot)
    seen = last_reply(bot, ALICE)
    assert "meets every 2 weeks on Thursday at 10:00" in seen
    assert "for 60 minutes" in seen and "Next meeting:" in seen


@pytest.mark.parametrize("typed", ["0", "481", "-5", "ninety"])
def test_a_duration_over_eight_hours_or_not_positive_is_a_field_error(bot: Bot, typed) -> None:
    meeting(bot, "settings")
    modal = last_modal(bot)
    response = submit(bot, modal, form_state(modal, duration=typed))
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert "1 to 480" in body["errors"][ids.IN_MEETING_DURATION[0]]
    meeting(bot)
    assert "has no governance meeting rhythm" in last_reply(bot, ALICE)


def test_stop_ends_the_meetings_and_their_agendas(bot: Bot, clock: FakeClock) -> None:
    bot.command("meeting")  # the older name of /meeting settings
    modal = last_modal(bot)
    submit(bot, modal, form_state(modal, weekday="2"))  # Wednesday 2 December
    meeting(bot, "settings")
    modal = last_modal(bot)
    submit(bot, modal, form_state(modal, stop=["stop"]))
    assert "No more governance meetings or agendas" in last_reply(bot, ALICE)
    meeting(bot)
    assert "has no governance meeting rhythm" in last_reply(bot, ALICE)
    clock.now = START + timedelta(hours=12)  # within a day of the meeting that was planned
    sweep(bot)
    assert not [m for m in bot.fake.messages_in(CHANNEL) if "Governance meeting agenda" in shown(m)]


def test_only_the_designated_facilitator_starts_the_meeting(bot: Bot) -> None:
    meeting(bot, "settings")
    modal = last_modal(bot)
    submit(bot, modal, form_state(modal, facilitator=BRAM))
    start(bot, user=ALICE)
    assert "Only the facilitator, <@U0BRAM>" in last_reply(bot, ALICE)
    start(bot, user=BRAM)
    assert "facilitated by <@U0BRAM>" in channel_posts(bot)[-1]["text"]


def test_someone_outside_the_channel_cannot_start_it(bot: Bot) -> None:
    start(bot, user=DANA)
    assert "Only members of <#C0CIRCLE> can start" in last_reply(bot, DANA)
    assert channel_posts(bot) == []


# ---------------------------------------------------------------- running it


def test_a_meeting_runs_in_its_thread_from_check_in_to_minutes(bot: Bot, clock) -> None:
    raise_items(bot, "Releases slip", "Nobody owns the wiki", "<!channel> lunch budget")
    start(bot)
    [started] = [m for m in channel_posts(bot) if "in progress" in m["text"]]
    assert "facilitated by <@U0ALICE>" in started["text"]
    assert "Follow it in the thread" in last_reply(bot, ALICE)
    [check_in] = thread(bot)
    assert "Check-in" in shown(check_in)

    press(bot, ids.ACT_MEETING_HERE, check_in, user=BRAM)
    assert "Je bent ingecheckt" in last_reply(bot, BRAM)  # Bram's Slack is in Dutch
    bot.event(
        {
            "type": "message",
            "channel": CHANNEL,
            "user": CHEN,
            "text": "Here, a bit tired",
            "ts": "1764580000.000200",
            "thread_ts": started["ts"],
        }
    )

    press(bot, ids.ACT_MEETING_NEXT, check_in)
    first = thread(bot)[-1]
    assert "Item 1: #1 Releases slip" in shown(first)
    assert "Next step:* new: describe the driver" in shown(first)
    assert record(bot, first, next_step="propose", due="2026-12-15").body == ""
    item = backlog.get(bot.deps.sessions, team_id=TEAM, item_id=1)
    assert (item.next_step, item.due_date) == (NextStep.PROPOSE, date(2026, 12, 15))

    second = thread(bot)[-1]
    assert "Item 2: #2 Nobody owns the wiki" in shown(second)
    refused = json.loads(record(bot, second).body)  # neither a next step nor a reason
    assert refused["errors"] == {
        "mo_step": "Choose a next step, or give a reason to dismiss the item."
    }
    assert thread(bot)[-1] == second
    assert record(bot, second, reason="The wiki is gone").body == ""
    assert backlog.get(bot.deps.sessions, team_id=TEAM, item_id=2).status is ItemStatus.DISMISSED

    third = thread(bot)[-1]
    assert "&lt;!channel&gt; lunch budget" in shown(third)  # shown, pinging nobody
    assert "<!channel>" not in shown(third)
    press(bot, ids.ACT_MEETING_SKIP, third)
    assert "last item on the backlog" in shown(thread(bot)[-1])

    clock.advance(minutes=50)
    meeting(bot, "end")
    assert "The meeting has ended" in last_reply(bot, ALICE)
    minutes = channel_posts(bot)[-1]
    seen = shown(minutes)
    assert "Minutes of the governance meeting of December 1, 2026" in seen
    assert "*Facilitator:* <@U0ALICE>" in seen
    assert "*Checked in:* <@U0ALICE>, <@U0BRAM>, <@U0CHEN>" in seen
    assert "#1 Releases slip → next step: form a proposal (due December 15, 2026)" in seen
    assert "#2 Nobody owns the wiki → dismissed: The wiki is gone" in seen
    assert "#3 &lt;!channel&gt; lunch budget → skipped" in seen
    assert "<!channel>" not in seen
    parent = [m for m in channel_posts(bot) if m["ts"] == started["ts"]][0]
    assert "Governance meeting ended" in parent["text"]

    meeting(bot, "minutes", user=CHEN)
    assert "#1 Releases slip → next step" in last_reply(bot, CHEN)
    meeting(bot, "minutes 2026-12-01", user=CHEN)
    assert "Minutes of the governance meeting of December 1, 2026" in last_reply(bot, CHEN)
    meeting(bot, "minutes 2026-11-17", user=CHEN)
    assert "No meeting of this channel ended with minutes on 2026-11-17" in last_reply(bot, CHEN)
    meeting(bot, "minutes yesterday", user=CHEN)
    assert "YYYY-MM-DD" in last_reply(bot, CHEN)


def test_starting_while_a_meeting_runs_is_a_clear_note(bot: Bot) -> None:
    start(bot)
    start(bot, user=BRAM)
    assert "already running" in last_reply(bot, BRAM) or "loopt al" in last_reply(bot, BRAM)
    assert len([m for m in channel_posts(bot) if "in progress" in m["text"]]) == 1
    meeting(bot, user=CHEN)
    assert "A meeting is running now, facilitated by <@U0ALICE>" in last_reply(bot, CHEN)


def test_only_the_facilitator_drives_it(bot: Bot) -> None:
    raise_items(bot, "Releases slip")
    start(bot)
    [check_in] = thread(bot)
    press(bot, ids.ACT_MEETING_NEXT, check_in, user=CHEN)
    assert "Only the facilitator, <@U0ALICE>, can do that" in last_reply(bot, CHEN)
    assert thread(bot) == [check_in]  # nothing moved
    meeting(bot, "end", user=CHEN)
    assert "Only the facilitator" in last_reply(bot, CHEN)
    press(bot, ids.ACT_MEETING_NEXT, check_in)
    press(bot, ids.ACT_MEETING_OUTCOME, thread(bot)[-1], user=CHEN)
    assert "Only the facilitator" in last_reply(bot, CHEN)


def test_two_presses_of_next_item_move_it_once(bot: Bot) -> None:
    raise_items(bot, "one", "two", "three")
    start(bot)
    [check_in] = thread(bot)
    press(bot, ids.ACT_MEETING_NEXT, check_in)
    press(bot, ids.ACT_MEETING_NEXT, check_in)  # the same step, pressed again
    assert "moved on already" in last_reply(bot, ALICE)
    items = [m for m in thread(bot) if "Item " in m.get("text", "")]
    assert [m["text"] for m in items] == ["Item 1: #1 one"]


def test_an_outcome_for_an_item_changed_meanwhile_is_refused_with_its_state(bot: Bot) -> None:
    raise_items(bot, "Releases slip", "Wiki")
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    current = thread(bot)[-1]
    press(bot, ids.ACT_MEETING_OUTCOME, current)
    modal = last_modal(bot)
    backlog.dismiss(bot.deps.sessions, team_id=TEAM, item_id=1, actor=BRAM, reason="dup", now=START)
    response = submit(bot, modal, form_state(modal, next_step="decide"))
    errors = json.loads(response.body)["errors"]
    assert "#1 changed meanwhile: it was dismissed. Nothing was recorded" in errors["mo_step"]
    assert thread(bot)[-1] == current  # the meeting stays at this item
    opened = len(bot.fake.calls_to("views.open"))
    press(bot, ids.ACT_MEETING_OUTCOME, current)  # pressed again: refused before any form
    assert "#1 changed meanwhile: it was dismissed" in last_reply(bot, ALICE)
    assert len(bot.fake.calls_to("views.open")) == opened
    press(bot, ids.ACT_MEETING_NEXT, current)  # the facilitator moves on
    assert "Item 1: #2 Wiki" in shown(thread(bot)[-1])  # its place on the backlog now


def test_the_meeting_survives_a_restart(bot: Bot, db_url: str, fake, clock) -> None:
    raise_items(bot, "one", "two")
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    bot.deps.executor.wait_idle(5)
    bot.deps.engine.dispose()
    again = make_bot(db_url, fake, clock=clock, slack_pacing=False)
    try:
        press(again, ids.ACT_MEETING_NEXT, thread(again)[-1])
        assert "Item 2: #2 two" in shown(thread(again)[-1])
    finally:
        again.deps.executor.wait_idle(5)
        again.deps.engine.dispose()


def test_a_meeting_left_open_is_closed_by_the_sweep_once(bot: Bot, clock: FakeClock) -> None:
    raise_items(bot, "one")
    start(bot)
    press(bot, ids.ACT_MEETING_NEXT, thread(bot)[0])
    clock.advance(minutes=90, hours=11)
    sweep(bot)
    assert not [m for m in channel_posts(bot) if "Minutes" in m["text"]]
    clock.advance(hours=1)
    sweep(bot)
    sweep(bot)
    [minutes] = [m for m in channel_posts(bot) if "Minutes" in m["text"]]
    assert "left open; I closed it 12 hours after its planned end" in shown(minutes)
    assert "#1 one → discussed, no outcome recorded" in shown(minutes)  # it was at this item
    start(bot, user=BRAM)  # a new meeting can start
    assert "facilitated by <@U0BRAM>" in channel_posts(bot)[-1]["text"]


def test_dutch_workspace_posts_the_meeting_in_dutch(bot: Bot) -> None:
    from bot.services import workspace

    workspace.set_workspace_locale(bot.deps.sessions, team_id=TEAM, locale="nl", now=START)
    start(bot, user=BRAM)
    assert "Governance-overleg bezig" in channel_posts(bot)[-1]["text"]
    assert "Incheckronde" in shown(thread(bot)[0])
    meeting(bot, user=BRAM)
    assert "Er loopt nu een vergadering" in last_reply(bot, BRAM)


def test_messages_outside_a_meeting_thread_record_nothing(bot: Bot) -> None:
    from sqlalchemy import func, select

    from bot.store import models

    start(bot)

    def recorded() -> int:
        with bot.deps.sessions() as s:
            return s.scalar(select(func.count()).select_from(models.ProcessedEvent))

    before = recorded()
    for n, thread_ts in enumerate([None, "1700000000.000100"]):
        event = {"type": "message", "channel": CHANNEL, "user": CHEN, "text": "hi"}
        event |= {"ts": f"1764580000.00030{n}"} | ({"thread_ts": thread_ts} if thread_ts else {})
        assert bot.event(event).status == 200
    assert recorded() == before + 1  # the reply in some thread; not the channel message
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.MeetingAttendee)) == 1  # Alice
    meeting(bot, "end")
    assert "*Checked in:* <@U0ALICE>" in shown(channel_posts(bot)[-1])


def test_a_lost_answer_from_slack_posts_the_meeting_once(bot: Bot, clock: FakeClock) -> None:
    bot.fake.lose_answer_next("chat.postMessage")  # Slack posts it, the answer never arrives
    start(bot)
    clock.advance(minutes=2)  # past the outbox lease: the sweep tries the row again
    sweep(bot)
    sweep(bot)
    assert len([m for m in channel_posts(bot) if "in progress" in m["text"]]) == 1
    [check_in] = thread(bot)
    assert "Check-in" in check_in["text"]
    press(bot, ids.ACT_MEETING_HERE, check_in, user=CHEN)
    assert "You are checked in." in last_reply(bot, CHEN)


# ---------------------------------------------------------------- facilitator and secretary


def _role(bot: Bot, name: str, holder: str | None) -> None:
    """An active role of the circle, held by `holder` (None: vacant)."""
    from datetime import UTC, datetime

    from bot.store import models
    from bot.store.db import transaction

    now = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction(bot.deps.sessions) as s:
        if s.get(models.Workspace, TEAM) is None:
            s.add(models.Workspace(team_id=TEAM, created_at=now))
            s.flush()
        s.add(
            models.Role(
                team_id=TEAM, channel_id=CHANNEL, name=name, name_key=" ".join(name.split()).lower(),
                status="active", term_months=6, holder_id=holder,
                term_end=date(2027, 6, 1) if holder else None, created_by=BRAM, created_at=now,
            )
        )  # fmt: skip


def _people(message: dict) -> str:
    return "".join(
        b["text"]["text"]
        for b in message["blocks"]
        if b.get("block_id") == ids.BLOCK_MEETING_PEOPLE
    )


def test_the_role_holders_facilitate_and_record_the_meeting(bot: Bot) -> None:
    meeting(bot, "settings")
    modal = last_modal(bot)
    submit(bot, modal, form_state(modal, facilitator=ALICE, secretary=ALICE))
    _role(bot, "Gespreksleider", BRAM)  # the Dutch name, as the circle named it
    _role(bot, "SECRETARY", CHEN)  # matched whatever its case
    meeting(bot, "agenda")
    agenda = shown(channel_posts(bot)[-1])
    assert "*Facilitator:* <@U0BRAM>, who holds the role “Gespreksleider”" in agenda
    assert "*Secretary:* <@U0CHEN>, who holds the role “SECRETARY”" in agenda
    meeting(bot)
    assert "*Facilitator:* <@U0BRAM>, who holds the role “Gespreksleider”" in last_reply(bot, ALICE)

    start(bot, user=ALICE)  # the settings' facilitator: the role holder comes first
    assert "Only the facilitator, <@U0BRAM>" in last_reply(bot, ALICE)
    assert channel_posts(bot) == [] or "in progress" not in channel_posts(bot)[-1]["text"]
    start(bot, user=BRAM)
    [started] = [m for m in channel_posts(bot) if "in progress" in m["text"]]
    assert "facilitated by <@U0BRAM>" in started["text"]
    assert _people(started) == (
        "*Facilitator:* <@U0BRAM>, who holds the role “Gespreksleider”\n"
        "*Secretary:* <@U0CHEN>, who holds the role “SECRETARY”"
    )
    meeting(bot, "end", user=BRAM)
    minutes = channel_posts(bot)[-1]
    assert "*Secretary:* <@U0CHEN>" in shown(minutes)
    assert "The secretary, <@U0CHEN>, corrects the minutes" in shown(minutes)
    bot.driver.block_action(
        ids.ACT_MINUTES_CORRECT, controls(minutes)[ids.ACT_MINUTES_CORRECT], user_id=CHEN,
        channel_id=CHANNEL, message_ts=minutes["ts"],
    )  # fmt: skip
    bot.settle()
    assert last_modal(bot)["callback_id"] == ids.CB_MINUTES_CORRECT


def test_without_the_roles_the_settings_choose_else_the_starter(bot: Bot) -> None:
    _role(bot, "Facilitator", None)  # vacant: it designates nobody
    meeting(bot, "settings")
    modal = last_modal(bot)
    submit(bot, modal, form_state(modal, secretary=BRAM))
    meeting(bot, "agenda")
    agenda = shown(channel_posts(bot)[-1])
    assert "*Facilitator:* whoever in the channel starts the meeting" in agenda
    assert "*Secretary:* <@U0BRAM>, chosen in `/meeting settings`" in agenda
    start(bot, user=CHEN)
    [started] = [m for m in channel_posts(bot) if "in progress" in m["text"]]
    assert _people(started) == (
        "*Facilitator:* <@U0CHEN>, who started the meeting\n"
        "*Secretary:* <@U0BRAM>, chosen in `/meeting settings`"
    )


def test_without_a_secretary_the_facilitator_records_it_in_dutch(bot: Bot) -> None:
    from bot.services import workspace

    workspace.set_workspace_locale(bot.deps.sessions, team_id=TEAM, locale="nl", now=START)
    start(bot)
    [started] = [m for m in channel_posts(bot) if "Governance-overleg bezig" in m["text"]]
    assert _people(started) == (
        "*Facilitator:* <@U0ALICE>, die het overleg begon\n"
        "*Secretaris:* <@U0ALICE>, de facilitator (geen rol Secretaris, niemand gekozen)"
    )


# ---------------------------------------------------------------- on the Home tab


def _home(bot: Bot, user: str) -> list[dict]:
    bot.event({"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home"})
    bot.settle()
    return bot.fake.home_views[user]["blocks"]


def _running_line(blocks: list[dict]) -> str:
    return "".join(
        b["text"]["text"] for b in blocks if b.get("block_id") == ids.BLOCK_HOME_MEETINGS
    )


def test_the_home_tab_points_the_channels_members_to_the_running_meeting(bot: Bot) -> None:
    raise_items(bot, "Releases slip")
    assert _running_line(_home(bot, CHEN)) == ""  # no meeting yet
    start(bot)
    [started] = [m for m in channel_posts(bot) if "in progress" in m["text"]]
    blocks = _home(bot, CHEN)
    line = _running_line(blocks)
    assert line.startswith(
        f":large_green_circle: A governance meeting is running in <#{CHANNEL}>, facilitated by "
        "<@U0ALICE>. <https://"
    )
    link = line.split("<https://")[1].split("|")[0]
    assert f"/archives/{CHANNEL}/p{started['ts'].replace('.', '')}" in link
    assert line.endswith("|Join it in its thread>")
    # first of what needs the person now: before their tensions
    order = [b.get("block_id") or json.dumps(b.get("text")) for b in blocks]
    tensions = next(i for i, b in enumerate(order) if "Your open tensions" in b)
    assert order.index(ids.BLOCK_HOME_MEETINGS) < tensions
    assert _running_line(_home(bot, DANA)) == ""  # not in the channel: not for her
    assert "Er loopt een governance-overleg in" in _running_line(_home(bot, BRAM))  # in Dutch

    meeting(bot, "end")
    assert _running_line(_home(bot, CHEN)) == ""  # ended: gone from the Home tab
