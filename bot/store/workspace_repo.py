"""Workspace queries: the workspace row, its language, the events already handled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.domain.errors import AlreadyHandled
from bot.store.db import insert_for
from bot.store.models import ProcessedEvent, Workspace


def ensure_workspace(session: Session, team_id: str, now: datetime) -> None:
    """Create the workspace row if this is its first request."""
    stmt = insert_for(session)(Workspace).values(team_id=team_id, created_at=now)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["team_id"]))


def workspace_locale(session: Session, team_id: str) -> str | None:
    """The workspace's default language, if one was chosen."""
    return session.scalar(select(Workspace.locale).where(Workspace.team_id == team_id))


def set_workspace_locale(session: Session, team_id: str, locale: str, now: datetime) -> None:
    """Choose the workspace's default language."""
    ensure_workspace(session, team_id, now)
    ws = session.get(Workspace, team_id)
    assert ws is not None
    ws.locale = locale


def remember_enterprise(session: Session, team_id: str, enterprise_id: str, now: datetime) -> None:
    """Note the Enterprise Grid org a workspace's requests come from (it does not change)."""
    ensure_workspace(session, team_id, now)
    session.execute(
        update(Workspace)
        .where(
            Workspace.team_id == team_id, Workspace.enterprise_id.is_distinct_from(enterprise_id)
        )
        .values(enterprise_id=enterprise_id)
    )


def enterprise_of(session: Session, team_id: str) -> str | None:
    """The Enterprise Grid org of a workspace, if its requests said so."""
    return session.scalar(select(Workspace.enterprise_id).where(Workspace.team_id == team_id))


def teams_of_enterprise(session: Session, enterprise_id: str) -> list[str]:
    """The workspaces of an Enterprise Grid org the bot has heard from."""
    return list(
        session.scalars(
            select(Workspace.team_id)
            .where(Workspace.enterprise_id == enterprise_id)
            .order_by(Workspace.team_id)
        )
    )


def role_user_groups(session: Session, team_id: str) -> bool:
    """Whether the workspace keeps a Slack user group per role."""
    return bool(
        session.scalar(select(Workspace.role_user_groups).where(Workspace.team_id == team_id))
    )


def set_role_user_groups(session: Session, team_id: str, on: bool, now: datetime) -> None:
    """Choose whether the workspace keeps a Slack user group per role."""
    ensure_workspace(session, team_id, now)
    ws = session.get(Workspace, team_id)
    assert ws is not None
    ws.role_user_groups = on


def first_delivery(session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    """Record an event id; False when it was already recorded (a Slack retry)."""
    stmt = (
        insert_for(session)(ProcessedEvent)
        .values(team_id=team_id, event_id=event_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
        .returning(ProcessedEvent.event_id)
    )
    return session.execute(stmt).scalar() is not None


def first_deliveries(
    session: Session, team_id: str, event_ids: Sequence[str], now: datetime
) -> set[str]:
    """Record event ids in one statement; those recorded now (the others were before).

    Sorted, so that two transactions recording overlapping ids take their locks in one
    order (PostgreSQL's unique index would otherwise let them wait on each other).
    """
    unique = sorted(set(event_ids))
    if not unique:
        return set()
    table = ProcessedEvent.__table__
    stmt = (
        insert_for(session)(table)
        .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
        .returning(table.c.event_id)
    )
    rows = [{"team_id": team_id, "event_id": e, "received_at": now} for e in unique]
    return set(session.execute(stmt, rows).scalars())


def claim_request(session: Session, team_id: str, key: str | None, now: datetime) -> None:
    """Record a request's key in the transaction of the change it asks for.

    AlreadyHandled when the same key was recorded before: the change is made once, however
    often Slack (or a double click) delivers the request. None: no key to go by.
    """
    if key and not first_delivery(session, team_id, key[:64], now):
        raise AlreadyHandled()


def workspace_ids(session: Session) -> list[str]:
    """Every workspace the bot serves (for sweeps, which then work one workspace at a time)."""
    return list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))


def purge_processed_events(session: Session, team_id: str, before: datetime) -> int:
    """Forget a workspace's event ids older than Slack's retry window."""
    result = session.execute(
        delete(ProcessedEvent).where(
            ProcessedEvent.team_id == team_id, ProcessedEvent.received_at < before
        )
    )
    return result.rowcount  # type: ignore[attr-defined]


def mark_uninstalled(session: Session, team_id: str, now: datetime) -> None:
    """Start the retention period of a workspace that uninstalled the app (the first time
    counts: a repeated event does not push the deletion back)."""
    ensure_workspace(session, team_id, now)
    session.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id, Workspace.uninstalled_at.is_(None))
        .values(uninstalled_at=now)
    )


def mark_installed(session: Session, team_id: str, now: datetime) -> None:
    """The app is installed (again): the workspace's data is kept."""
    ensure_workspace(session, team_id, now)
    session.execute(
        update(Workspace).where(Workspace.team_id == team_id).values(uninstalled_at=None)
    )


def uninstalled_before(session: Session, before: datetime) -> list[str]:
    """The workspaces uninstalled before that time, whose retention period is over."""
    query = select(Workspace.team_id).where(
        Workspace.uninstalled_at.is_not(None), Workspace.uninstalled_at < before
    )
    return list(session.scalars(query.order_by(Workspace.team_id)))


def lock_if_uninstalled_before(session: Session, team_id: str, before: datetime) -> bool:
    """Lock the workspace row if it is still uninstalled since before that time (a reinstall
    meanwhile clears it, and then nothing is deleted)."""
    found = session.scalar(
        select(Workspace.team_id)
        .where(
            Workspace.team_id == team_id,
            Workspace.uninstalled_at.is_not(None),
            Workspace.uninstalled_at < before,
        )
        .with_for_update()
    )
    return found is not None
