"""Queries only `s3bot demo` (bot/demo/story.py) needs. Every query is scoped by team_id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import BacklogItem, ConsentRound, Selection


def item_by_number(session: Session, team_id: str, channel_id: str, number: int) -> BacklogItem:
    """The backlog item with this number in a channel (raises when there is none)."""
    return session.scalars(
        select(BacklogItem).where(
            BacklogItem.team_id == team_id,
            BacklogItem.channel_id == channel_id,
            BacklogItem.number == number,
        )
    ).one()


def latest_round_id(session: Session, team_id: str) -> int:
    """The id of the workspace's newest consent round."""
    return session.scalars(
        select(ConsentRound.id)
        .where(ConsentRound.team_id == team_id)
        .order_by(ConsentRound.id.desc())
        .limit(1)
    ).one()


def latest_selection_id(session: Session, team_id: str) -> int:
    """The id of the workspace's newest role selection."""
    return session.scalars(
        select(Selection.id)
        .where(Selection.team_id == team_id)
        .order_by(Selection.id.desc())
        .limit(1)
    ).one()
