"""Async consent rounds: positions, deadlines, and how a round is decided. Pure rules."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.clock import zone_or_utc
from bot.domain.errors import DomainError

MAX_PROPOSAL_LENGTH = 3000
MAX_REASON_LENGTH = 3000
MAX_FIELD_LENGTH = 3000
MAX_TITLE_LENGTH = 150
MIN_DURATION = timedelta(hours=1)
MAX_DURATION = timedelta(days=60)
NUDGE_BEFORE = timedelta(hours=24)
SHORT_ROUND = timedelta(days=2)
DEFAULT_WORKING_DAYS = 3
DEFAULT_REVIEW_MONTHS = 3


class Position(StrEnum):
    """A participant's answer to a proposal."""

    CONSENT = "consent"
    CONCERN = "concern"
    OBJECTION = "objection"
    OBJECTION_STARTED = (
        "objection_started"  # raised by reaction, reason not given yet: does not count
    )


COUNTED = (Position.CONSENT, Position.CONCERN, Position.OBJECTION)


class RoundStatus(StrEnum):
    """Whether answers are still taken."""

    OPEN = "open"
    CLOSED = "closed"


class Outcome(StrEnum):
    """How a round ended."""

    CONSENTED = "consented"
    OBJECTIONS = "objections"
    NO_QUORUM = "no_quorum"
    WITHDRAWN = "withdrawn"


# ---------------------------------------------------------------- rule failures


class DecidedAtMeeting(DomainError):
    """The round was decided at the governance meeting (its proposal is an agreement now):
    it takes no more answers."""

    def __init__(self, agreement_number: int | None) -> None:
        super().__init__(str(agreement_number))
        self.agreement_number = agreement_number


class ProposalEmpty(DomainError):
    """The proposal text is blank."""


class ProposalTooLong(DomainError):
    """The proposal is over the limit."""

    def __init__(self, length: int) -> None:
        super().__init__(str(length))
        self.length = length
        self.limit = MAX_PROPOSAL_LENGTH


class DeadlineMissing(DomainError):
    """No deadline was picked."""


class ReviewDateMissing(DomainError):
    """No review date was picked."""


class DeadlineInPast(DomainError):
    """The deadline has already passed."""


class DeadlineTooSoon(DomainError):
    """The deadline is less than an hour away."""


class DeadlineTooFar(DomainError):
    """The deadline is more than 60 days away."""


class ReviewDateInPast(DomainError):
    """A review date must be in the future."""


class NoParticipants(DomainError):
    """A round needs at least one participant."""


class QuorumOutOfRange(DomainError):
    """Quorum is a percentage from 1 to 100."""


class ObjectionNeedsReason(DomainError):
    """An objection always carries its reason."""


class ReasonTooLong(DomainError):
    """The reason is over the limit."""


class RoundClosed(DomainError):
    """The round no longer takes answers."""

    def __init__(self, closed_at: datetime | None) -> None:
        super().__init__(str(closed_at))
        self.closed_at = closed_at


class NotAMember(DomainError):
    """Only members of a channel start consent rounds in it."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


class NotAParticipant(DomainError):
    """Only the round's participants may answer."""


class NotTheAuthor(DomainError):
    """Only the proposal's author may do this."""


class RoundStillOpen(DomainError):
    """The round must be closed first."""


class RoundNotFound(DomainError):
    """No such round in this workspace."""


class HearingNotFound(DomainError):
    """The question whether a concern should be heard is not in this workspace."""


class NotYourConcern(DomainError):
    """Only the person who recorded the concern says whether it should be heard."""


class ConcernAnswered(DomainError):
    """Whether this concern should be heard was answered already."""


class QuestionsUntilInPast(DomainError):
    """The end of the questions phase has already passed."""


class QuestionsUntilAfterDeadline(DomainError):
    """The questions phase must end before the deadline."""


class AnswersNotOpenYet(DomainError):
    """The round is in its questions phase: answers open later."""

    def __init__(self, opens_at: datetime) -> None:
        super().__init__(str(opens_at))
        self.opens_at = opens_at


class AnswersAlreadyOpen(DomainError):
    """Answers are open already: nothing to wait for."""


