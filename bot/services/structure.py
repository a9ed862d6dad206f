"""Read models of roles and circles for the person's Home tab."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.services.views import CircleLinks, HeldRole, Structure, WaitingSelection
from bot.store import structure_repo

Factory = sessionmaker[Session]

HOME_ROLES = 10
HOME_SELECTIONS = 5


def for_home(factory: Factory, *, team_id: str, user_id: str, channels: list[str]) -> Structure:
    """The roles the person holds, the selections waiting for them, their circles' links."""
    with factory() as session:
        roles = [
            HeldRole(channel_id=r.channel_id, name=r.name, term_end=r.term_end)
            for r in structure_repo.held_roles(session, team_id, user_id, HOME_ROLES)
        ]
        selections = [
            WaitingSelection(
                selection_id=s.id,
                channel_id=s.channel_id,
                role_name=name,
                status=s.status,
                until=s.nominate_until if s.status == "nominating" else s.change_until,
                nominated=done,
            )
            for s, name, done in structure_repo.waiting_selections(
                session, team_id, user_id, HOME_SELECTIONS
            )
        ]
        circles = [
            CircleLinks(channel_id=c, parent_channel_id=p, children=tuple(kids))
            for c, p, kids in structure_repo.circle_links(session, team_id, channels)
        ]
    return Structure(roles=roles, selections=selections, circles=circles)
