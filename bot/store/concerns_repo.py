"""Concerns after consent: whether each should be heard (one row per person per round)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import ConcernHearing


def of_round(session: Session, team_id: str, round_id: int) -> list[ConcernHearing]:
    """A round's questions about its concerns, in the order they were asked."""
    return list(
        session.scalars(
            select(ConcernHearing)
            .where(ConcernHearing.team_id == team_id, ConcernHearing.round_id == round_id)
            .order_by(ConcernHearing.id)
        )
    )


def get(
    session: Session, team_id: str, hearing_id: int, *, lock: bool = False
) -> ConcernHearing | None:
    """One question, in this workspace (locked for an answer)."""
    stmt = select(ConcernHearing).where(
        ConcernHearing.team_id == team_id, ConcernHearing.id == hearing_id
    )
    return session.scalar(stmt.with_for_update() if lock else stmt)
