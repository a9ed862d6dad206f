"""`/meeting settings` with the week of the first meeting, for a rhythm of 2 to 4 weeks: the
next meeting, the agenda the day before and the calendar's series follow the chosen day.

Signed requests through the real Bolt app against the Slack fake, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from bot import export
from bot.blocks import ids
from bot.scheduler import run_all_once
from bot.services import rhythm
from tests.handlers.test_rhythm import (
    FIRST,
    THURSDAY,
    agendas,
    circle,
    last_modal,
    raise_items,
    shown,
    sweep_at,
)
from tests.support.harness import ALICE, BRAM, CHANNEL, TEAM, Bot, FakeClock
from tests.support.steps import form_state

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CHOSEN = FIRST + timedelta(weeks=1)  # Thursday 10 December, 10:00 in Amsterdam


def submit_cadence(bot: Bot, *, user: str = ALICE, every: str = "2", weekday: str = "3",
                   at: str | None = None, first_on: str | None = None):  # fmt: skip
    view = last_modal(bot)
    values = form_state(view, every_weeks=every, weekday=weekday, time=at, first_on=first_on)
    response = bot.driver.view_submission(
        view["callback_id"], values, user_id=user, private_metadata=view["private_metadata"]
    )
    bot.settle()
    return response


def first_block(view: dict) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == ids.IN_MEETING_FIRST[0])


def test_the_series_starts_on_the_chosen_week(bot: Bot, clock: FakeClock) -> None:
    raise_items(bot, "Release notes are late")
    bot.command("meeting")
    field = first_block(last_modal(bot))
    assert field["optional"] is True and field["element"]["type"] == "datepicker"
    assert "initial_date" not in field["element"]  # no rhythm yet: the next such day

    response = submit_cadence(bot, every="2", weekday=str(THURSDAY), at="10:00",
                              first_on="2026-12-10")  # fmt: skip

    assert response.body == ""
    assert circle(bot).next_meeting_at == CHOSEN
    note = shown(bot.fake.last_message(CHANNEL))
    assert f"<!date^{int(CHOSEN.timestamp())}^" in note

    # The form shows the day of the next meeting.
    bot.command("meeting")
    assert first_block(last_modal(bot))["element"]["initial_date"] == "2026-12-10"

    # No agenda the day before the Thursday that is not chosen; one the day before the chosen.
    sweep_at(bot, clock, FIRST - timedelta(hours=2))
    assert agendas(bot) == []
    sweep_at(bot, clock, CHOSEN - timedelta(hours=20))
    [agenda] = agendas(bot)
    assert f"<!date^{int(CHOSEN.timestamp())}^" in shown(agenda)

    # The calendar's series starts on the chosen day, every two weeks.
    text = export.export(bot.deps.sessions, team_id=TEAM, channel_id=None, fmt="ics",
                         now=clock.now)  # fmt: skip
    [event] = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 12, 10, 10, 0, tzinfo=AMSTERDAM)
    assert event["RRULE"]["INTERVAL"] == [2]

    # After it, the meetings follow every two weeks from the chosen day.
    sweep_at(bot, clock, CHOSEN + timedelta(hours=2))
    assert circle(bot).next_meeting_at == CHOSEN + timedelta(weeks=2)


def test_a_weekly_rhythm_takes_the_next_such_day(bot: Bot) -> None:
    bot.command("meeting")
    submit_cadence(bot, every="1", weekday=str(THURSDAY), at="10:00", first_on="2026-12-17")
    assert circle(bot).next_meeting_at == FIRST


def errors_for(bot: Bot, user: str = ALICE, **inputs: str) -> dict[str, str]:
    response = submit_cadence(bot, user=user, **inputs)
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    return body["errors"]


def test_a_first_meeting_not_on_the_weekday_or_past_is_refused_on_the_form(
    bot: Bot, clock: FakeClock
) -> None:
    bot.command("meeting")
    wednesday = errors_for(bot, every="3", weekday=str(THURSDAY), first_on="2026-12-09")
    assert wednesday == {
        ids.IN_MEETING_FIRST[0]: "The first meeting falls on the rhythm's day: pick a Thursday, "
        "or leave the date empty for the next one."
    }
    past = errors_for(bot, every="3", weekday="1", first_on="2026-11-24")
    assert past == {ids.IN_MEETING_FIRST[0]: "Pick a first meeting that is still to come."}
    clock.now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # today, 10:00 has passed
    today = errors_for(bot, every="3", weekday="1", first_on="2026-12-01")
    assert today == {ids.IN_MEETING_FIRST[0]: "Pick a first meeting that is still to come."}
    assert rhythm.get_cadence(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL) is None
    assert bot.fake.messages_in(CHANNEL) == []
    run_all_once(bot.deps)
    assert bot.fake.messages_in(CHANNEL) == []


def test_the_first_meeting_field_and_its_refusal_speak_dutch(bot: Bot) -> None:
    bot.command("vergadering", user=BRAM)
    modal = json.dumps(last_modal(bot), ensure_ascii=False)
    assert "Eerste overleg op" in modal
    wrong = errors_for(bot, user=BRAM, every="2", weekday=str(THURSDAY), first_on="2026-12-09")
    assert wrong[ids.IN_MEETING_FIRST[0]].startswith(
        "Het eerste overleg valt op de dag van het ritme: kies een donderdag"
    )
