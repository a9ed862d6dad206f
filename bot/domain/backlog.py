"""Governance backlog rules: what a tension is, its life cycle, and input limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.errors import DomainError, EmptyText, TextTooLong

MAX_TENSION_LENGTH = 3000

_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}
_ENTITY_RE = re.compile("|".join(map(re.escape, _ENTITIES)))


class ItemStatus(StrEnum):
    """Where an item is in its life cycle."""

    NEW = "new"  # in the inbox: raised, not yet described or given a next step
    BACKLOG = "backlog"  # described as a driver, with a next step
    IN_PROGRESS = "in_progress"  # a consent round is open on it
    DONE = "done"  # an agreement came of it
    DISMISSED = "dismissed"
    PASSED_ON = "passed_on"


OPEN_STATUSES = (ItemStatus.NEW, ItemStatus.BACKLOG, ItemStatus.IN_PROGRESS)


class NextStep(StrEnum):
    """What the circle does next with a backlog item (S3's governance next steps)."""

    UNDERSTAND = "understand"  # understand the driver
    PROPOSE = "propose"  # form a proposal
    DECIDE = "decide"  # decide on a proposal
    REVIEW = "review"  # review an agreement
    SELECT = "select"  # select someone for a role


class Nature(StrEnum):
    """Whether a driver is a problem or an opportunity."""

    PROBLEM = "problem"
    OPPORTUNITY = "opportunity"


def clean_tension_text(raw: str) -> str:
    """Validate and normalise the text of a new tension.

    Slack escapes &, < and > in some payloads; store what the person typed,
    and escape again only when rendering.
    """
    text = _ENTITY_RE.sub(lambda m: _ENTITIES[m.group(0)], raw).strip()
    if not text:
        raise TensionEmpty()
    if len(text) > MAX_TENSION_LENGTH:
        raise TensionTooLong(MAX_TENSION_LENGTH, len(text))
    return text


@dataclass(frozen=True)
class ItemView:
    """An item as the rest of the bot sees it."""

    id: int
    team_id: str
    channel_id: str
    number: int
    author_id: str
    text: str
    status: ItemStatus
    rank: int | None  # its place on the backlog as people see it (1 = top); None: off it
    created_at: datetime
    message_ts: str | None = None
    situation: str | None = None
    effect: str | None = None
    relevance: str | None = None
    nature: str | None = None
    next_step: NextStep | None = None
    due_date: date | None = None
    source_link: str | None = None
    passed_from: str | None = None
    on_behalf_of: str | None = None  # the circle a delegate raised it for
    intended_outcome: str | None = None  # what the meeting means to reach with it
    estimate_minutes: int | None = None  # how long the meeting may spend on it


@dataclass(frozen=True)
class RaisedTension:
    """The outcome of raising a tension: the item and how long the backlog now is."""

    item: ItemView
    open_count: int


class TensionEmpty(EmptyText):
    """A tension needs some text."""


class TensionTooLong(TextTooLong):
    """A tension's text is over the limit."""


class DriverIncomplete(DomainError):
    """A driver needs its current situation and its effect."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


class SituationMissing(DriverIncomplete):
    """The driver's current situation is blank."""

    def __init__(self) -> None:
        super().__init__(["situation"])


class EffectMissing(DriverIncomplete):
    """The driver's effect is blank."""

    def __init__(self) -> None:
        super().__init__(["effect"])


class DriverPartTooLong(TextTooLong):
    """A part of a driver is over the limit."""


class NotMember(DomainError):
    """Only the circle's members change its backlog."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


class NotAWholeNumber(DomainError):
    """A place in the backlog is a whole number."""


class NoChannelChosen(DomainError):
    """Passing an item on needs the channel it goes to."""


class BotNotInChannel(DomainError):
    """The bot is not in the channel an item would be passed on to."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


class FormExpired(DomainError):
    """Slack took too long to let a form open (its trigger expired)."""


class ItemChanged(DomainError):
    """The item was moved, dismissed or passed on since the person last saw it."""


class ItemNotFound(DomainError):
    """No such item in this workspace."""


class ReasonRequired(DomainError):
    """Dismissing an item needs a reason."""


class SameChannel(DomainError):
    """An item is passed on to another channel, not its own."""


@dataclass(frozen=True)
class Driver:
    """S3's driver template, as filled in by a person."""

    situation: str
    effect: str
    relevance: str | None
    nature: str | None


def clean_driver(
    situation: str | None, effect: str | None, relevance: str | None, nature: str | None
) -> Driver:
    """Both required parts present (not only whitespace), within limits."""
    missing = [
        name
        for name, value in (("situation", situation), ("effect", effect))
        if not (value or "").strip()
    ]
    if missing:
        raise DriverIncomplete(missing)
    for value in (situation or "", effect or "", relevance or ""):
        if len(value.strip()) > MAX_TENSION_LENGTH:
            raise DriverPartTooLong(MAX_TENSION_LENGTH, len(value.strip()))
    return Driver(
        situation=(situation or "").strip(),
        effect=(effect or "").strip(),
        relevance=(relevance or "").strip() or None,
        nature=nature if nature in (Nature.PROBLEM, Nature.OPPORTUNITY) else None,
    )


def driver_problems(situation: str | None, effect: str | None) -> list[DriverIncomplete]:
    """Each required part of a driver that is blank (or only whitespace), as its own error."""
    problems: list[DriverIncomplete] = []
    if not (situation or "").strip():
        problems.append(SituationMissing())
    if not (effect or "").strip():
        problems.append(EffectMissing())
    return problems


def require_member(members: frozenset[str] | set[str], user_id: str, channel: str) -> None:
    """Only the circle's members change its backlog."""
    if user_id not in members:
        raise NotMember(channel)


def parse_position(raw: str | None) -> int:
    """A place typed in the position form; NotAWholeNumber otherwise."""
    if not (raw or "").strip().lstrip("-").isdigit():
        raise NotAWholeNumber()
    return int(raw or "")


MAX_ESTIMATE_MINUTES = 8 * 60
MAX_INTENDED_OUTCOME = 500


class InvalidEstimate(DomainError):
    """A time estimate is a positive whole number of minutes (at most 8 hours)."""


@dataclass(frozen=True)
class ItemPlan:
    """How the meeting plans to take an item up: its intended outcome and time estimate."""

    intended_outcome: str | None
    estimate_minutes: int | None


def parse_estimate(raw: str | None) -> int | None:
    """The time estimate typed in a form: blank is none; else a positive whole number of
    minutes, at most 8 hours; InvalidEstimate otherwise."""
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= MAX_ESTIMATE_MINUTES:
        raise InvalidEstimate(text)
    return int(text)


def clean_plan(outcome: str | None, estimate: str | None) -> ItemPlan:
    """An item's plan as typed: the outcome trimmed (blank: none), the estimate checked."""
    text = (outcome or "").strip()[:MAX_INTENDED_OUTCOME] or None
    return ItemPlan(intended_outcome=text, estimate_minutes=parse_estimate(estimate))


def require_target(target: str | None) -> str:
    """The channel an item is passed on to; NoChannelChosen when none was picked."""
    if not target:
        raise NoChannelChosen()
    return target


def require_unchanged(item: ItemView | BacklogItem, expected_rank: int | None) -> None:
    """The item is still at the place the person saw it (when they saw one); ItemChanged else."""
    if expected_rank is not None and item.rank != expected_rank:
        raise ItemChanged()


def is_open_at(item: ItemView, expected_rank: int | None) -> bool:
    """Whether the item is open and exactly where the person saw it (unranked if so)."""
    return item.rank == expected_rank and item.status in OPEN_STATUSES


def require_open_at(item: ItemView, expected_rank: int | None) -> None:
    """The item is open and exactly where the person saw it; ItemChanged else."""
    if not is_open_at(item, expected_rank):
        raise ItemChanged()


def target_rank(current: int, total: int, move: str | int) -> int:
    """Where a move takes an item: up, down, top, bottom, or a given position (clamped)."""
    if move == "up":
        wanted = current - 1
    elif move == "down":
        wanted = current + 1
    elif move == "top":
        wanted = 1
    elif move == "bottom":
        wanted = total
    else:
        wanted = int(move)
    return min(max(wanted, 1), total)


@dataclass(frozen=True)
class BacklogItem:
    """An item's place in its life cycle, and the rules of each backlog action on it.

    Services load it from the stored row, call one method, then apply what it decided.
    """

    status: ItemStatus
    rank: int | None
    channel_id: str

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def _require_open(self) -> None:
        if not self.is_open:
            raise ItemChanged()

    def describe(self) -> None:
        """An open item may be (re)described as a driver."""
        self._require_open()

    def accept(self) -> ItemStatus:
        """Giving an open item its next step puts an inbox item on the backlog."""
        self._require_open()
        return ItemStatus.BACKLOG if self.status == ItemStatus.NEW else self.status

    def move(self, expected_rank: int | None, to: str | int, total: int) -> int:
        """Where a move takes a ranked open item still at the place the person saw it."""
        if self.rank is None:
            raise ItemChanged()
        self._require_open()
        require_unchanged(self, expected_rank)
        return target_rank(self.rank, total, to)

    def dismiss(self, reason: str | None) -> str:
        """Dismissing an open item needs its reason; returns the reason as stored."""
        cleaned = (reason or "").strip()
        if not cleaned:
            raise ReasonRequired()
        self._require_open()
        return cleaned[:MAX_TENSION_LENGTH]

    def pass_on(self, to_channel: str) -> None:
        """An open item goes to another channel, never its own."""
        if to_channel == self.channel_id:
            raise SameChannel()
        self._require_open()


class NotADelegate(DomainError):
    """Raising an item for a circle needs a delegate role of that circle in this channel."""

    def __init__(self, circle: str) -> None:
        super().__init__(circle)
        self.circle = circle
