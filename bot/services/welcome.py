"""The first minutes: the bot's welcome in a channel it joins, and the Home tab's welcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.services import payloads
from bot.store import welcome_repo, workspace_repo
from bot.store.db import transaction

Factory = sessionmaker[Session]


def channel_welcome_key(channel_id: str) -> str:
    """The outbox key of a channel's welcome (one per channel, ever)."""
    return f"welcome:{channel_id}"


def welcome_channel(factory: Factory, *, team_id: str, channel_id: str, now: datetime) -> bool:
    """The bot joined a channel: record it and queue the welcome, once per channel.

    False when the channel was welcomed before (a replayed event, a second invite)."""
    with transaction(factory) as session:
        workspace_repo.ensure_workspace(session, team_id, now)
        if not welcome_repo.claim(session, team_id, welcome_repo.CHANNEL, channel_id, now):
            return False
        payloads.queue(
            session,
            team_id=team_id,
            key=channel_welcome_key(channel_id),
            target=channel_id,
            payload=payloads.ChannelWelcome(channel_id=channel_id),
            now=now,
        )
        return True


def welcomed_channels(factory: Factory, *, team_id: str, limit: int) -> list[str]:
    """The channels the bot was welcomed in, newest first."""
    with transaction(factory) as session:
        return welcome_repo.subjects(session, team_id, welcome_repo.CHANNEL, limit)


def home_welcome_pending(factory: Factory, *, team_id: str, user_id: str) -> bool:
    """Whether the person still sees the Home tab's welcome."""
    with transaction(factory) as session:
        return not welcome_repo.given(session, team_id, welcome_repo.HOME, user_id)


def home_welcome_done(factory: Factory, *, team_id: str, user_id: str, now: datetime) -> None:
    """The person used one of the welcome's buttons or dismissed it: no longer shown."""
    with transaction(factory) as session:
        workspace_repo.ensure_workspace(session, team_id, now)
        welcome_repo.claim(session, team_id, welcome_repo.HOME, user_id, now)
