"""Quick consent checks in a meeting: open one (once per kind at a time), answers, the close."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.store import db
from bot.store.models import AgendaObjection, Meeting, MeetingConsent, MeetingConsentAnswer

OPEN = "open"


def get(
    session: Session, team_id: str, consent_id: int, lock: bool = False
) -> MeetingConsent | None:
    """One quick consent of the workspace (locked for this transaction when asked)."""
    stmt = select(MeetingConsent).where(
        MeetingConsent.team_id == team_id, MeetingConsent.id == consent_id
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalar(stmt)


def open_of_kind(session: Session, meeting_id: int, kind: str) -> MeetingConsent | None:
    """The meeting's open check of this kind, if one is open."""
    return session.scalar(
        select(MeetingConsent).where(
            MeetingConsent.meeting_id == meeting_id, MeetingConsent.open_kind == kind
        )
    )


def add(session: Session, open_kind: str, **fields: Any) -> MeetingConsent:
    """A new open check (the unique open kind refuses a second one of its kind)."""
    check = MeetingConsent(status=OPEN, open_kind=open_kind, **fields)
    session.add(check)
    session.flush()
    return check


def of_meeting(session: Session, meeting_id: int) -> list[MeetingConsent]:
    """A meeting's checks, in the order they were opened."""
    return list(
        session.scalars(
            select(MeetingConsent)
            .where(MeetingConsent.meeting_id == meeting_id)
            .order_by(MeetingConsent.id)
        )
    )


def answer(
    session: Session,
    check: MeetingConsent,
    user_id: str,
    answer: str,
    reason: str | None,
    now: datetime,
) -> None:
    """Store someone's answer; a second one replaces the first."""
    fields = {"answer": answer, "reason": reason, "at": now}
    insert = db.insert_for(session)(MeetingConsentAnswer).values(
        consent_id=check.id, user_id=user_id, team_id=check.team_id, **fields
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[MeetingConsentAnswer.consent_id, MeetingConsentAnswer.user_id],
            set_=fields,
        )
    )


def answers(session: Session, consent_id: int) -> list[MeetingConsentAnswer]:
    """A check's answers, in the order they were (last) given."""
    return list(
        session.scalars(
            select(MeetingConsentAnswer)
            .where(MeetingConsentAnswer.consent_id == consent_id)
            .order_by(MeetingConsentAnswer.at, MeetingConsentAnswer.user_id)
        )
    )


def close(session: Session, check: MeetingConsent, status: str, now: datetime) -> bool:
    """Compare-and-set the close; False when it was closed already."""
    result = session.execute(
        update(MeetingConsent)
        .where(MeetingConsent.id == check.id, MeetingConsent.status == OPEN)
        .values(status=status, open_kind=None, closed_at=now)
    )
    session.refresh(check)
    return result.rowcount == 1  # type: ignore[attr-defined]


def set_message(session: Session, team_id: str, consent_id: int, ts: str) -> None:
    """Link a check to its message in the meeting's thread."""
    session.execute(
        update(MeetingConsent)
        .where(MeetingConsent.team_id == team_id, MeetingConsent.id == consent_id)
        .values(message_ts=ts)
    )


def object_to_agenda(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    meeting_at: datetime,
    user_id: str,
    reason: str,
    now: datetime,
    meeting_id: int | None,
) -> None:
    """Store someone's objection to an agenda; a second one replaces the first."""
    fields = {"reason": reason, "at": now, "meeting_id": meeting_id}
    insert = db.insert_for(session)(AgendaObjection).values(
        team_id=team_id, channel_id=channel_id, meeting_at=meeting_at, user_id=user_id, **fields
    )
    keys = [
        AgendaObjection.team_id,
        AgendaObjection.channel_id,
        AgendaObjection.meeting_at,
        AgendaObjection.user_id,
    ]
    session.execute(insert.on_conflict_do_update(index_elements=keys, set_=fields))


def claim_agenda_objections(session: Session, meeting: Meeting, until: datetime) -> None:
    """The objections to the channel's agendas of meetings up to `until` that no meeting took
    up yet are this meeting's."""
    session.execute(
        update(AgendaObjection)
        .where(
            AgendaObjection.team_id == meeting.team_id,
            AgendaObjection.channel_id == meeting.channel_id,
            AgendaObjection.meeting_id.is_(None),
            AgendaObjection.meeting_at <= until,
        )
        .values(meeting_id=meeting.id)
    )


def agenda_objections(session: Session, meeting_id: int) -> list[AgendaObjection]:
    """The objections to the agenda a meeting took up, in the order they were raised."""
    return list(
        session.scalars(
            select(AgendaObjection)
            .where(AgendaObjection.meeting_id == meeting_id)
            .order_by(AgendaObjection.at, AgendaObjection.user_id)
        )
    )


def minutes_consented(session: Session, meeting_id: int) -> bool:
    """Whether a later meeting consented to this meeting's minutes."""
    found = session.scalar(
        select(MeetingConsent.id)
        .where(
            MeetingConsent.subject_meeting_id == meeting_id,
            MeetingConsent.status == "consented",
        )
        .limit(1)
    )
    return found is not None
