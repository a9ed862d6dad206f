"""Roles: a domain delegated to one person for a limited term (pure rules, no I/O)."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.domains import DomainFields
from bot.domain.errors import DomainError

MAX_NAME_LENGTH = 80
TERM_MONTHS = (3, 6, 12)
DEFAULT_TERM_MONTHS = 6
USER_GROUP_HANDLE_MAX = 40


class RoleStatus(StrEnum):
    PROPOSED = "proposed"  # its first description is in a consent round
    ACTIVE = "active"
    DROPPED = "dropped"
    DECLINED = "declined"  # its first round did not consent: the name is free again


LIVE = (RoleStatus.PROPOSED.value, RoleStatus.ACTIVE.value)  # statuses that hold a name


class RoleNameMissing(DomainError):
    """A role needs a name."""


class RoleNameTaken(DomainError):
    """The circle has a role of that name already (compared case-insensitively)."""

    def __init__(self, existing: str) -> None:
        super().__init__(existing)
        self.existing = existing


class TermEndInPast(DomainError):
    """The chosen term end lies in the past."""

    def __init__(self, today: date) -> None:
        super().__init__(today.isoformat())
        self.today = today


class RoleNotFound(DomainError):
    """No role of that name in this circle; `names` are the ones it has."""

    def __init__(self, name: str, names: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.names = names


class RoleNotActive(DomainError):
    """The role was dropped (or is not consented yet): it cannot be evolved or dropped now."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class RoleChangePending(DomainError):
    """A new description of this role is in a consent round already."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class NotAMember(DomainError):
    """Only members of the circle's channel change its roles."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


def clean_name(raw: str | None) -> str:
    """The role's name as shown: trimmed, inner whitespace single, at most 80 characters."""
    name = " ".join((raw or "").split()).lstrip("#")
    if not name:
        raise RoleNameMissing()
    return name[:MAX_NAME_LENGTH]


def name_key(name: str) -> str:
    """What two names are compared by: "Release Lead" and "release lead" are one role."""
    return " ".join(name.split()).casefold()[:MAX_NAME_LENGTH]


def add_months(start: date, months: int) -> date:
    """The same day `months` later (or that month's last day)."""
    month = start.month - 1 + months
    year = start.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def check_term(
    months: int | None, until: date | None, today: date
) -> tuple[int | None, date | None]:
    """A term is a length in months, or a date it ends on (today or later)."""
    if until is not None:
        if until < today:
            raise TermEndInPast(today)
        return None, until
    return (months if months in TERM_MONTHS else DEFAULT_TERM_MONTHS), None


def term_end(start: date, months: int | None, until: date | None) -> date:
    """When a term that starts on `start` ends."""
    if until is not None and until >= start:
        return until
    return add_months(start, months or DEFAULT_TERM_MONTHS)


def notice_due(end: date, today: date, notice_days: int) -> bool:
    """The term's end is near enough to tell the holder and the circle."""
    return today >= end - timedelta(days=max(notice_days, 0))


def user_group_handle(name: str, role_id: int) -> str:
    """The mention handle of a role's user group: its name, lowercased, words joined by
    hyphens (`Release lead` -> `release-lead`); `role-<id>` when nothing of it is left."""
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", name).casefold())
    handle = "-".join(words)[:USER_GROUP_HANDLE_MAX].strip("-")
    return handle or f"role-{role_id}"


def list_order(holder_id: str | None, name: str) -> tuple[bool, str]:
    """The sort key of a circle's role list: vacant roles first, then by name."""
    return (holder_id is not None, name.casefold())


# ---------------------------------------------------------------- what the views show


@dataclass(frozen=True)
class RoleSummary:
    """One line of the circle's role list."""

    id: int
    channel_id: str
    name: str
    purpose: str
    holder_id: str | None
    term_end: date | None
    proposed: bool  # a description of it is still in a consent round
    represents_channel_id: str | None = None


@dataclass(frozen=True)
class VersionEntry:
    """One version of the role's description, and the round that decided (or decides) it."""

    version: int
    status: str
    proposal_number: int | None
    round_outcome: str | None  # None: the round is still open
    decided_at: datetime | None


@dataclass(frozen=True)
class TermEntry:
    holder_id: str
    starts: date
    ends: date
    ended_at: datetime | None


@dataclass(frozen=True)
class SelectionEntry:
    status: str
    started_by: str
    nominee_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class RoleDetail:
    """One role in full, with its history."""

    summary: RoleSummary
    status: str
    fields: DomainFields
    review_date: date | None
    term_months: int | None
    term_until: date | None
    term_start: date | None
    agreement_id: int | None
    versions: list[VersionEntry] = field(default_factory=list)
    terms: list[TermEntry] = field(default_factory=list)
    selections: list[SelectionEntry] = field(default_factory=list)


@dataclass(frozen=True)
class RoleNoticeView:
    """What a role notice says: the role as it stands, and whom the notice was about."""

    id: int
    channel_id: str
    name: str
    holder_id: str | None
    term_end: date | None
