"""The workspace itself: its language, and the events it has already handled."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.store import workspace_repo
from bot.store.db import transaction

Factory = sessionmaker[Session]


def first_delivery(factory: Factory, *, team_id: str, event_id: str, now: datetime) -> bool:
    """True the first time an event id is seen in this workspace."""
    with transaction(factory) as session:
        return workspace_repo.first_delivery(session, team_id, event_id, now)


def workspace_locale(factory: Factory, *, team_id: str) -> str | None:
    """The workspace's chosen default language, if any."""
    with transaction(factory) as session:
        return workspace_repo.workspace_locale(session, team_id)


def set_workspace_locale(factory: Factory, *, team_id: str, locale: str, now: datetime) -> None:
    """Choose the language of the workspace's public messages and of unknown users."""
    with transaction(factory) as session:
        workspace_repo.set_workspace_locale(session, team_id, locale, now)


EVENT_ID_RETENTION = timedelta(days=2)


def purge_old_event_ids(factory: Factory, *, now: datetime) -> int:
    """Sweep: forget event ids past Slack's retry window, one workspace at a time."""
    with transaction(factory) as session:
        teams = workspace_repo.workspace_ids(session)
    purged = 0
    for team_id in teams:
        with transaction(factory) as session:
            purged += workspace_repo.purge_processed_events(
                session, team_id, now - EVENT_ID_RETENTION
            )
    return purged


def team_records(factory: Factory, *, team_id: str) -> dict[str, int]:
    """How many rows the workspace has, by table (empty: nothing stored for it)."""
    from bot.store import purge_repo

    with transaction(factory) as session:
        return purge_repo.count_team(session, team_id)


def purge_team(factory: Factory, *, team_id: str) -> dict[str, int]:
    """Delete everything stored for the workspace in one transaction; rows deleted by table."""
    from bot.store import purge_repo

    with transaction(factory) as session:
        return purge_repo.delete_team(session, team_id)
