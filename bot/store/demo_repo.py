"""Queries only `s3bot demo` (bot/demo/story.py) needs. Every query is scoped by team_id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import BacklogItem


def item_by_number(session: Session, team_id: str, channel_id: str, number: int) -> BacklogItem:
    """The backlog item with this number in a channel (raises when there is none)."""
    return session.scalars(
        select(BacklogItem).where(
            BacklogItem.team_id == team_id,
            BacklogItem.channel_id == channel_id,
            BacklogItem.number == number,
        )
    ).one()
