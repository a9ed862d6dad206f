"""The governance meeting as the circle runs it in Slack: who may drive it, its steps. Pure rules.

A meeting is opened by `/meeting start` (the starter is its facilitator), goes through the
check-in and then the backlog's items one step at a time, and is closed by the facilitator
(or, left open 12 hours past its planned end, by a sweep). Every move carries the step the
person saw: two presses of "next item" on the same step move it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.backlog import OPEN_STATUSES, ItemView
from bot.domain.errors import DomainError

DEFAULT_DURATION_MINUTES = 90
MAX_DURATION_MINUTES = 8 * 60
LEFT_OPEN = timedelta(hours=12)  # past its planned end, a meeting is closed by the sweep
MORE_TIME_CHOICES = (5, 10)  # minutes the facilitator adds to an item's estimate at a press
MAX_EXTRA_MINUTES = 120  # at most this much added to one item
RATINGS = range(1, 6)
MAX_EVALUATION_LINE = 500


class Outcome(StrEnum):
    """What became of an item in a meeting."""

    NEXT_STEP = "next_step"  # given a next step (with an optional due date)
    DISMISSED = "dismissed"  # taken off the backlog, with its reason
    DISCUSSED = "discussed"  # the facilitator moved on without recording an outcome
    SKIPPED = "skipped"  # not taken up this time
    REVIEWED = "reviewed"  # an agreement due for review (next_step: what became of it)
    AGREED = "agreed"  # a proposal consented in the meeting (reason: the agreement's number)
    SELECTION = "selection"  # a selection for a role started (reason: the role's name)
    PASSED_ON = "passed_on"  # passed on to another circle (reason: its channel)
    RESOLVED = "resolved"  # the contested objection it came from, resolved by the meeting
    PROPOSED = "proposed"  # a proposal formed: its consent round started (reason: its number)


class InvalidDuration(DomainError):
    """A meeting lasts a positive number of minutes, at most 8 hours."""


class MeetingRunning(DomainError):
    """A meeting is already running in this channel."""

    def __init__(self, facilitator_id: str, started_at: datetime) -> None:
        super().__init__(facilitator_id)
        self.facilitator_id = facilitator_id
        self.started_at = started_at


class NoMeetingRunning(DomainError):
    """No meeting is running in this channel (or the one a button names has ended)."""


class NotTheFacilitator(DomainError):
    """Only the facilitator drives the meeting."""

    def __init__(self, facilitator_id: str) -> None:
        super().__init__(facilitator_id)
        self.facilitator_id = facilitator_id


class NotAMemberOfCircle(DomainError):
    """Only the channel's members start its meeting."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


class MeetingMoved(DomainError):
    """The meeting moved on since the person saw this step (someone pressed first)."""


class ItemChangedMeanwhile(DomainError):
    """The item was closed or changed since it was posted in the meeting; nothing recorded."""

    def __init__(self, item: ItemView) -> None:
        super().__init__(str(item.id))
        self.item = item


class OutcomeMissing(DomainError):
    """An outcome is a next step, or a reason to dismiss the item."""


class OutcomeAmbiguous(DomainError):
    """An item gets one outcome: dismissed, passed on, or its objection resolved, not two."""


