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
