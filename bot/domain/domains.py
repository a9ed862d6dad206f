"""Domains, roles and role selection: the shared value types and names (pure, no I/O).

A domain description is one value type for both a circle's domain and a role's; the
features build their rules on it (`bot.domain.circles`, `bot.domain.roles`,
`bot.domain.selection`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum

from bot.domain.errors import DomainError


class Subject(StrEnum):
    """What a proposal decides besides an agreement (`Proposal.subject`)."""

    DOMAIN = "domain"  # a circle's domain description; subject_id: domain_descriptions.id
    ROLE = "role"  # a role's description; subject_id: domain_descriptions.id (role_id set)
    NOMINEE = "nominee"  # a person for a role; subject_id: selections.id


class DescriptionStatus(StrEnum):
    PROPOSED = "proposed"
    CURRENT = "current"
    SUPERSEDED = "superseded"
    DROPPED = "dropped"
    DECLINED = "declined"


class PurposeRequired(DomainError):
    """A domain description (or role) needs its purpose."""


class DomainReviewDateInPast(DomainError):
    """The review date of a domain description lies in the past."""

    def __init__(self, today: date) -> None:
        super().__init__(today.isoformat())
        self.today = today


@dataclass(frozen=True)
class DomainFields:
    """S3's domain description, in the order its template gives the fields."""

    purpose: str
    responsibilities: str | None = None
    deliverables: str | None = None  # customers and deliverables
    dependencies: str | None = None
    constraints: str | None = None  # external constraints
    challenges: str | None = None
    resources: str | None = None
    delegator_responsibilities: str | None = None
    competencies: str | None = None
    evaluation: str | None = None  # key metrics, evaluation criteria and schedule

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The field names, in template order (also the columns of domain_descriptions)."""
        return tuple(f.name for f in fields(cls))

    def cleaned(self) -> DomainFields:
        """Blank fields become None; the purpose must be there."""
        values = {n: (getattr(self, n) or "").strip() or None for n in self.names()}
        if not values["purpose"]:
            raise PurposeRequired()
        return DomainFields(**values)  # type: ignore[arg-type]

    def filled(self) -> list[tuple[str, str]]:
        """(name, text) of the fields that say something, in template order."""
        return [(n, v) for n in self.names() if (v := getattr(self, n))]


def check_review_date(review_date: date, today: date) -> date:
    """A domain description's review date is today or later."""
    if review_date < today:
        raise DomainReviewDateInPast(today)
    return review_date


# ---------------------------------------------------------------- a circle's domain


class DomainChangePending(DomainError):
    """A new description of this circle's domain is in a consent round already."""


class NotACircleMember(DomainError):
    """Only members of the circle's channel change its domain."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


class ParentIsSelf(DomainError):
    """A circle cannot be its own parent."""


class ParentCycle(DomainError):
    """The chosen parent is this circle's sub-circle (or below it): the links would loop."""

    def __init__(self, parent: str) -> None:
        super().__init__(parent)
        self.parent = parent


class ParentMissing(DomainError):
    """`/domain parent` without a channel (or `none`)."""


def check_parent(channel_id: str, parent_id: str | None, parents: dict[str, str]) -> str | None:
    """The parent circle to set (None: no parent); refuses itself and loops.

    `parents` maps each circle of the workspace to its parent now.
    """
    if parent_id is None:
        return None
    if parent_id == channel_id:
        raise ParentIsSelf()
    seen, up = {channel_id}, parent_id
    while up is not None:
        if up in seen:
            raise ParentCycle(parent_id)
        seen.add(up)
        up = parents.get(up)
    return parent_id
