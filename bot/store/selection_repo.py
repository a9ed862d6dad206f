"""Role selections, their participants and nominations. Every query is scoped by team_id
(the sweeps' "due" queries look across workspaces and return each row's team_id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain.selection import OPEN_PHASES, Phase
from bot.store.models import Nomination, Selection, SelectionParticipant

_OPEN = tuple(p.value for p in OPEN_PHASES)


def get(session: Session, team_id: str, selection_id: int, *, lock: bool = False) -> Selection | None:  # fmt: skip
    """A selection of this workspace by id (locked for the transaction when asked)."""
    stmt = select(Selection).where(Selection.team_id == team_id, Selection.id == selection_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def open_for_role(session: Session, team_id: str, role_id: int) -> Selection | None:
    """The role's selection still under way, if any."""
    return session.scalars(
        select(Selection)
        .where(
            Selection.team_id == team_id,
            Selection.role_id == role_id,
            Selection.status.in_(_OPEN),
        )
        .order_by(Selection.id.desc())
        .limit(1)
    ).first()


def add_participants(session: Session, team_id: str, selection_id: int, users: list[str]) -> None:
    """The people asked to nominate."""
    for user in users:
        session.add(SelectionParticipant(selection_id=selection_id, user_id=user, team_id=team_id))


def participants(session: Session, team_id: str, selection_id: int) -> list[str]:
    """Who nominates in this selection, sorted."""
    return list(
        session.scalars(
            select(SelectionParticipant.user_id)
            .where(
                SelectionParticipant.team_id == team_id,
                SelectionParticipant.selection_id == selection_id,
            )
            .order_by(SelectionParticipant.user_id)
        )
    )


def nominations(session: Session, team_id: str, selection_id: int) -> list[Nomination]:
    """Every participant's nomination as it stands, by user id."""
    return list(
        session.scalars(
            select(Nomination)
            .where(Nomination.team_id == team_id, Nomination.selection_id == selection_id)
            .order_by(Nomination.user_id)
        )
    )


def upsert_nomination(
    session: Session,
    *,
    team_id: str,
    selection_id: int,
    user_id: str,
    nominee_id: str | None,
    reason: str,
    first_nominee_id: str | None,
    first_reason: str | None,
    changed: bool,
    now: datetime,
) -> Nomination:
    """Store a participant's nomination (the latest counts; `changed`: in the change round).

    The caller holds the selection's row lock, so a read-then-write is safe here."""
    row = session.scalars(
        select(Nomination).where(
            Nomination.team_id == team_id,
            Nomination.selection_id == selection_id,
            Nomination.user_id == user_id,
        )
    ).first()
    if row is None:
        row = Nomination(
            selection_id=selection_id, user_id=user_id, team_id=team_id, created_at=now,
            nominee_id=nominee_id, reason=reason, updated_at=now,
        )  # fmt: skip
        session.add(row)
    row.nominee_id, row.reason, row.updated_at = nominee_id, reason, now
    row.first_nominee_id, row.first_reason = first_nominee_id, first_reason
    row.changed_at = now if changed else None
    session.flush()
    return row


def advance(session: Session, sel: Selection, to: Phase, **values: Any) -> bool:
    """Move the selection on from the status and step it was read with (compare-and-set);
    False when another transaction or replica moved it first."""
    result = session.execute(
        update(Selection)
        .where(
            Selection.team_id == sel.team_id,
            Selection.id == sel.id,
            Selection.status == sel.status,
            Selection.step == sel.step,
        )
        .values(status=to.value, step=sel.step + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(sel)
    return True


def due_reveal(session: Session, now: datetime, limit: int) -> list[tuple[str, int]]:
    """(team_id, id) of selections whose hidden nominations are due to be revealed."""
    rows = session.execute(
        select(Selection.team_id, Selection.id)
        .where(Selection.status == Phase.NOMINATING.value, Selection.nominate_until <= now)
        .order_by(Selection.nominate_until, Selection.id)
        .limit(limit)
    )
    return [(t, i) for t, i in rows]


def due_proposing(session: Session, now: datetime, limit: int) -> list[tuple[str, int]]:
    """(team_id, id) of selections whose change round is over."""
    rows = session.execute(
        select(Selection.team_id, Selection.id)
        .where(Selection.status == Phase.CHANGING.value, Selection.change_until <= now)
        .order_by(Selection.change_until, Selection.id)
        .limit(limit)
    )
    return [(t, i) for t, i in rows]


def open_in_channel(session: Session, team_id: str, channel_id: str) -> list[Selection]:
    """The channel's selections under way, the oldest first."""
    return list(
        session.scalars(
            select(Selection)
            .where(
                Selection.team_id == team_id,
                Selection.channel_id == channel_id,
                Selection.status.in_(_OPEN),
            )
            .order_by(Selection.created_at, Selection.id)
        )
    )


def awaiting_nomination(
    session: Session, team_id: str, user_id: str, limit: int = 20
) -> list[Selection]:
    """Selections taking nominations where this person is asked and has not nominated yet
    (for their Home tab), the soonest deadline first."""
    nominated = select(Nomination.selection_id).where(
        Nomination.team_id == team_id, Nomination.user_id == user_id
    )
    return list(
        session.scalars(
            select(Selection)
            .join(
                SelectionParticipant,
                (SelectionParticipant.selection_id == Selection.id)
                & (SelectionParticipant.team_id == team_id),
            )
            .where(
                Selection.team_id == team_id,
                Selection.status == Phase.NOMINATING.value,
                SelectionParticipant.user_id == user_id,
                Selection.id.not_in(nominated),
            )
            .order_by(Selection.nominate_until, Selection.id)
            .limit(limit)
        )
    )


def set_message(session: Session, team_id: str, selection_id: int, ts: str) -> None:
    """Remember where the selection's message is."""
    session.execute(
        update(Selection)
        .where(Selection.team_id == team_id, Selection.id == selection_id)
        .values(message_ts=ts)
        .execution_options(synchronize_session=False)
    )
