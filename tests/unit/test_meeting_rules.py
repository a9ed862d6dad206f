"""The governance meeting's rules, pure: durations, who drives it, one move per step."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.blocks.meeting import meeting_request
from bot.domain import meeting as rules
from bot.domain.backlog import ItemStatus, ItemView, NextStep

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["0", "-1", "481", "1.5", "ninety"])
def test_a_duration_is_a_positive_whole_number_of_minutes_up_to_eight_hours(raw) -> None:
    with pytest.raises(rules.InvalidDuration):
        rules.parse_duration(raw)


def test_a_blank_duration_is_the_default_and_eight_hours_is_allowed() -> None:
    assert rules.parse_duration("") == rules.DEFAULT_DURATION_MINUTES == 90
    assert rules.parse_duration(" 480 ") == 480


def test_only_the_facilitator_drives_it_from_the_step_they_saw() -> None:
    running = rules.Meeting("U1", NOW, step=2, is_open=True, current_item_id=7)
    assert running.drive("U1", 2) == 3
    with pytest.raises(rules.NotTheFacilitator):
        running.drive("U2", 2)
    with pytest.raises(rules.MeetingMoved):
        running.drive("U1", 1)
    with pytest.raises(rules.MeetingMoved):
        running.record("U1", 2, item_id=8)
    with pytest.raises(rules.NoMeetingRunning):
        rules.Meeting("U1", NOW, step=2, is_open=False).end("U1")


def test_who_may_start_it() -> None:
    rules.require_may_start(None, "U2", True, "C1")
    rules.require_may_start("U2", "U2", False, "C1")
    with pytest.raises(rules.NotTheFacilitator):
        rules.require_may_start("U1", "U2", True, "C1")
    with pytest.raises(rules.NotAMemberOfCircle):
        rules.require_may_start(None, "U2", False, "C1")
    with pytest.raises(rules.MeetingRunning):
        rules.require_not_running(rules.Meeting("U1", NOW, 0, True))


def test_an_item_changed_since_the_meeting_showed_it_is_refused() -> None:
    item = ItemView(
        1, "T", "C", 1, "U", "x", ItemStatus.BACKLOG, 1, NOW, next_step=NextStep.PROPOSE
    )
    rules.require_unchanged(item, "backlog", "propose", None)
    for seen in (("new", "propose", None), ("backlog", "decide", None)):
        with pytest.raises(rules.ItemChangedMeanwhile):
            rules.require_unchanged(item, *seen)
    with pytest.raises(rules.ItemChangedMeanwhile):
        rules.require_unchanged(item, "backlog", "propose", date(2027, 1, 1))


def test_left_open_is_twelve_hours_past_the_planned_end() -> None:
    assert not rules.is_left_open(NOW, NOW + timedelta(hours=11, minutes=59))
    assert rules.is_left_open(NOW, NOW + timedelta(hours=12))


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("", "show"),
        ("start", "start"),
        ("END", "end"),
        ("minutes", "minutes"),
        ("minutes 2026-12-01", "minutes"),
        ("notulen", "minutes"),
        ("settings", "settings"),
        ("agenda", "agenda"),
        ("start now please", "show"),
    ],
)
def test_what_meeting_texts_ask_for(text: str, asked: str) -> None:
    assert meeting_request(text) == asked


# ---------------------------------------------------------------- plan, time, evaluation (0018)


def test_a_time_estimate_is_a_positive_whole_number_of_minutes() -> None:
    from bot.domain.backlog import InvalidEstimate, clean_plan, parse_estimate

    assert parse_estimate(" 15 ") == 15 and parse_estimate("") is None
    for typed in ("0", "-5", "1.5", "ten", "481"):
        with pytest.raises(InvalidEstimate):
            parse_estimate(typed)
    assert clean_plan("  ", "").intended_outcome is None


def test_more_time_is_the_facilitators_for_the_current_item_only() -> None:
    from bot.domain.meeting import InvalidMoreTime, time_up_at

    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    held = rules.Meeting("U1", at, step=3, is_open=True, current_item_id=7, extra_minutes=115)
    assert held.more_time("U1", 3, 7, 10) == 120  # two hours at most
    with pytest.raises(rules.NotTheFacilitator):
        held.more_time("U2", 3, 7, 5)
    with pytest.raises(rules.MeetingMoved):
        held.more_time("U1", 3, 8, 5)
    with pytest.raises(InvalidMoreTime):
        held.more_time("U1", 3, 7, 7)
    assert time_up_at(at, 15, 5) == datetime(2026, 12, 1, 9, 20, tzinfo=UTC)
    assert time_up_at(at, None, 5) is None


def test_an_evaluation_needs_a_rating_and_the_summary_counts_and_averages() -> None:
    from bot.domain.meeting import RatingMissing, clean_evaluation, summarise

    for rating in (None, "", "0", "6", "four"):
        with pytest.raises(RatingMissing):
            clean_evaluation(rating, "x", None, None)
    given = [clean_evaluation("4", " pace ", "", None), clean_evaluation("3", None, "noise", "x")]
    summary = summarise(given)
    assert summary is not None
    assert (summary.count, summary.average) == (2, 3.5)
    assert (summary.more_of, summary.less_of, summary.keep) == (["pace"], ["noise"], ["x"])
    assert summarise([]) is None


# ---------------------------------------------------------------- who facilitates, who records


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("Facilitator", "facilitator"),
        ("  gespreksLEIDER ", "facilitator"),
        ("Secretary", "secretary"),
        ("SECRETARIS", "secretary"),
        ("Meeting facilitator", None),  # only a role of that very name
    ],
)
def test_role_holders_are_appointed_by_the_roles_name_in_either_language(name, part) -> None:
    chairs, records = rules.appoint([(name, "U0ROLE")], "U0SET", None)
    if part == "facilitator":
        assert chairs == rules.Appointed("U0ROLE", rules.Why.ROLE, name)
        assert records == rules.Appointed(None, rules.Why.FACILITATOR)
    elif part == "secretary":
        assert chairs == rules.Appointed("U0SET", rules.Why.SETTINGS)
        assert records == rules.Appointed("U0ROLE", rules.Why.ROLE, name)
    else:
        assert chairs == rules.Appointed("U0SET", rules.Why.SETTINGS)


def test_a_vacant_role_leaves_the_settings_then_the_starter() -> None:
    chairs, records = rules.appoint([("Facilitator", None), ("Secretary", None)], None, "U0SEC")
    assert chairs == rules.Appointed(None, rules.Why.STARTED)
    assert records == rules.Appointed("U0SEC", rules.Why.SETTINGS)
    assert rules.as_run(chairs, "U0ANY", rules.Why.STARTED) == rules.Appointed(
        "U0ANY", rules.Why.STARTED
    )
    assert rules.as_run(records, "U0SEC", rules.Why.FACILITATOR) == records
    assert rules.as_run(records, "U0ANY", rules.Why.FACILITATOR).why is rules.Why.FACILITATOR
