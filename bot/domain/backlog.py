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
        raise EmptyText()
    if len(text) > MAX_TENSION_LENGTH:
        raise TextTooLong(MAX_TENSION_LENGTH, len(text))
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
    rank: int | None
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


@dataclass(frozen=True)
class RaisedTension:
    """The outcome of raising a tension: the item and how long the backlog now is."""

    item: ItemView
    open_count: int


class DriverIncomplete(DomainError):
    """A driver needs its current situation and its effect."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


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
            raise TextTooLong(MAX_TENSION_LENGTH, len(value.strip()))
    return Driver(
        situation=(situation or "").strip(),
        effect=(effect or "").strip(),
        relevance=(relevance or "").strip() or None,
        nature=nature if nature in (Nature.PROBLEM, Nature.OPPORTUNITY) else None,
    )


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
