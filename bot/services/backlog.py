"""Use cases of the governance backlog: one function per user intention."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.domain.backlog import ItemView, RaisedTension, clean_tension_text
from bot.store import repo
from bot.store.db import transaction

Factory = sessionmaker[Session]


def raise_tension(
    factory: Factory, *, team_id: str, channel_id: str, author_id: str, text: str, now: datetime
) -> RaisedTension:
    """Put a new tension at the bottom of the channel's backlog.

    Raises EmptyText / TextTooLong before touching the database.
    """
    cleaned = clean_tension_text(text)
    with transaction(factory) as session:
        circle = repo.lock_circle(session, team_id, channel_id, now)
        rank = repo.max_rank(session, team_id, channel_id) + 1
        item = repo.add_item(session, circle, author_id=author_id, text=cleaned, rank=rank, now=now)
        count = repo.open_count(session, team_id, channel_id)
        return RaisedTension(item=repo.to_view(item), open_count=count)


def remember_message(factory: Factory, *, team_id: str, item_id: int, message_ts: str) -> None:
    """Link an item to the channel message that announced it."""
    with transaction(factory) as session:
        item = repo.get_item(session, team_id, item_id)
        if item is not None:
            item.message_ts = message_ts


def backlog_page(
    factory: Factory, *, team_id: str, channel_id: str, limit: int, offset: int = 0
) -> tuple[list[ItemView], int]:
    """One page of the channel's open backlog in rank order, and the total open count."""
    with transaction(factory) as session:
        items = repo.open_items(session, team_id, channel_id, limit=limit, offset=offset)
        total = repo.open_count(session, team_id, channel_id)
        return [repo.to_view(i) for i in items], total


def open_tensions_of(factory: Factory, *, team_id: str, user_id: str, limit: int) -> list[ItemView]:
    """The open tensions a person raised, newest first."""
    with transaction(factory) as session:
        return [
            repo.to_view(i) for i in repo.items_by_author(session, team_id, user_id, limit=limit)
        ]


def first_delivery(factory: Factory, *, team_id: str, event_id: str, now: datetime) -> bool:
    """True the first time an event id is seen in this workspace."""
    with transaction(factory) as session:
        return repo.first_delivery(session, team_id, event_id, now)


def workspace_locale(factory: Factory, *, team_id: str) -> str | None:
    """The workspace's chosen default language, if any."""
    with transaction(factory) as session:
        return repo.workspace_locale(session, team_id)


def set_workspace_locale(factory: Factory, *, team_id: str, locale: str, now: datetime) -> None:
    """Choose the language of the workspace's public messages and of unknown users."""
    with transaction(factory) as session:
        repo.set_workspace_locale(session, team_id, locale, now)


EVENT_ID_RETENTION = timedelta(days=2)


def purge_old_event_ids(factory: Factory, *, now: datetime) -> int:
    """Sweep: forget event ids past Slack's retry window, one workspace at a time."""
    with transaction(factory) as session:
        teams = repo.workspace_ids(session)
    purged = 0
    for team_id in teams:
        with transaction(factory) as session:
            purged += repo.purge_processed_events(session, team_id, now - EVENT_ID_RETENTION)
    return purged