class RoundMovedOn(DomainError):
    """The round the meeting takes up was amended, withdrawn, closed or decided since it was
    shown (or it is no proposal the meeting can decide now); nothing was recorded."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why  # amended | withdrawn | closed | decided | subject


def require_decidable(
    *, latest: bool, withdrawn: bool, is_open: bool, objections: bool, decided: bool,
    subject: bool,
) -> None:  # fmt: skip
    """A round sent to the meeting is decided there by a quick consent while it is its
    proposal's latest version, not withdrawn, still open or closed with objections, and not
    decided already; a proposal about a domain, a role or a nominee goes through its round.
    RoundMovedOn otherwise, saying why."""
    if decided:
        raise RoundMovedOn("decided")
    if not latest:
        raise RoundMovedOn("amended")
    if withdrawn:
        raise RoundMovedOn("withdrawn")
    if not is_open and not objections:
        raise RoundMovedOn("closed")
    if subject:
        raise RoundMovedOn("subject")


class NotContested(DomainError):
    """The item did not come from an objection contested at the meeting (or it is settled)."""


def require_outcome(
    next_step: object | None, reason: str | None, pass_to: str | None = None,
    resolved: bool = False,
) -> None:  # fmt: skip
    """Recording an outcome needs a next step, a reason, a channel to pass the item on to, or
    the objection resolved; one of the last three at most. OutcomeMissing / OutcomeAmbiguous
    otherwise."""
    closing = [bool((reason or "").strip()), bool(pass_to), resolved]
    if sum(closing) > 1:
        raise OutcomeAmbiguous()
    if next_step is None and not any(closing):
        raise OutcomeMissing()


class NoMinutes(DomainError):
    """No minutes of a meeting of this channel (on that date)."""

    def __init__(self, day: date | None = None) -> None:
        super().__init__(day.isoformat() if day else "")
        self.day = day


class InvalidMinutesDate(DomainError):
    """The date asked for is not YYYY-MM-DD."""


def check_duration(minutes: int | None) -> int:
    """A positive number of minutes, at most 8 hours; InvalidDuration otherwise."""
    if not isinstance(minutes, int) or not 0 < minutes <= MAX_DURATION_MINUTES:
        raise InvalidDuration(str(minutes))
    return minutes


def parse_duration(raw: str | None) -> int:
    """The duration typed in the settings form (blank: the default)."""
    text = (raw or "").strip()
    if not text:
        return DEFAULT_DURATION_MINUTES
    if not text.lstrip("-").isdigit():
        raise InvalidDuration(text)
    return check_duration(int(text))


def parse_minutes_date(raw: str) -> date:
    """A YYYY-MM-DD date; InvalidMinutesDate otherwise."""
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise InvalidMinutesDate(raw) from exc


def require_may_start(designated: str | None, user_id: str, is_member: bool, channel: str) -> None:
    """The circle's facilitator starts its meeting; anyone in the channel when none is set."""
    if designated and designated != user_id:
        raise NotTheFacilitator(designated)
    if not designated and not is_member:
        raise NotAMemberOfCircle(channel)


def require_not_running(running: Meeting | None) -> None:
    """One meeting at a time per channel."""
    if running is not None and running.is_open:
        raise MeetingRunning(running.facilitator_id, running.started_at)


def is_left_open(planned_end: datetime, now: datetime) -> bool:
    """Whether a meeting still open is left open long enough to be closed by the sweep."""
    return now >= planned_end + LEFT_OPEN


@dataclass(frozen=True)
class Meeting:
    """A meeting's state as the rules need it."""

    facilitator_id: str
    started_at: datetime
    step: int
    is_open: bool
    current_item_id: int | None = None
    extra_minutes: int = 0
    current_agreement_id: int | None = None
    current_round_id: int | None = None

    def _require_open(self) -> None:
        if not self.is_open:
            raise NoMeetingRunning()

    def drive(self, user_id: str, seen_step: int | None = None) -> int:
        """The facilitator moves the meeting on from the step they saw; the next step."""
        self._require_open()
        if user_id != self.facilitator_id:
            raise NotTheFacilitator(self.facilitator_id)
        if seen_step is not None and seen_step != self.step:
            raise MeetingMoved()
        return self.step + 1

    def record(self, user_id: str, seen_step: int, item_id: int) -> int:
        """An outcome for the item of the step the facilitator saw; the next step."""
        following = self.drive(user_id, seen_step)
        if self.current_item_id != item_id:
            raise MeetingMoved()
        return following

    def more_time(self, user_id: str, seen_step: int, item_id: int, minutes: int) -> int:
        """The facilitator gives the current item more time (5 or 10 minutes, at most two
        hours in all); the minutes added to it now."""
        self.record(user_id, seen_step, item_id)
        if minutes not in MORE_TIME_CHOICES:
            raise InvalidMoreTime(str(minutes))
        return min(self.extra_minutes + minutes, MAX_EXTRA_MINUTES)

    def close_items(self, user_id: str, seen_step: int) -> int:
        """The facilitator, past the last item, takes the meeting to its closing step."""
        following = self.drive(user_id, seen_step)
        if (
            self.current_item_id is not None
            or self.current_agreement_id is not None
            or self.current_round_id is not None
        ):
            raise MeetingMoved()
        return following

    def evaluate(self) -> None:
        """Anyone in the circle evaluates the meeting while it is open."""
        if not self.is_open:
            raise EvaluationsClosed()

    def end(self, user_id: str) -> None:
        """Only the facilitator ends the meeting."""
        self.drive(user_id)

    def check_in(self) -> None:
        """Anyone checks in while the meeting is open."""
        self._require_open()


def require_unchanged(
    now: ItemView, status: str | None, next_step: str | None, due: date | None
) -> None:
    """The item is still open and as the meeting showed it; ItemChangedMeanwhile otherwise."""
    if (
        now.status not in OPEN_STATUSES
        or now.status.value != status
        or (now.next_step.value if now.next_step else None) != next_step
        or now.due_date != due
    ):
        raise ItemChangedMeanwhile(now)


