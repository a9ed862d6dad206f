"""Queries for the logbook export (bot/export.py). Every query is scoped by team_id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import Agreement, Circle, Workspace


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
    circles = select(Circle.channel_id).where(Circle.team_id == team_id)
    agreements = select(Agreement.channel_id).where(Agreement.team_id == team_id)
    if channel_id:
        circles = circles.where(Circle.channel_id == channel_id)
        agreements = agreements.where(Agreement.channel_id == channel_id)
    return sorted(set(session.scalars(circles)) | set(session.scalars(agreements)))
