"""Pure rules of review reminders: schedule, weekends, 09:00 local time across DST, folding."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.review import (
    OffsetOutOfRange,
    Pending,
    Stage,
    check_offsets,
    fold,
    is_due,
    next_overdue,
    schedule,
    send_time,
)


def test_schedule_a_week_before_and_on_the_day() -> None:
    assert schedule(date(2026, 12, 15), 7) == [
        (Stage.BEFORE, date(2026, 12, 8)),
        (Stage.DUE, date(2026, 12, 15)),
    ]


def test_weekends_move_to_monday_and_no_before_when_zero() -> None:
    assert schedule(date(2026, 12, 20), 0) == [(Stage.DUE, date(2026, 12, 21))]
    assert next_overdue(date(2026, 12, 18), 7) == date(2026, 12, 25)
    assert next_overdue(date(2026, 12, 19), 7) == date(2026, 12, 28)


def test_nine_oclock_follows_daylight_saving_time() -> None:
    winter = send_time(date(2027, 3, 1), "America/New_York")
    summer = send_time(date(2027, 3, 15), "America/New_York")
    assert winter.astimezone(UTC).hour == 14  # EST, UTC-5
    assert summer.astimezone(UTC).hour == 13  # EDT, UTC-4
    assert send_time(date(2027, 3, 29), "Europe/Amsterdam").astimezone(UTC).hour == 7  # CEST
    assert send_time(date(2027, 3, 1), "Not/AZone").astimezone(UTC).hour == 9  # unknown: UTC


def test_due_only_from_nine_in_the_recipients_zone() -> None:
    day = date(2026, 12, 8)
    assert not is_due(day, "Asia/Tokyo", datetime(2026, 12, 7, 23, 59, tzinfo=UTC))
    assert is_due(day, "Asia/Tokyo", datetime(2026, 12, 8, 0, 0, tzinfo=UTC))
    assert not is_due(day, "America/Los_Angeles", datetime(2026, 12, 8, 16, 59, tzinfo=UTC))


def test_fold_sends_the_latest_due_and_folds_the_rest() -> None:
    pending = [
        Pending(1, Stage.BEFORE, date(2026, 12, 8)),
        Pending(2, Stage.DUE, date(2026, 12, 15)),
        Pending(3, Stage.OVERDUE, date(2026, 12, 29)),
    ]
    send, folded = fold(pending, "UTC", datetime(2026, 12, 18, 12, 0, tzinfo=UTC))
    assert send == pending[1] and folded == [pending[0]]
    assert fold(pending, "UTC", datetime(2026, 12, 1, tzinfo=UTC)) == (None, [])


@pytest.mark.parametrize(("before", "every"), [(-1, 7), (61, 7), (7, 0), (7, 61)])
def test_offsets_are_bounded(before: int, every: int) -> None:
    with pytest.raises(OffsetOutOfRange):
        check_offsets(before, every)


# ---------------------------------------------------------------- refusals: one table


def test_each_review_refusal_has_its_sentence_and_its_field() -> None:
    from bot.blocks import errors, ids
    from bot.domain import review as rules
    from bot.i18n import Messages

    m = Messages("en")
    review_form = [ids.IN_DROP_REASON[0]]
    assert errors.field_for(rules.DropNeedsReason(), review_form) == ids.IN_DROP_REASON[0]
    assert errors.explain(m, rules.DropNeedsReason()) == "Say why the agreement is dropped."
    add_form = [ids.IN_TITLE[0], ids.IN_PROPOSAL[0], ids.IN_REVIEW_DATE[0]]
    assert errors.field_for(rules.ReviewDateNotInFuture(), add_form) == ids.IN_REVIEW_DATE[0]
    assert errors.explain(m, rules.ReviewDateNotInFuture()) == "Pick a review date after today."
    assert errors.field_for(rules.NotAMember("C1"), add_form) == ids.IN_PROPOSAL[0]
    kept = rules.AlreadyReviewed("U1", rules.ReviewOutcome.KEPT)
    assert "<@U1> chose “Keep”" in errors.explain(m, kept)
    assert isinstance(rules.AgreementEmpty(), rules.ProposalEmpty)
