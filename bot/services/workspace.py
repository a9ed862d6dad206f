"""The workspace itself: its language, and the events it has already handled."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.store import workspace_repo
from bot.store.db import transaction

Factory = sessionmaker[Session]
log = logging.getLogger(__name__)


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


def remember_enterprise(
    factory: Factory, *, team_id: str, enterprise_id: str, now: datetime
) -> None:
    """Note the Enterprise Grid org a workspace belongs to (its sweeps need the org's token)."""
    with transaction(factory) as session:
        workspace_repo.remember_enterprise(session, team_id, enterprise_id, now)


def teams_of_enterprise(factory: Factory, *, enterprise_id: str) -> list[str]:
    """The workspaces of an Enterprise Grid org the bot has heard from."""
    with transaction(factory) as session:
        return workspace_repo.teams_of_enterprise(session, enterprise_id)


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


def uninstalled(factory: Factory, *, team_id: str, now: datetime) -> None:
    """The app was uninstalled from the workspace: its data is kept for the retention period."""
    with transaction(factory) as session:
        workspace_repo.mark_uninstalled(session, team_id, now)


def installed(factory: Factory, *, team_id: str, now: datetime) -> None:
    """The app was installed in the workspace (again): nothing of it is to be deleted."""
    with transaction(factory) as session:
        workspace_repo.mark_installed(session, team_id, now)


def purge_uninstalled(factory: Factory, *, now: datetime, retention: timedelta) -> list[str]:
    """Sweep: delete every record of the workspaces uninstalled longer than `retention` ago,
    one workspace per transaction; a reinstall meanwhile keeps its data. The purged ids."""
    from bot.store import purge_repo

    cutoff = now - retention
    with transaction(factory) as session:
        teams = workspace_repo.uninstalled_before(session, cutoff)
    purged = []
    for team_id in teams:
        with transaction(factory) as session:
            if not workspace_repo.lock_if_uninstalled_before(session, team_id, cutoff):
                continue
            deleted = purge_repo.delete_team(session, team_id)
        log.info("retention over: deleted workspace %s (%d rows)", team_id, sum(deleted.values()))
        purged.append(team_id)
    return purged
