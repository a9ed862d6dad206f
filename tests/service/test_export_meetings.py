"""The logbook export of governance meetings, on SQLite and PostgreSQL: each meeting's minutes
in the Markdown, and each circle's meeting series in the iCalendar feed as a weekly recurring
event that keeps its local time across daylight saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot import export
from bot.domain import meeting as rules
from bot.domain.backlog import NextStep
from bot.services import backlog, meeting, rhythm
from bot.store.db import make_engine, make_session_factory

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday
T1, T2 = "T0EXPORT", "T0OTHER"
C1, C2 = "C0CIRCLE", "C0OPS"
ALICE, BRAM, CHEN = "U0ALICE", "U0BRAM", "U0CHEN"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def _meeting(sessions, team: str = T1, channel: str = C1) -> None:
    """A meeting with one item given a next step, one dismissed, two evaluations; ended."""
    for text in ("Releases *slip*", "Wiki | gone"):
        backlog.raise_tension(
            sessions, team_id=team, channel_id=channel, author_id=BRAM, text=text, now=NOW
        )
    started = meeting.start(
        sessions, team_id=team, channel_id=channel, user_id=ALICE, is_member=True, tz="UTC",
        now=NOW,
    )  # fmt: skip
    meeting.check_in(sessions, team_id=team, meeting_id=started.id, user_id=BRAM, now=NOW)
    view = meeting.move_on(
        sessions, team_id=team, meeting_id=started.id, user_id=ALICE, seen_step=0, skip=False,
        now=NOW,
    )  # fmt: skip
    assert view.current is not None
    view = meeting.record_outcome(
        sessions, team_id=team, meeting_id=started.id, user_id=ALICE, seen_step=view.step,
        seen=meeting.ItemSeen(view.current.id, view.current.status.value, None, None),
        next_step=NextStep.PROPOSE, due=date(2026, 12, 15), reason=None, now=NOW,
    )  # fmt: skip
    assert view.current is not None
    view = meeting.record_outcome(
        sessions, team_id=team, meeting_id=started.id, user_id=ALICE, seen_step=view.step,
        seen=meeting.ItemSeen(view.current.id, view.current.status.value, None, None),
        next_step=None, due=None, reason="Gone; <!channel>", now=NOW,
    )  # fmt: skip
    for user, rating, more in ((BRAM, "4", "*short* rounds"), (CHEN, "3", None)):
        meeting.evaluate(
            sessions, team_id=team, meeting_id=started.id, user_id=user, is_member=True,
            evaluation=rules.clean_evaluation(rating, more, None, "the check-in"), now=NOW,
        )  # fmt: skip
    meeting.end(
        sessions, team_id=team, channel_id=channel, user_id=ALICE, now=NOW + timedelta(hours=1)
    )


def _cadence(sessions, team: str = T1, channel: str = C1, tz: str = "Europe/Amsterdam") -> None:
    rhythm.set_cadence(
        sessions, team_id=team, channel_id=channel, every_weeks=2, weekday=3, time="10:00",
        tz=tz, now=NOW, duration_minutes=100, facilitator_id=ALICE,
    )  # fmt: skip


def _md(sessions, channel: str | None = None) -> str:
    return export.export(sessions, team_id=T1, channel_id=channel, fmt="md", now=NOW)


def _ics(sessions, channel: str | None = None) -> icalendar.Calendar:
    text = export.export(sessions, team_id=T1, channel_id=channel, fmt="ics", now=NOW)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    return icalendar.Calendar.from_ical(text)


def test_the_markdown_has_each_meetings_minutes_with_its_evaluation(sessions) -> None:
    _meeting(sessions)
    _meeting(sessions, team=T2)
    _cadence(sessions)
    md = _md(sessions)
    section = md[md.index("### Governance meetings") :]
    assert "Every 2 week(s) on Thursday at 10:00 (Europe/Amsterdam), 100 minutes" in section
    assert "#### Meeting of 2026-12-01" in section
    assert "- **Facilitator:** @U0ALICE" in section
    assert "- **Checked in:** @U0ALICE, @U0BRAM" in section
    assert "ended:** 2026-12-01 10:00 UTC by @U0ALICE" in section
    assert "  - #1 Releases \\*slip\\* → next step: form a proposal (due 2026-12-15)" in section
    assert "  - #2 Wiki \\| gone → dismissed: Gone; \\<!channel\\>" in section
    assert "- **Evaluation:** 2 people, average rating 3.5 of 5" in section
    assert "  - More of: \\*short\\* rounds" in section
    assert section.count("  - Keep: the check-in") == 2
    assert md.count("#### Meeting of") == 1  # the other workspace's meeting is not in it


def test_a_channel_without_meetings_says_so(sessions) -> None:
    backlog.raise_tension(sessions, team_id=T1, channel_id=C2, author_id=BRAM, text="x", now=NOW)
    _meeting(sessions)
    md = _md(sessions, channel=C2)
    assert "### Governance meetings\n\nNo minutes yet." in md
    assert "Releases" not in md


def test_the_ics_feed_has_the_meeting_series_as_a_weekly_recurring_event(sessions) -> None:
    _cadence(sessions)
    _cadence(sessions, channel=C2)  # the same zone: its VTIMEZONE once
    _cadence(sessions, team=T2)
    calendar = _ics(sessions)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"meetings-{T1}-{C1}@s3bot", f"meetings-{T1}-{C2}@s3bot"}
    event = events[f"meetings-{T1}-{C1}@s3bot"]
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 10, 0, tzinfo=AMSTERDAM)
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert event.decoded("DURATION") == timedelta(minutes=100)
    rule = event["RRULE"]
    assert (rule["FREQ"], rule["INTERVAL"], rule["BYDAY"]) == (["WEEKLY"], [2], ["TH"])
    assert str(event["SUMMARY"]) == f"Governance meeting of #{C1}"
    assert "Facilitator: @U0ALICE" in str(event["DESCRIPTION"])

    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Amsterdam"
    tz = zone.to_tz()
    summer = datetime(2027, 7, 8, 10, 0)  # a meeting in summer keeps 10:00 local time
    winter = datetime(2027, 1, 14, 10, 0)
    assert tz.utcoffset(summer) == timedelta(hours=2)
    assert tz.utcoffset(winter) == timedelta(hours=1)


def test_a_series_in_utc_and_a_circle_without_rhythm(sessions) -> None:
    backlog.raise_tension(sessions, team_id=T1, channel_id=C2, author_id=BRAM, text="x", now=NOW)
    _cadence(sessions, tz="UTC")
    calendar = _ics(sessions)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert calendar.walk("VTIMEZONE") == []
    assert _ics(sessions, channel=C2).walk("VEVENT") == []


def test_a_zone_without_daylight_saving_has_one_fixed_observance() -> None:
    lines = export.vtimezone("Asia/Tokyo", ZoneInfo("Asia/Tokyo"), 2026)
    assert "TZOFFSETTO:+0900" in lines and "BEGIN:DAYLIGHT" not in lines
    lines = export.vtimezone("America/New_York", ZoneInfo("America/New_York"), 2026)
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU" in lines
    assert "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU" in lines
    assert "DTSTART:20260308T020000" in lines and "TZOFFSETFROM:-0500" in lines
