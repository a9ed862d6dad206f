"""The rules of an item's outcome in the meeting, and of the first meeting of a series."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain import meeting as rules
from bot.domain import rhythm
from bot.domain.backlog import NextStep
from bot.domain.objections import Objection, ObjectionSettled, ObjectionStatus


def test_an_outcome_is_one_of_them() -> None:
    rules.require_outcome(NextStep.PROPOSE, None)
    rules.require_outcome(None, None, pass_to="C0OPS")
    rules.require_outcome(NextStep.DECIDE, None, resolved=True)
    with pytest.raises(rules.OutcomeMissing):
        rules.require_outcome(None, "  ")
    with pytest.raises(rules.OutcomeAmbiguous):
        rules.require_outcome(None, "Not ours", pass_to="C0OPS")
    with pytest.raises(rules.OutcomeAmbiguous):
        rules.require_outcome(None, None, pass_to="C0OPS", resolved=True)


def test_the_meeting_settles_only_a_contested_objection() -> None:
    contested = Objection("U0CHEN", "U0ALICE", ObjectionStatus.CONTESTED)
    assert contested.settle().status is ObjectionStatus.RESOLVED
    assert Objection("U0CHEN", "U0ALICE", ObjectionStatus.RESOLVED).settle().status is None
    with pytest.raises(ObjectionSettled):
        Objection("U0CHEN", "U0ALICE", ObjectionStatus.CONCERN).settle()


def test_the_first_meeting_of_a_series() -> None:
    cadence = rhythm.check_cadence(2, 3, "10:00", "Europe/Amsterdam")
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    first = rhythm.first_meeting(date(2026, 12, 10), cadence, now)
    assert first == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    with pytest.raises(rhythm.FirstMeetingNotOnWeekday):
        rhythm.first_meeting(date(2026, 12, 9), cadence, now)
    with pytest.raises(rhythm.FirstMeetingPast):
        rhythm.first_meeting(date(2026, 11, 26), cadence, now)
    assert not rhythm.sets_first_meeting(1, date(2026, 12, 10))
    assert rhythm.sets_first_meeting(4, date(2026, 12, 10))
    later = rhythm.next_meeting(first, 2, 3, "10:00", "Europe/Amsterdam", anchor=first)
    assert later == datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
