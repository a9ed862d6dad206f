"""Objection queries: objections under test and their history. Scoped by team_id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.db import insert_for
from bot.store.models import Objection, ObjectionEvent


def get(session: Session, team_id: str, objection_id: int) -> Objection | None:
    """One objection (its round is locked by the caller when it changes)."""
    return session.scalar(
        select(Objection)
        .where(Objection.team_id == team_id, Objection.id == objection_id)
        .execution_options(populate_existing=True)
    )


def of_item(session: Session, team_id: str, item_id: int) -> Objection | None:
    """The objection whose contest raised this backlog item, if any."""
    return session.scalar(
        select(Objection)
        .where(Objection.team_id == team_id, Objection.item_id == item_id)
        .order_by(Objection.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def of_round(session: Session, team_id: str, round_id: int) -> list[Objection]:
    """A round's objections, in the order they were raised."""
    return list(
        session.scalars(
            select(Objection)
            .where(Objection.team_id == team_id, Objection.round_id == round_id)
            .order_by(Objection.id)
            .execution_options(populate_existing=True)
        )
    )


def of_person(session: Session, team_id: str, round_id: int, user_id: str) -> Objection | None:
    """The objection a person raised in a round, if any."""
    return session.scalar(
        select(Objection).where(
            Objection.team_id == team_id,
            Objection.round_id == round_id,
            Objection.user_id == user_id,
        )
    )


def upsert(
    session: Session,
    *,
    team_id: str,
    round_id: int,
    user_id: str,
    reason: str,
    status: str,
    now: datetime,
) -> Objection:
    """The person's objection in the round, raised (again) with this reason."""
    stmt = (
        insert_for(session)(Objection)
        .values(
            team_id=team_id,
            round_id=round_id,
            user_id=user_id,
            reason=reason,
            status=status,
            created_at=now,
            updated_at=now,
        )  # fmt: skip
        .on_conflict_do_update(
            index_elements=["round_id", "user_id"],
            set_={"reason": reason, "status": status, "updated_at": now},
        )
    )
    session.execute(stmt)
    found = of_person(session, team_id, round_id, user_id)
    assert found is not None
    session.refresh(found)
    return found


def add_event(
    session: Session,
    objection: Objection,
    *,
    action: str,
    actor_id: str,
    reason: str | None,
    now: datetime,
) -> ObjectionEvent:
    """Record one step of the objection's test (with the status it left)."""
    event = ObjectionEvent(
        team_id=objection.team_id,
        objection_id=objection.id,
        action=action,
        actor_id=actor_id,
        status=objection.status,
        reason=reason,
        at=now,
    )
    session.add(event)
    session.flush()
    return event


def events(session: Session, team_id: str, objection_id: int) -> list[ObjectionEvent]:
    """An objection's history, oldest first."""
    return list(
        session.scalars(
            select(ObjectionEvent)
            .where(ObjectionEvent.team_id == team_id, ObjectionEvent.objection_id == objection_id)
            .order_by(ObjectionEvent.id)
        )
    )


def event(session: Session, team_id: str, event_id: int) -> ObjectionEvent | None:
    """One step of an objection's history."""
    return session.scalar(
        select(ObjectionEvent).where(
            ObjectionEvent.team_id == team_id, ObjectionEvent.id == event_id
        )
    )
