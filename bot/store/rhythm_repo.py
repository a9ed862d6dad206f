"""Meeting rhythm queries: a circle's cadence, meetings that passed, agendas to post."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.store.models import Circle


def circle_of_channel(session: Session, team_id: str, channel_id: str) -> Circle | None:
    """The channel's circle, if it has one."""
    return session.scalar(
        select(Circle).where(Circle.team_id == team_id, Circle.channel_id == channel_id)
    )


def circle_by_id(session: Session, team_id: str, circle_id: int) -> Circle | None:
    """One circle of the workspace."""
    return session.scalar(select(Circle).where(Circle.team_id == team_id, Circle.id == circle_id))


def passed_meetings(session: Session, now: datetime, limit: int) -> list[Any]:
    """(team, circle, meeting, cadence fields) of circles whose planned meeting has passed."""
    return session.execute(
        select(
            Circle.team_id,
            Circle.id,
            Circle.next_meeting_at,
            Circle.meeting_every_weeks,
            Circle.meeting_weekday,
            Circle.meeting_time,
            Circle.meeting_tz,
        )
        .where(Circle.next_meeting_at.is_not(None), Circle.next_meeting_at <= now)
        .order_by(Circle.next_meeting_at)
        .limit(limit)
    ).all()


def move_meeting(
    session: Session, team_id: str, circle_id: int, previous: datetime, following: datetime | None
) -> int:
    """Compare-and-set the circle's next meeting; 1 when this call moved it."""
    result = session.execute(
        update(Circle)
        .where(
            Circle.team_id == team_id,
            Circle.id == circle_id,
            Circle.next_meeting_at == previous,
        )
        .values(next_meeting_at=following)
    )
    return result.rowcount  # type: ignore[attr-defined]


def _agenda_not_posted() -> Any:
    return or_(
        Circle.agenda_posted_for.is_(None), Circle.agenda_posted_for != Circle.next_meeting_at
    )


def agendas_due(session: Session, now: datetime, lead: timedelta, limit: int) -> list[Any]:
    """(team, circle, channel, meeting) of meetings within `lead` whose agenda is not posted."""
    return session.execute(
        select(Circle.team_id, Circle.id, Circle.channel_id, Circle.next_meeting_at)
        .where(
            Circle.next_meeting_at.is_not(None),
            Circle.next_meeting_at > now,
            Circle.next_meeting_at <= now + lead,
            _agenda_not_posted(),
        )
        .order_by(Circle.next_meeting_at)
        .limit(limit)
    ).all()


def claim_agenda(session: Session, team_id: str, circle_id: int, meeting_at: datetime) -> bool:
    """Mark the meeting's agenda as posted; False when another sweep got it first."""
    claimed = session.execute(
        update(Circle)
        .where(
            Circle.team_id == team_id,
            Circle.id == circle_id,
            Circle.next_meeting_at == meeting_at,
            _agenda_not_posted(),
        )
        .values(agenda_posted_for=meeting_at)
        .returning(Circle.id)
    ).scalar()
    return claimed is not None
