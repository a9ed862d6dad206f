"""Governance meeting use cases on SQLite and PostgreSQL: one move per step, one meeting per
channel, one close (and one set of minutes) however many sweeps run at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.domain import meeting as rules
from bot.services import backlog, meeting
from bot.store import models
from bot.store.db import make_engine, make_session_factory

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
T, C = "T1", "C1"


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def _start(sessions, user: str = "U1") -> meeting.MeetingView:
    return meeting.start(
        sessions, team_id=T, channel_id=C, user_id=user, is_member=True, tz="UTC", now=NOW
    )


def _outcome(fn) -> str:
    try:
        fn()
    except rules.DomainError as exc:
        return type(exc).__name__
    return "ok"


def test_two_presses_at_once_move_the_meeting_once(sessions) -> None:
    for text in ("one", "two", "three"):
        backlog.raise_tension(sessions, team_id=T, channel_id=C, author_id="U1", text=text, now=NOW)
    started = _start(sessions)

    def press() -> str:
        return _outcome(
            lambda: meeting.move_on(
                sessions,
                team_id=T,
                meeting_id=started.id,
                user_id="U1",
                seen_step=0,
                skip=False,
                now=NOW,
            )  # fmt: skip
        )

    with ThreadPoolExecutor(4) as pool:
        results = sorted(pool.map(lambda _: press(), range(4)))
    assert results == ["MeetingMoved", "MeetingMoved", "MeetingMoved", "ok"]
    now = meeting.load(sessions, team_id=T, meeting_id=started.id)
    assert now.step == 1 and now.current is not None and now.current.text == "one"
    with sessions() as s:
        steps = s.scalar(select(func.count()).where(models.Outbox.key.like("meeting:%:step:%")))
    assert steps == 1


def test_one_meeting_at_a_time_per_channel(sessions) -> None:
    with ThreadPoolExecutor(3) as pool:
        results = sorted(pool.map(lambda u: _outcome(lambda: _start(sessions, u)), ["A", "B", "C"]))
    assert results == ["MeetingRunning", "MeetingRunning", "ok"]
    other = meeting.start(
        sessions, team_id=T, channel_id="C2", user_id="A", is_member=True, tz="UTC", now=NOW
    )
    assert other.is_open


def test_the_sweep_closes_a_meeting_left_open_once(sessions) -> None:
    started = _start(sessions)
    late = started.planned_end_at + rules.LEFT_OPEN
    assert meeting.close_left_open(sessions, now=late - timedelta(seconds=1)) == 0
    with ThreadPoolExecutor(3) as pool:
        closed = sum(pool.map(lambda _: meeting.close_left_open(sessions, now=late), range(3)))
    assert closed == 1
    assert meeting.close_left_open(sessions, now=late + timedelta(hours=1)) == 0
    ended = meeting.minutes(sessions, team_id=T, channel_id=C)
    assert ended.id == started.id and not ended.is_open and ended.ended_by is None
    with sessions() as s:
        keys = s.scalars(select(models.Outbox.key).where(models.Outbox.key.like("%:minutes")))
        assert list(keys) == [meeting.minutes_key(started.id)]
    with pytest.raises(rules.NoMeetingRunning):
        meeting.end(sessions, team_id=T, channel_id=C, user_id="U1", now=late)


def test_minutes_by_date_and_none_yet(sessions) -> None:
    with pytest.raises(rules.NoMinutes):
        meeting.minutes(sessions, team_id=T, channel_id=C)
    _start(sessions)
    meeting.end(sessions, team_id=T, channel_id=C, user_id="U1", now=NOW + timedelta(hours=1))
    assert meeting.minutes(sessions, team_id=T, channel_id=C, day=NOW.date()).facilitator_id == "U1"
    with pytest.raises(rules.NoMinutes):
        meeting.minutes(sessions, team_id=T, channel_id=C, day=NOW.date() - timedelta(days=1))
