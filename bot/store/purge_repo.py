"""Deleting one workspace's records at once (`s3bot purge`). Every statement is scoped by team_id."""

from __future__ import annotations

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from bot.store.installations import store_metadata
from bot.store.models import Agreement, Base, ConsentRound


def _tables() -> list[Table]:
    """Every table that holds a workspace's rows, children before their parents."""
    ours = [t for t in reversed(Base.metadata.sorted_tables) if "team_id" in t.c]
    theirs = [t for t in reversed(store_metadata().sorted_tables) if "team_id" in t.c]
    return ours + theirs


def count_team(session: Session, team_id: str) -> dict[str, int]:
    """How many rows of the workspace each table holds (tables without any left out)."""
    counts = {}
    for table in _tables():
        n = session.scalar(
            select(func.count()).select_from(table).where(table.c.team_id == team_id)
        )
        if n:
            counts[table.name] = n
    return counts


def delete_team(session: Session, team_id: str) -> dict[str, int]:
    """Delete every row of the workspace, its Slack installation included; rows deleted by table."""
    # Rounds and agreements point at each other (a round evolves an agreement, an agreement
    # was made by a round): cut those links first, so no order of deletes trips over them.
    session.execute(
        update(ConsentRound)
        .where(ConsentRound.team_id == team_id)
        .values(evolves_agreement_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Agreement)
        .where(Agreement.team_id == team_id)
        .values(round_id=None)
        .execution_options(synchronize_session=False)
    )
    deleted = {}
    for table in _tables():
        result = session.execute(delete(table).where(table.c.team_id == team_id))
        if result.rowcount:
            deleted[table.name] = result.rowcount
    return deleted
