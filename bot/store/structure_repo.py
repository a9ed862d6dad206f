"""Reading the roles and circles a person's Home tab shows. Every query is scoped by team_id."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.store.models import Circle, Nomination, Role, Selection, SelectionParticipant

ROLE_ACTIVE = "active"
SELECTION_OPEN = ("nominating", "changing")


def held_roles(session: Session, team_id: str, user_id: str, limit: int) -> list[Role]:
    """The active roles the person holds, the soonest term end first."""
    rows = session.scalars(
        select(Role)
        .where(Role.team_id == team_id, Role.holder_id == user_id, Role.status == ROLE_ACTIVE)
        .order_by(Role.term_end.is_(None), Role.term_end, Role.id)
        .limit(limit)
    )
    return list(rows)


def waiting_selections(
    session: Session, team_id: str, user_id: str, limit: int
) -> list[tuple[Selection, str, bool]]:
    """Open selections the person takes part in, with the role's name and whether they
    have nominated yet; soonest deadline first."""
    rows = session.execute(
        select(Selection, Role.name, Nomination.user_id.is_not(None))
        .join(
            SelectionParticipant,
            and_(
                SelectionParticipant.selection_id == Selection.id,
                SelectionParticipant.user_id == user_id,
            ),
        )
        .join(Role, Role.id == Selection.role_id)
        .outerjoin(
            Nomination,
            and_(Nomination.selection_id == Selection.id, Nomination.user_id == user_id),
        )
        .where(
            Selection.team_id == team_id,
            SelectionParticipant.team_id == team_id,
            Selection.status.in_(SELECTION_OPEN),
        )
        .order_by(Selection.nominate_until, Selection.id)
        .limit(limit)
    )
    return [(s, name, bool(done)) for s, name, done in rows]


def circle_links(
    session: Session, team_id: str, channels: list[str]
) -> list[tuple[str, str | None, list[str]]]:
    """For each channel: its parent circle and its sub-circles (circles naming it parent)."""
    if not channels:
        return []
    parents = dict(
        session.execute(
            select(Circle.channel_id, Circle.parent_channel_id).where(
                Circle.team_id == team_id, Circle.channel_id.in_(channels)
            )
        ).all()
    )
    children: dict[str, list[str]] = {c: [] for c in channels}
    for child, parent in session.execute(
        select(Circle.channel_id, Circle.parent_channel_id)
        .where(Circle.team_id == team_id, Circle.parent_channel_id.in_(channels))
        .order_by(Circle.channel_id)
    ):
        children[parent].append(child)
    return [(c, parents.get(c), children[c]) for c in channels]


def terms_ending(
    session: Session, team_id: str, channel_id: str, by: date, limit: int
) -> list[Role]:
    """The circle's held roles whose term ends on or before `by`, soonest first."""
    rows = session.scalars(
        select(Role)
        .where(
            Role.team_id == team_id,
            Role.channel_id == channel_id,
            Role.status == ROLE_ACTIVE,
            Role.holder_id.is_not(None),
            Role.term_end <= by,
        )
        .order_by(Role.term_end, Role.id)
        .limit(limit)
    )
    return list(rows)


def open_selections(
    session: Session, team_id: str, channel_id: str, limit: int
) -> list[tuple[Selection, str]]:
    """The circle's selections still collecting or changing nominations, with the role's name."""
    rows = session.execute(
        select(Selection, Role.name)
        .join(Role, Role.id == Selection.role_id)
        .where(
            Selection.team_id == team_id,
            Selection.channel_id == channel_id,
            Selection.status.in_(SELECTION_OPEN),
        )
        .order_by(Selection.nominate_until, Selection.id)
        .limit(limit)
    )
    return [(s, name) for s, name in rows]


def delegate_circles(session: Session, team_id: str, user_id: str, channel_id: str) -> list[str]:
    """The circles (channels) whose delegate role this person holds in `channel_id`."""
    query = (
        select(Role.channel_id)
        .where(
            Role.team_id == team_id,
            Role.holder_id == user_id,
            Role.represents_channel_id == channel_id,
            Role.status == "active",
        )
        .distinct()
        .order_by(Role.channel_id)
    )
    return list(session.scalars(query))