# ---------------------------------------------------------------- defaults and checks


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` moved `days` working days (Mon-Fri) ahead, same local time."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def default_deadline(now: datetime, tz: str | None) -> datetime:
    """Three working days ahead in the author's timezone, on the hour."""
    zone = _zone(tz)
    local = now.astimezone(zone)
    local = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return add_working_days(local, DEFAULT_WORKING_DAYS)


def default_review_date(today: date) -> date:
    """Three months ahead (the same day of the month, or the month's last day)."""
    month = today.month - 1 + DEFAULT_REVIEW_MONTHS
    year = today.year + month // 12
    month = month % 12 + 1
    day = min(today.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def clean_proposal(text: str | None) -> str:
    """The proposal text, trimmed; refused when blank or too long."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise ProposalEmpty()
    if len(cleaned) > MAX_PROPOSAL_LENGTH:
        raise ProposalTooLong(len(cleaned))
    return cleaned


def check_deadline(deadline: datetime, now: datetime) -> None:
    """A deadline is at least an hour and at most 60 days away."""
    if deadline <= now:
        raise DeadlineInPast()
    if deadline - now < MIN_DURATION:
        raise DeadlineTooSoon()
    if deadline - now > MAX_DURATION:
        raise DeadlineTooFar()


def check_questions_until(until: datetime | None, deadline: datetime, now: datetime) -> None:
    """An optional questions phase ends in the future and before the deadline."""
    if until is None:
        return
    if until <= now:
        raise QuestionsUntilInPast()
    if until >= deadline:
        raise QuestionsUntilAfterDeadline()


def check_review_date(review: date, today: date) -> None:
    """A review date lies after today."""
    if review <= today:
        raise ReviewDateInPast()


def check_quorum(quorum: int | None) -> int | None:
    """None, or a percentage from 1 to 100."""
    if quorum is None:
        return None
    if not 1 <= quorum <= 100:
        raise QuorumOutOfRange()
    return quorum


def check_participants(participants: list[str]) -> None:
    """A round needs someone to answer it."""
    if not participants:
        raise NoParticipants()


def clean_reason(position: Position, reason: str | None) -> str | None:
    """An objection needs a reason; a concern may have one."""
    text = (reason or "").strip()
    if len(text) > MAX_REASON_LENGTH:
        raise ReasonTooLong()
    if position is Position.OBJECTION and not text:
        raise ObjectionNeedsReason()
    return text or None


def nudge_time(opened: datetime, deadline: datetime) -> datetime:
    """24 hours before the deadline; halfway through for rounds shorter than two days."""
    duration = deadline - opened
    if duration < SHORT_ROUND:
        return opened + duration / 2
    return deadline - NUDGE_BEFORE


WORK_STARTS, WORK_ENDS = time(9, 0), time(17, 0)  # a person's working hours, Monday to Friday


def next_working_time(at: datetime, zone_name: str | None) -> datetime:
    """The first moment at or after `at` within working hours (a weekday, 09:00 to 17:00)
    in that timezone (UTC when unknown): when a reminder may reach the person."""
    zone = zone_or_utc(zone_name)
    local = at.astimezone(zone)
    for _ in range(8):  # a week on at most
        if local.weekday() < 5:
            start = datetime.combine(local.date(), WORK_STARTS, tzinfo=zone)
            end = datetime.combine(local.date(), WORK_ENDS, tzinfo=zone)
            if local < start:
                return start.astimezone(at.tzinfo)
            if local < end:
                return at
        following = local.date() + timedelta(days=1)
        local = datetime.combine(following, time(0, 0), tzinfo=zone)
    raise AssertionError("a weekday comes within a week")  # pragma: no cover


# ---------------------------------------------------------------- deciding


@dataclass(frozen=True)
class Answer:
    """One participant's latest answer."""

    user_id: str
    position: Position
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class Decision:
    """The result of counting a round's answers."""

    outcome: Outcome
    answered: list[str]
    silent: list[str]
    consents: list[Answer]
    concerns: list[Answer]
    objections: list[Answer]
    objections_without_reason: int
    participants: int
    quorum: int | None = None
    reasons: dict[str, str] = field(default_factory=dict)


def counted(answers: Mapping[str, Answer], participants: Iterable[str]) -> list[str]:
    """Participants whose answer counts (an objection without reason does not)."""
    return [p for p in participants if p in answers and answers[p].position in COUNTED]


def everyone_answered(participants: list[str], answers: Mapping[str, Answer]) -> bool:
    """True when every participant gave an answer that counts."""
    return bool(participants) and len(counted(answers, participants)) == len(participants)


def quorum_met(participants: int, answered: int, quorum: int | None) -> bool:
    """Whether enough participants answered (no quorum set: always)."""
    if not quorum or participants == 0:
        return True
    return answered * 100 >= quorum * participants


def decide(
    participants: list[str],
    answers: Mapping[str, Answer],
    quorum: int | None,
    *,
    withdrawn: bool = False,
    dismissed: frozenset[str] = frozenset(),
) -> Decision:
    """Decide a round: consent unless an objection remains or the quorum is not met.

    `dismissed`: objectors who accepted that their objection does not qualify; their answer
    still counts as given, but it does not block."""
    answered = counted(answers, participants)
    silent = [p for p in participants if p not in answered]
    by = {pos: [answers[p] for p in answered if answers[p].position is pos] for pos in COUNTED}
    by[Position.OBJECTION] = [a for a in by[Position.OBJECTION] if a.user_id not in dismissed]
    started = sum(
        1
        for p in participants
        if p in answers and answers[p].position is Position.OBJECTION_STARTED
    )
    if withdrawn:
        outcome = Outcome.WITHDRAWN
    elif not quorum_met(len(participants), len(answered), quorum):
        outcome = Outcome.NO_QUORUM
    elif by[Position.OBJECTION]:
        outcome = Outcome.OBJECTIONS
    else:
        outcome = Outcome.CONSENTED
    return Decision(
        outcome=outcome,
        answered=answered,
        silent=silent,
        consents=by[Position.CONSENT],
        concerns=by[Position.CONCERN],
        objections=by[Position.OBJECTION],
        objections_without_reason=started,
        participants=len(participants),
        quorum=quorum,
    )


REACTIONS: dict[str, Position] = {
    "white_check_mark": Position.CONSENT,
    "thinking_face": Position.CONCERN,
    "raised_hand": Position.OBJECTION_STARTED,
}


# ---------------------------------------------------------------- the round and its rules


def check_author(author_id: str, user_id: str) -> None:
    """Only the proposal's author may do this."""
    if user_id != author_id:
        raise NotTheAuthor()


class CloseRequest(StrEnum):
    """What the author's Close now or Withdraw does to the round."""

    CLOSE = "close"  # the sweep closes it and decides
    WITHDRAW = "withdraw"  # the sweep closes it as withdrawn
    WITHDRAW_RESULT = "withdraw_result"  # closed without agreement: withdrawn at once


@dataclass(frozen=True)
class Round:
    """A consent round's state, as far as its rules need it; each rule is checked here once."""

    author_id: str
    status: RoundStatus
    outcome: Outcome | None
    deadline: datetime
    closed_at: datetime | None = None
    answers_open_at: datetime | None = None  # None: no questions phase, answers open at once
    hidden: bool = False

    @property
    def is_open(self) -> bool:
        """Whether the round still takes answers (its deadline aside)."""
        return self.status is RoundStatus.OPEN

    def in_questions(self, now: datetime) -> bool:
        """Whether the round is still in its questions phase (answers not open yet)."""
        return self.answers_open_at is not None and now < self.answers_open_at

    def check_answer(self, now: datetime, *, participant: bool) -> None:
        """A participant may answer while the round is open, its questions phase over and
        its deadline not passed."""
        if not self.is_open:
            raise RoundClosed(self.closed_at)
        if now >= self.deadline:
            raise RoundClosed(self.deadline)
        if self.in_questions(now):
            assert self.answers_open_at is not None
            raise AnswersNotOpenYet(self.answers_open_at)
        if not participant:
            raise NotAParticipant()

    def takes_answers(self, now: datetime) -> bool:
        """Whether answers (and their withdrawal) are still taken now."""
        return self.is_open and now < self.deadline and not self.in_questions(now)

    def counts_reaction(self) -> bool:
        """Reactions are visible to everyone: they count only where answers are public."""
        return not self.hidden

    def check_watch(self, now: datetime, *, participant: bool) -> None:
        """A participant may ask to be told when answers open, during the questions phase."""
        if not self.is_open or now >= self.deadline:
            raise RoundClosed(self.closed_at or self.deadline)
        if not self.in_questions(now):
            raise AnswersAlreadyOpen()
        if not participant:
            raise NotAParticipant()

    def answers_open(self, now: datetime) -> datetime:
        """When answering starts (now, without a questions phase): the nudge counts from it."""
        if self.answers_open_at is not None and self.answers_open_at > now:
            return self.answers_open_at
        return now

    def check_amend(self, user_id: str) -> None:
        """Only the author amends, and only a round that has closed."""
        check_author(self.author_id, user_id)
        if self.is_open:
            raise RoundStillOpen()

    def check_send_to_meeting(self, user_id: str) -> None:
        """Only the author sends a round to the governance meeting: an open one, or one that
        closed with objections (the circle settles them together)."""
        check_author(self.author_id, user_id)
        if not self.is_open and self.outcome is not Outcome.OBJECTIONS:
            raise RoundClosed(self.closed_at)

    def check_extend(self, user_id: str) -> None:
        """Only the author gives a round a new deadline."""
        check_author(self.author_id, user_id)

    def close_request(self, user_id: str, *, withdraw: bool) -> CloseRequest:
        """The author's Close now or Withdraw; a closed round can only still be withdrawn
        when it ended without agreement (objections or no quorum)."""
        check_author(self.author_id, user_id)
        if self.is_open:
            return CloseRequest.WITHDRAW if withdraw else CloseRequest.CLOSE
        if withdraw and self.outcome in (Outcome.OBJECTIONS, Outcome.NO_QUORUM):
            return CloseRequest.WITHDRAW_RESULT
        raise RoundClosed(self.closed_at)

    def extension(self, user_id: str, deadline: datetime, now: datetime) -> bool:
        """Check a new deadline from the author; True when it reopens a round that closed
        without quorum (an open round just moves its deadline)."""
        check_deadline(deadline, now)
        check_author(self.author_id, user_id)
        if self.answers_open_at is not None and deadline <= self.answers_open_at:
            raise QuestionsUntilAfterDeadline()
        if self.is_open:
            return False
        if self.outcome is Outcome.NO_QUORUM:
            return True
        raise RoundClosed(self.closed_at)

    def due(
        self,
        now: datetime,
        *,
        requested: bool,
        participants: list[str],
        answers: Mapping[str, Answer],
    ) -> bool:
        """Whether the round closes now: deadline passed, author asked, or everyone answered."""
        return now >= self.deadline or requested or everyone_answered(participants, answers)
