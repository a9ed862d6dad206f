"""The canvas each channel's logbook is kept in; every query scoped by team_id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.store.models import ChannelCanvas


def get(
    session: Session, team_id: str, channel_id: str, *, lock: bool = False
) -> ChannelCanvas | None:
    """The channel's canvas record, if the logbook was ever asked for there."""
    stmt = select(ChannelCanvas).where(
        ChannelCanvas.team_id == team_id, ChannelCanvas.channel_id == channel_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


TOUCHED = "s3bot_canvas_touched"  # session.info: {(team, channel): when its logbook changed}


def note_change(session: Session, team_id: str, channel_id: str, at: datetime) -> None:
    """Note a change to the channel's logbook in this transaction: its canvas sync is queued
    at commit (the ORM's changes are noted after each flush; rows inserted in bulk, which
    the ORM does not see, by their use case)."""
    touched: dict[tuple[str, str], datetime] = session.info.setdefault(TOUCHED, {})
    where = (team_id, channel_id)
    touched[where] = max(at, touched.get(where, at))


_CANVASES = ChannelCanvas.__table__.c
_SYNCING = select(_CANVASES.channel_id).where(
    _CANVASES.team_id == bindparam("b_team"),
    _CANVASES.channel_id.in_(bindparam("b_channels", expanding=True)),
    _CANVASES.syncing.is_(True),
)  # built once: every commit that changes a logbook asks it


def syncing(session: Session, team_id: str, channel_ids: list[str]) -> list[str]:
    """Which of these channels keep their logbook in a canvas now."""
    if not channel_ids:
        return []
    params = {"b_team": team_id, "b_channels": list(channel_ids)}
    return list(session.execute(_SYNCING, params).scalars())


def ask(session: Session, team_id: str, channel_id: str, user_id: str, now: datetime) -> None:
    """Someone asked for the canvas: sync it (again), whatever Slack said before."""
    found = get(session, team_id, channel_id, lock=True)
    if found is None:
        session.add(
            ChannelCanvas(
                team_id=team_id, channel_id=channel_id, requested_by=user_id, syncing=True,
                created_at=now,
            )
        )  # fmt: skip
        session.flush()
        return
    found.requested_by, found.syncing, found.refused, found.updated_at = user_id, True, None, now


def set_canvas_id(session: Session, team_id: str, channel_id: str, canvas_id: str | None) -> None:
    """Keep (or forget, with None) the id of the canvas the logbook is kept in."""
    found = get(session, team_id, channel_id, lock=True)
    if found is not None:
        found.canvas_id = canvas_id


def refuse(
    session: Session, team_id: str, channel_id: str, error: str, now: datetime
) -> str | None:
    """Slack will not keep this canvas: stop syncing until asked again; who asked last."""
    found = get(session, team_id, channel_id, lock=True)
    if found is None or not found.syncing:
        return None  # told already
    found.syncing, found.refused, found.pending_key, found.updated_at = False, error[:64], None, now
    return found.requested_by


def begin_sync(session: Session, team_id: str, channel_id: str, key: str) -> None:
    """The sync under `key` begins: a change from now on queues the next one."""
    found = get(session, team_id, channel_id, lock=True)
    if found is not None and found.pending_key == key:
        found.pending_key = None
