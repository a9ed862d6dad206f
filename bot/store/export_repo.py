"""Queries for the logbook export (bot/export.py). Every query is scoped by team_id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot.store.models import Agreement, Circle, DomainDescription, Role, Workspace


def take_snapshot(session: Session) -> None:
    """Make every later query of this transaction read one snapshot.

    On PostgreSQL the transaction runs at REPEATABLE READ (READ COMMITTED takes one snapshot
    per statement); SQLite's transactions read one snapshot already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def workspace_exists(session: Session, team_id: str) -> bool:
    """Tell whether the workspace is in the database."""
    return session.scalar(select(Workspace.team_id).where(Workspace.team_id == team_id)) is not None


def channels_with_records(session: Session, team_id: str, channel_id: str | None) -> list[str]:
    """The workspace's channels (or just `channel_id`) that have a backlog or agreements, sorted."""
    found: set[str] = set()
    for column, team in (
        (Circle.channel_id, Circle.team_id),
        (Agreement.channel_id, Agreement.team_id),
        (Role.channel_id, Role.team_id),
    ):
        query = select(column).where(team == team_id)
        if channel_id:
            query = query.where(column == channel_id)
        found |= set(session.scalars(query))
    return sorted(found)


def parents(session: Session, team_id: str) -> dict[str, str]:
    """Each circle of the workspace that has a parent circle: channel -> parent channel."""
    rows = session.execute(
        select(Circle.channel_id, Circle.parent_channel_id).where(
            Circle.team_id == team_id, Circle.parent_channel_id.is_not(None)
        )
    )
    return {channel: parent for channel, parent in rows}


def current_domains(session: Session, team_id: str) -> dict[str, DomainDescription]:
    """The circles' domain descriptions in force (not a role's), by channel."""
    rows = session.scalars(
        select(DomainDescription).where(
            DomainDescription.team_id == team_id,
            DomainDescription.role_id.is_(None),
            DomainDescription.status == "current",
        )
    )
    return {d.channel_id: d for d in rows}


def roles(session: Session, team_id: str) -> list[tuple[Role, DomainDescription | None]]:
    """The workspace's roles in force with their current description, by channel and name."""
    described = (
        select(DomainDescription)
        .where(
            DomainDescription.team_id == team_id,
            DomainDescription.role_id.is_not(None),
            DomainDescription.status == "current",
        )
        .subquery()
    )
    current = aliased(DomainDescription, described)
    query = (
        select(Role, current)
        .outerjoin(current, current.role_id == Role.id)
        .where(Role.team_id == team_id, Role.status == "active")
        .order_by(Role.channel_id, Role.name_key)
    )
    return [(role, description) for role, description in session.execute(query)]


def meeting_series(session: Session, team_id: str, channel_id: str | None) -> list[Circle]:
    """The circles (or one) with a governance meeting rhythm and a next meeting planned."""
    query = select(Circle).where(
        Circle.team_id == team_id,
        Circle.meeting_every_weeks.is_not(None),
        Circle.meeting_weekday.is_not(None),
        Circle.meeting_time.is_not(None),
        Circle.next_meeting_at.is_not(None),
    )
    if channel_id:
        query = query.where(Circle.channel_id == channel_id)
    return list(session.scalars(query.order_by(Circle.channel_id)))
