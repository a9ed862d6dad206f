"""The backlog item and the agreement review as domain objects: each action's rule, in one place."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain import backlog, review
from bot.domain.backlog import BacklogItem, ItemStatus
from bot.domain.review import AgreementStatus, Review

OPEN = [ItemStatus.NEW, ItemStatus.BACKLOG, ItemStatus.IN_PROGRESS]
CLOSED = [ItemStatus.DONE, ItemStatus.DISMISSED, ItemStatus.PASSED_ON]
TODAY = date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize("status", OPEN)
def test_open_items_can_be_described_accepted_dismissed_and_passed_on(status: ItemStatus) -> None:
    item = BacklogItem(status, 1, "C1")
    item.describe()
    assert item.accept() == (ItemStatus.BACKLOG if status == ItemStatus.NEW else status)
    assert item.dismiss("  done elsewhere ") == "done elsewhere"
    item.pass_on("C2")


@pytest.mark.parametrize("status", CLOSED)
def test_closed_items_refuse_every_action_as_changed(status: ItemStatus) -> None:
    item = BacklogItem(status, None, "C1")
    for action in (
        item.describe,
        item.accept,
        lambda: item.move(None, "up", 3),
        lambda: item.dismiss("why"),
        lambda: item.pass_on("C2"),
    ):
        with pytest.raises(backlog.ItemChanged):
            action()


def test_a_move_needs_the_place_the_person_saw_and_stays_in_bounds() -> None:
    item = BacklogItem(ItemStatus.BACKLOG, 2, "C1")
    assert item.move(2, "up", 5) == 1
    assert item.move(None, "down", 5) == 3
    assert item.move(2, "top", 5) == 1
    assert item.move(2, "bottom", 5) == 5
    assert item.move(2, 99, 5) == 5
    with pytest.raises(backlog.ItemChanged):
        item.move(3, "up", 5)
    with pytest.raises(backlog.ItemChanged):
        BacklogItem(ItemStatus.BACKLOG, None, "C1").move(None, "up", 5)


def test_dismissing_needs_a_reason_and_passing_on_another_channel() -> None:
    item = BacklogItem(ItemStatus.BACKLOG, 1, "C1")
    for blank in (None, "", "   \n"):
        with pytest.raises(backlog.ReasonRequired):
            item.dismiss(blank)
    assert len(item.dismiss("x" * 5000)) == backlog.MAX_TENSION_LENGTH
    with pytest.raises(backlog.SameChannel):
        item.pass_on("C1")


def test_a_reminder_is_current_only_while_in_force_and_due_on_the_day_it_showed() -> None:
    due = date(2026, 12, 10)
    Review(AgreementStatus.ACTIVE, due).require_current(due)
    with pytest.raises(review.AlreadyReviewed) as moved:
        Review(AgreementStatus.ACTIVE, date(2027, 6, 1)).require_current(due, "U2", "kept")
    assert (moved.value.by, moved.value.action) == ("U2", "kept")
    with pytest.raises(review.AlreadyReviewed):
        Review(AgreementStatus.DROPPED, due).require_current(due)


def test_keep_and_snooze_need_a_later_day_and_snooze_lands_on_a_weekday() -> None:
    assert Review.keep(date(2027, 3, 1), TODAY) == date(2027, 3, 1)
    for day in (TODAY, date(2026, 1, 1)):
        with pytest.raises(review.DateNotInFuture):
            Review.keep(day, TODAY)
        with pytest.raises(review.DateNotInFuture):
            Review.snooze(day, TODAY)
    assert Review.snooze(date(2026, 12, 5), TODAY) == date(2026, 12, 7)  # Saturday -> Monday
    assert Review.snooze(date(2026, 12, 4), TODAY) == date(2026, 12, 4)


def test_dropping_needs_its_reason() -> None:
    for blank in (None, "", "  "):
        with pytest.raises(review.DropNeedsReason):
            Review.drop(blank)
    assert Review.drop(" superseded ") == "superseded"
