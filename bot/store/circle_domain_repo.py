"""A circle's own domain description (role_id NULL) and its links. Scoped by team_id."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.domains import DescriptionStatus
from bot.store.models import Agreement, Circle, DomainDescription


def _of_circle(team_id: str, channel_id: str):  # type: ignore[no-untyped-def]
    return select(DomainDescription).where(
        DomainDescription.team_id == team_id,
        DomainDescription.channel_id == channel_id,
        DomainDescription.role_id.is_(None),
    )


def described_by(
    session: Session, team_id: str, agreement_ids: list[int]
) -> dict[int, tuple[str, int | None]]:
    """For each agreement that records a domain or role description: its channel and role."""
    if not agreement_ids:
        return {}
    rows = session.execute(
        select(
            DomainDescription.agreement_id, DomainDescription.channel_id, DomainDescription.role_id
        ).where(
            DomainDescription.team_id == team_id,
            DomainDescription.agreement_id.in_(agreement_ids),
        )
    )
    return {a: (c, r) for a, c, r in rows if a is not None}


def review_date(session: Session, desc: DomainDescription) -> date:
    """When the description is next reviewed: its agreement's date once consented (Keep and
    Snooze move that one), else the date it was proposed with."""
    if desc.agreement_id is None:
        return desc.review_date
    found = session.scalar(
        select(Agreement.review_date).where(
            Agreement.team_id == desc.team_id, Agreement.id == desc.agreement_id
        )
    )
    return found or desc.review_date


def versions(session: Session, team_id: str, channel_id: str) -> list[DomainDescription]:
    """Every version of the circle's description, oldest first."""
    return list(session.scalars(_of_circle(team_id, channel_id).order_by(DomainDescription.id)))


def current(session: Session, team_id: str, channel_id: str) -> DomainDescription | None:
    """The description in force (its agreement not dropped)."""
    stmt = (
        _of_circle(team_id, channel_id)
        .outerjoin(Agreement, Agreement.id == DomainDescription.agreement_id)
        .where(
            DomainDescription.status == DescriptionStatus.CURRENT.value,
            (Agreement.id.is_(None)) | (Agreement.status != "dropped"),
        )
        .order_by(DomainDescription.version.desc())
    )
    return session.scalars(stmt).first()


def pending(session: Session, team_id: str, channel_id: str) -> DomainDescription | None:
    """A description still in its consent round."""
    stmt = _of_circle(team_id, channel_id).where(
        DomainDescription.status == DescriptionStatus.PROPOSED.value
    )
    return session.scalars(stmt).first()


def description(session: Session, team_id: str, desc_id: int) -> DomainDescription | None:
    """One circle description by id, in this workspace."""
    stmt = select(DomainDescription).where(
        DomainDescription.team_id == team_id,
        DomainDescription.id == desc_id,
        DomainDescription.role_id.is_(None),
    )
    return session.scalars(stmt).first()


def next_version(session: Session, team_id: str, channel_id: str) -> int:
    """The number the circle's next description gets."""
    stmt = select(func.max(DomainDescription.version)).where(
        DomainDescription.team_id == team_id,
        DomainDescription.channel_id == channel_id,
        DomainDescription.role_id.is_(None),
    )
    return (session.scalar(stmt) or 0) + 1


def circle(session: Session, team_id: str, channel_id: str) -> Circle | None:
    """The channel's circle row, if it has one."""
    stmt = select(Circle).where(Circle.team_id == team_id, Circle.channel_id == channel_id)
    return session.scalars(stmt).first()


def children(session: Session, team_id: str, channel_id: str) -> list[str]:
    """The circles that name this one as their parent."""
    stmt = (
        select(Circle.channel_id)
        .where(Circle.team_id == team_id, Circle.parent_channel_id == channel_id)
        .order_by(Circle.channel_id)
    )
    return list(session.scalars(stmt))


def parents(session: Session, team_id: str) -> dict[str, str]:
    """Each circle of the workspace that has a parent: channel -> parent."""
    rows = session.execute(
        select(Circle.channel_id, Circle.parent_channel_id).where(
            Circle.team_id == team_id, Circle.parent_channel_id.is_not(None)
        )
    )
    return {c: p for c, p in rows}


def purposes(session: Session, team_id: str) -> dict[str, str]:
    """The purpose in force of every circle of the workspace, by channel (pass-on hints)."""
    stmt = (
        select(DomainDescription)
        .outerjoin(Agreement, Agreement.id == DomainDescription.agreement_id)
        .where(
            DomainDescription.team_id == team_id,
            DomainDescription.role_id.is_(None),
            DomainDescription.status == DescriptionStatus.CURRENT.value,
            (Agreement.id.is_(None)) | (Agreement.status != "dropped"),
        )
        .order_by(DomainDescription.version)  # two current versions: the newest wins
    )
    return {
        d.channel_id: " ".join(filter(None, (d.purpose, d.responsibilities)))
        for d in session.scalars(stmt)
    }
