"""Reviewing agreements: when reminders are due, and how late ones fold together. Pure rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.consent import ProposalEmpty
from bot.domain.errors import DomainError

SEND_AT = time(9, 0)  # nudges arrive at 09:00, recipient's time, on a weekday
MAX_BEFORE_DAYS = 60
MAX_OVERDUE_DAYS = 60


class Stage(StrEnum):
    """Which reminder a nudge is; later stages supersede earlier ones."""

    BEFORE = "before"
    DUE = "due"
    OVERDUE = "overdue"
    SNOOZED = "snoozed"


class AgreementStatus(StrEnum):
    """Whether an agreement is in force."""

    ACTIVE = "active"
    DROPPED = "dropped"


class ReviewOutcome(StrEnum):
    """What the people responsible chose at a review."""

    KEPT = "kept"
    EVOLVED = "evolved"
    DROPPED = "dropped"
    SNOOZED = "snoozed"


class AlreadyReviewed(DomainError):
    """Someone else reviewed the agreement since this reminder was sent (`via_round`: the
    circle's review round decided it, started by `by`)."""

    def __init__(
        self,
        by: str | None,
        action: str | None,
        at: datetime | None = None,
        via_round: bool = False,
    ) -> None:
        super().__init__(f"{action} by {by}")
        self.by = by
        self.action = action
        self.at = at
        self.via_round = via_round


class AgreementNotFound(DomainError):
    """No such agreement in this channel or workspace."""


class DropNeedsReason(DomainError):
    """Dropping an agreement needs its reason."""


class NotAMember(DomainError):
    """Only members of the channel may add or change its agreements."""


class DateNotInFuture(DomainError):
    """A review or snooze date must lie after today."""


class OffsetOutOfRange(DomainError):
    """Nudge offsets are whole days within sensible bounds."""


class ReviewDateNotInFuture(DateNotInFuture):
    """An agreement recorded now needs a review date after today."""


class ReviewDateMissing(DomainError):
    """An agreement recorded now needs a review date."""


class AgreementEmpty(ProposalEmpty):
    """An agreement recorded now needs its text."""


def next_weekday(day: date) -> date:
    """The day itself, or the Monday after a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def schedule(review: date, before_days: int) -> list[tuple[Stage, date]]:
    """The reminders for a review date: some days before, and on the day itself."""
    plan = [(Stage.DUE, next_weekday(review))]
    if before_days > 0:
        before = next_weekday(review - timedelta(days=before_days))
        if before < plan[0][1]:
            plan.insert(0, (Stage.BEFORE, before))
    return plan


def next_overdue(last: date, every_days: int) -> date:
    """When to remind again while the review is overdue."""
    return next_weekday(last + timedelta(days=max(every_days, 1)))


def send_time(due: date, tz: str | None) -> datetime:
    """09:00 on the due day in the recipient's timezone (DST handled by zoneinfo)."""
    try:
        zone = ZoneInfo(tz or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.combine(due, SEND_AT, tzinfo=zone)


def is_due(due: date, tz: str | None, now: datetime) -> bool:
    """Whether the nudge's moment has come for its recipient."""
    return now >= send_time(due, tz)


@dataclass(frozen=True)
class Pending:
    """A nudge waiting to be sent."""

    id: int
    stage: Stage
    due_date: date


def fold(
    pending: Iterable[Pending], tz: str | None, now: datetime
) -> tuple[Pending | None, list[Pending]]:
    """Of one recipient's due nudges for one agreement, send only the latest; fold the rest into it.

    After downtime several reminders may be due at once (the week-before one and the
    day-itself one): the person gets one message, the most current.
    """
    due = sorted(
        (p for p in pending if is_due(p.due_date, tz, now)), key=lambda p: (p.due_date, p.id)
    )
    if not due:
        return None, []
    return due[-1], due[:-1]


def check_offsets(before_days: int, overdue_days: int) -> None:
    """Offsets a workspace may choose."""
    if not 0 <= before_days <= MAX_BEFORE_DAYS or not 1 <= overdue_days <= MAX_OVERDUE_DAYS:
        raise OffsetOutOfRange()


def check_future(day: date, today: date) -> None:
    """Review and snooze dates lie after today."""
    if day <= today:
        raise DateNotInFuture()


def overdue_days(review: date, today: date) -> int:
    """Days past the review date (0 when not overdue)."""
    return max((today - review).days, 0)


@dataclass(frozen=True)
class Review:
    """An agreement as its review sees it, and the rules of Keep, Evolve, Drop and Snooze.

    `expected` is the review date on the reminder the person clicked: a reminder is current
    only while the agreement is in force and still due on that day.
    """

    status: AgreementStatus
    review_date: date

    def is_current(self, expected: date) -> bool:
        return self.status == AgreementStatus.ACTIVE and self.review_date == expected

    def require_current(
        self,
        expected: date,
        last_by: str | None = None,
        last_action: str | None = None,
        last_at: datetime | None = None,
        via_round: bool = False,
    ) -> None:
        """AlreadyReviewed (saying by whom, how and when) when the reminder is out of date."""
        if not self.is_current(expected):
            raise AlreadyReviewed(last_by, last_action, last_at, via_round)

    @staticmethod
    def keep(next_review: date, today: date) -> date:
        """Keeping sets the next review date, which lies after today."""
        check_future(next_review, today)
        return next_review

    @staticmethod
    def drop(reason: str | None) -> str:
        """Dropping needs its reason; returns it as stored."""
        cleaned = (reason or "").strip()
        if not cleaned:
            raise DropNeedsReason()
        return cleaned[:3000]

    @staticmethod
    def snooze(until: date, today: date) -> date:
        """Snoozing reminds again on the first weekday from a later day; the review date stays."""
        check_future(until, today)
        return next_weekday(until)


# ---------------------------------------------------------------- the circle's review round

REVIEW_ROUND_HOURS = 72
REASON_LIMIT = 3000


class RoundAnswer(StrEnum):
    """What a participant answers in a review round."""

    KEEP = "keep"
    CHANGE = "change"  # keep, with a change: an evolve proposal follows
    OBJECT = "object"  # object to keeping it (with the reason)


class RoundStatus(StrEnum):
    """Where a review round stands."""

    OPEN = "open"
    KEPT = "kept"
    OBJECTED = "objected"
    SUPERSEDED = "superseded"  # decided from a reminder (Keep, Evolve, Drop) while it was open


class NotResponsible(DomainError):
    """Only the people responsible for an agreement start its review round."""

    def __init__(self, people: list[str]) -> None:
        super().__init__(",".join(people))
        self.people = people


class ReviewRoundOpen(DomainError):
    """A review round on this agreement is open already."""

    def __init__(self, started_by: str, closes_at: datetime) -> None:
        super().__init__(started_by)
        self.started_by = started_by
        self.closes_at = closes_at


class ReviewRoundClosed(DomainError):
    """The review round has closed: with its outcome, who decided and when."""

    def __init__(self, status: str, by: str | None, action: str | None, at: datetime | None):
        super().__init__(status)
        self.status = status
        self.by = by
        self.action = action
        self.at = at


class ReviewRoundNotFound(DomainError):
    """No such review round in this workspace."""


class ObjectionToKeepingNeedsReason(DomainError):
    """Objecting to keeping an agreement needs the reason."""


class AgreementObjectionNeedsReason(DomainError):
    """Objecting to an agreement in force needs the reason."""


class AgreementNotInForce(DomainError):
    """The agreement was dropped: nothing to review or object to."""


class EarlyReviewAsked(DomainError):
    """An early review was asked already, and its backlog item is still open."""

    def __init__(self, number: int, by: str, at: datetime) -> None:
        super().__init__(str(number))
        self.number = number
        self.by = by
        self.at = at


def clean_reason(reason: str | None, error: type[DomainError]) -> str:
    """A reason as stored; `error` when there is none."""
    cleaned = (reason or "").strip()
    if not cleaned:
        raise error()
    return cleaned[:REASON_LIMIT]


def round_outcome(answers: dict[str, str]) -> RoundStatus:
    """No objection: kept. One objection or more: the objections go to the backlog."""
    if any(a == RoundAnswer.OBJECT for a in answers.values()):
        return RoundStatus.OBJECTED
    return RoundStatus.KEPT


def everyone_answered(participants: Iterable[str], answers: dict[str, str]) -> bool:
    """Whether every participant asked has answered."""
    people = set(participants)
    return bool(people) and people <= set(answers)
