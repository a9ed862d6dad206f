"""Governance backlog rules: what a tension is, its life cycle, and input limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.errors import EmptyText, TextTooLong

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
