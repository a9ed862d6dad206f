"""Welcome queries: which channels were welcomed, which people are past their Home welcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.db import insert_for
from bot.store.models import Welcome

CHANNEL = "channel"
HOME = "home"


def claim(session: Session, team_id: str, kind: str, subject_id: str, now: datetime) -> bool:
    """Record a welcome; False when it was recorded before (a replay, a second invite)."""
    stmt = (
        insert_for(session)(Welcome)
        .values(team_id=team_id, kind=kind, subject_id=subject_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "kind", "subject_id"])
        .returning(Welcome.subject_id)
    )
    return session.execute(stmt).scalar() is not None


def given(session: Session, team_id: str, kind: str, subject_id: str) -> bool:
    """Whether this welcome was recorded."""
    found = session.scalar(
        select(Welcome.subject_id).where(
            Welcome.team_id == team_id, Welcome.kind == kind, Welcome.subject_id == subject_id
        )
    )
    return found is not None


def subjects(session: Session, team_id: str, kind: str, limit: int) -> list[str]:
    """The latest welcomed subjects of a kind (e.g. channels), newest first."""
    rows = session.scalars(
        select(Welcome.subject_id)
        .where(Welcome.team_id == team_id, Welcome.kind == kind)
        .order_by(Welcome.created_at.desc(), Welcome.subject_id)
        .limit(limit)
    )
    return list(rows)