class InvalidMoreTime(DomainError):
    """More time is 5 or 10 minutes at a press."""


class EvaluationsClosed(DomainError):
    """The meeting has ended: it is no longer evaluated."""


class RatingMissing(DomainError):
    """An evaluation needs its rating, 1 to 5."""


class NotInCircle(DomainError):
    """Only the channel's members evaluate its meeting."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


def time_up_at(started: datetime | None, estimate: int | None, extra: int) -> datetime | None:
    """When an item's time is up: its start plus its estimate and the time added; None
    without a start or an estimate."""
    if started is None or not estimate:
        return None
    return started + timedelta(minutes=estimate + extra)


@dataclass(frozen=True)
class Evaluation:
    """One person's evaluation of a meeting: a rating 1-5 and optional "more of / less of /
    keep" lines."""

    rating: int
    more_of: str | None = None
    less_of: str | None = None
    keep: str | None = None


def _line(text: str | None) -> str | None:
    return (text or "").strip()[:MAX_EVALUATION_LINE] or None


def clean_evaluation(
    rating: str | None, more_of: str | None, less_of: str | None, keep: str | None
) -> Evaluation:
    """An evaluation as typed; RatingMissing without a rating from 1 to 5."""
    raw = (rating or "").strip()
    if not raw.isdigit() or int(raw) not in RATINGS:
        raise RatingMissing(raw)
    return Evaluation(int(raw), _line(more_of), _line(less_of), _line(keep))


@dataclass(frozen=True)
class EvaluationSummary:
    """What the minutes say of a meeting's evaluations (and the next agenda looks at)."""

    count: int
    average: float
    more_of: list[str]
    less_of: list[str]
    keep: list[str]


def summarise(evaluations: Sequence[Evaluation]) -> EvaluationSummary | None:
    """Count, average rating and every line given; None when nobody evaluated."""
    if not evaluations:
        return None
    return EvaluationSummary(
        count=len(evaluations),
        average=sum(e.rating for e in evaluations) / len(evaluations),
        more_of=[e.more_of for e in evaluations if e.more_of],
        less_of=[e.less_of for e in evaluations if e.less_of],
        keep=[e.keep for e in evaluations if e.keep],
    )


# ---------------------------------------------------------------- who facilitates, who records

FACILITATOR_ROLES = frozenset({"facilitator", "gespreksleider"})
SECRETARY_ROLES = frozenset({"secretary", "secretaris"})


class Why(StrEnum):
    """Why someone facilitates (or records) a meeting."""

    ROLE = "role"  # they hold the circle's role of that name
    SETTINGS = "settings"  # chosen in the meeting settings
    STARTED = "started"  # nobody designated: they started the meeting
    FACILITATOR = "facilitator"  # the secretary: nobody designated, so the facilitator


@dataclass(frozen=True)
class Appointed:
    """Who facilitates (or records) the meetings, and why; user_id None: whoever starts it
    (the facilitator, for the secretary)."""

    user_id: str | None
    why: Why
    role: str | None = None  # the role's name, when they hold it


def _holder(holders: Sequence[tuple[str, str | None]], names: frozenset[str]) -> Appointed | None:
    for name, holder in holders:
        if holder and " ".join(name.split()).casefold() in names:
            return Appointed(holder, Why.ROLE, name)
    return None


def appoint(
    holders: Sequence[tuple[str, str | None]], facilitator: str | None, secretary: str | None
) -> tuple[Appointed, Appointed]:
    """The meetings' facilitator and secretary: the holders of the circle's roles named
    Facilitator / Secretary (or Gespreksleider / Secretaris) when there are, else the ones
    chosen in the settings, else whoever starts the meeting (and for the secretary, the
    facilitator). `holders`: (role name, holder) of the circle's active roles."""
    chairs = _holder(holders, FACILITATOR_ROLES) or (
        Appointed(facilitator, Why.SETTINGS) if facilitator else Appointed(None, Why.STARTED)
    )
    records = _holder(holders, SECRETARY_ROLES) or (
        Appointed(secretary, Why.SETTINGS) if secretary else Appointed(None, Why.FACILITATOR)
    )
    return chairs, records


def as_run(appointed: Appointed, user_id: str, fallback: Why) -> Appointed:
    """Why `user_id` has the part in a running meeting: as appointed when it is them, else
    the fallback (they started it; the facilitator records it)."""
    if appointed.user_id == user_id:
        return appointed
    return Appointed(user_id, fallback)
