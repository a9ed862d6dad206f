"""The governance meeting rhythm: when a circle meets, and when its agenda goes out. Pure rules.

A cadence is "every N weeks on a weekday at a local time" in one timezone. Meetings are
computed on the local calendar and converted to UTC one by one, so a meeting at 10:00
Europe/Amsterdam stays at 10:00 local across the daylight saving time switches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import DomainError

MIN_EVERY_WEEKS = 1
MAX_EVERY_WEEKS = 4
AGENDA_LEAD = timedelta(days=1)  # the agenda goes out a day before the meeting
AGENDA_ITEMS = 10  # the top of the backlog the agenda shows
DEFAULT_EVERY_WEEKS = 2
DEFAULT_WEEKDAY = 1  # Tuesday
DEFAULT_TIME = "10:00"

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


class InvalidEvery(DomainError):
    """The interval is not 1 to 4 weeks."""


class InvalidWeekday(DomainError):
    """The weekday is not 0 (Monday) to 6 (Sunday)."""


class InvalidTime(DomainError):
    """The time of day is not a valid HH:MM."""


class InvalidTimezone(DomainError):
    """The timezone is not a known IANA zone."""


class NotAMember(DomainError):
    """Only the channel's members set its meeting rhythm."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


class MembersUnknown(NotAMember):
    """The bot cannot see the channel's members, so it cannot tell who may set the rhythm."""


def require_member(members: frozenset[str] | set[str], user_id: str, channel: str) -> None:
    """Only the channel's members set its rhythm; no one when its members cannot be seen."""
    if not members:
        raise MembersUnknown(channel)
    if user_id not in members:
        raise NotAMember(channel)


@dataclass(frozen=True)
class Cadence:
    """A circle's governance meeting rhythm."""

    every_weeks: int
    weekday: int  # 0 = Monday
    time: str  # "HH:MM", local to `tz`
    tz: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def clock_time(self) -> time:
        return parse_time(self.time)


def parse_time(raw: str) -> time:
    """A "HH:MM" time of day; InvalidTime otherwise."""
    match = _TIME_RE.match((raw or "").strip())
    if not match:
        raise InvalidTime(raw)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise InvalidTime(raw)
    return time(hour, minute)


def zone(tz: str) -> ZoneInfo:
    """The IANA zone; InvalidTimezone when unknown."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise InvalidTimezone(tz) from exc


def check_every(every_weeks: int | None) -> int:
    """Every 1 to 4 weeks; InvalidEvery otherwise."""
    if not isinstance(every_weeks, int) or not MIN_EVERY_WEEKS <= every_weeks <= MAX_EVERY_WEEKS:
        raise InvalidEvery(str(every_weeks))
    return every_weeks


def check_weekday(weekday: int | None) -> int:
    """0 (Monday) to 6 (Sunday); InvalidWeekday otherwise."""
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise InvalidWeekday(str(weekday))
    return weekday


def cadence_problems(
    every_weeks: int | None, weekday: int | None, hhmm: str, tz: str
) -> list[DomainError]:
    """Every field of a cadence form that is refused, each as its own error, in form order."""
    problems: list[DomainError] = []
    for check, value in (
        (check_every, every_weeks),
        (check_weekday, weekday),
        (parse_time, hhmm),
        (zone, tz),
    ):
        try:
            check(value)  # type: ignore[operator]
        except DomainError as exc:
            problems.append(exc)
    return problems


def check_cadence(every_weeks: int, weekday: int, hhmm: str, tz: str) -> Cadence:
    """Validate a cadence and normalise its time to "HH:MM"."""
    check_every(every_weeks)
    check_weekday(weekday)
    at = parse_time(hhmm)
    zone(tz)
    return Cadence(every_weeks=every_weeks, weekday=weekday, time=f"{at:%H:%M}", tz=tz)


def _at(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`day` at local time `at`, in UTC. A time skipped by a DST switch lands just after it."""
    local = datetime.combine(day, at, tzinfo=tz)
    return local.astimezone(UTC)


def next_meeting(
    after: datetime,
    every_weeks: int,
    weekday: int,
    hhmm: str,
    tz: str,
    anchor: datetime | None = None,
) -> datetime:
    """The first meeting strictly after `after`, as aware UTC.

    Without an anchor it is the next matching weekday and time. With one (the previous
    meeting), meetings fall every `every_weeks` weeks from the anchor's local date.
    """
    if after.tzinfo is None or (anchor is not None and anchor.tzinfo is None):
        raise ValueError("naive datetime")
    cadence = check_cadence(every_weeks, weekday, hhmm, tz)
    tzinfo, at = cadence.zone, cadence.clock_time
    if anchor is None:
        local = after.astimezone(tzinfo).date()
        day = local + timedelta(days=(weekday - local.weekday()) % 7)
        moment = _at(day, at, tzinfo)
        return moment if moment > after else _at(day + timedelta(weeks=1), at, tzinfo)
    base = anchor.astimezone(tzinfo).date()
    base += timedelta(days=(weekday - base.weekday()) % 7)  # a changed weekday: next such day
    step = timedelta(weeks=every_weeks)
    gap = (after.astimezone(tzinfo).date() - base).days
    periods = max(0, gap // step.days - 1)
    day = base + periods * step
    while (moment := _at(day, at, tzinfo)) <= after:
        day += step
    return moment


def agenda_due(meeting_at: datetime, now: datetime) -> bool:
    """Whether the agenda of a meeting should be out: from a day before until it starts."""
    return meeting_at - AGENDA_LEAD <= now < meeting_at


def review_cutoff(meeting_at: datetime | None, tz: str | None, now: datetime) -> date:
    """The last review date the agenda lists: the meeting's local date (else today)."""
    try:
        tzinfo = zone(tz or "UTC")
    except InvalidTimezone:
        tzinfo = ZoneInfo("UTC")
    return (meeting_at or now).astimezone(tzinfo).date()


class FirstMeetingNotOnWeekday(DomainError):
    """The first meeting of a 2- to 4-weekly series falls on the rhythm's weekday."""

    def __init__(self, weekday: int) -> None:
        super().__init__(str(weekday))
        self.weekday = weekday


class FirstMeetingPast(DomainError):
    """The first meeting of a series lies in the future."""


def sets_first_meeting(every_weeks: int | None, first_on: date | None) -> bool:
    """Whether the form's "first meeting on" counts: given, for a rhythm of 2 to 4 weeks (a
    weekly rhythm has no week to choose)."""
    return first_on is not None and isinstance(every_weeks, int) and every_weeks >= 2


def first_meeting(first_on: date, cadence: Cadence, now: datetime) -> datetime:
    """The series' first meeting on the chosen day, at the rhythm's time, as aware UTC;
    FirstMeetingNotOnWeekday / FirstMeetingPast when it cannot be."""
    if first_on.weekday() != cadence.weekday:
        raise FirstMeetingNotOnWeekday(cadence.weekday)
    moment = _at(first_on, cadence.clock_time, cadence.zone)
    if moment <= now:
        raise FirstMeetingPast(first_on.isoformat())
    return moment
