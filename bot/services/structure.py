"""Read models of roles and circles for the person's Home tab."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from bot.services.views import CircleLinks, HeldRole, Structure, WaitingSelection
from bot.store import structure_repo
from bot.store.db import transaction

Factory = sessionmaker[Session]

HOME_ROLES = 10
HOME_SELECTIONS = 5
AGENDA_ROLES = 10


def _waiting(selection, name: str, nominated: bool) -> WaitingSelection:  # type: ignore[no-untyped-def]
    return WaitingSelection(
        selection_id=selection.id,
        channel_id=selection.channel_id,
        role_name=name,
        status=selection.status,
        until=(
            selection.nominate_until if selection.status == "nominating" else selection.change_until
        ),
        nominated=nominated,
    )


def for_agenda(
    session: Session, *, team_id: str, channel_id: str, by: date
) -> tuple[list[HeldRole], list[WaitingSelection]]:
    """What a meeting's agenda lists of roles: terms ending by its date, open selections."""
    ending = [
        HeldRole(channel_id=r.channel_id, name=r.name, term_end=r.term_end, holder_id=r.holder_id)
        for r in structure_repo.terms_ending(session, team_id, channel_id, by, AGENDA_ROLES)
    ]
    selections = [
        _waiting(s, name, False)
        for s, name in structure_repo.open_selections(session, team_id, channel_id, AGENDA_ROLES)
    ]
    return ending, selections


def for_home(factory: Factory, *, team_id: str, user_id: str, channels: list[str]) -> Structure:
    """The roles the person holds, the selections waiting for them, their circles' links."""
    with factory() as session:
        roles = [
            HeldRole(channel_id=r.channel_id, name=r.name, term_end=r.term_end)
            for r in structure_repo.held_roles(session, team_id, user_id, HOME_ROLES)
        ]
        selections = [
            _waiting(s, name, done)
            for s, name, done in structure_repo.waiting_selections(
                session, team_id, user_id, HOME_SELECTIONS
            )
        ]
        circles = [
            CircleLinks(channel_id=c, parent_channel_id=p, children=tuple(kids))
            for c, p, kids in structure_repo.circle_links(session, team_id, channels)
        ]
    return Structure(roles=roles, selections=selections, circles=circles)


def delegate_circles(factory: Factory, *, team_id: str, user_id: str, channel_id: str) -> list[str]:
    """The circles this person may raise a tension for in `channel_id`, as their delegate."""
    with transaction(factory) as session:
        return structure_repo.delegate_circles(session, team_id, user_id, channel_id)
