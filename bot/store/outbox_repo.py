"""Outbox queries: queue a message once per key, lease, mark sent or failed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.store.db import insert_for
from bot.store.models import (
    Outbox,
)

MAX_ATTEMPTS = 12


def enqueue(
    session: Session,
    *,
    team_id: str,
    key: str,
    kind: str,
    target: str,
    payload: dict[str, Any],
    now: datetime,
    not_before: datetime | None = None,
) -> None:
    """Queue a message once per key (a second enqueue with the same key does nothing); it
    goes out from `not_before` on (now when not given)."""
    stmt = insert_for(session)(Outbox).values(
        team_id=team_id,
        key=key,
        kind=kind,
        target=target,
        payload=json.dumps(payload),
        attempts=0,
        not_before=not_before or now,
        created_at=now,
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=["team_id", "key"]))


def enqueue_many(
    session: Session,
    team_id: str,
    messages: Sequence[tuple[str, str, str, dict[str, Any]]],
    now: datetime,
) -> None:
    """Queue messages (key, kind, target, payload) of one workspace in one statement, each
    once per key, going out from now on."""
    if not messages:
        return
    rows = [
        {
            "team_id": team_id,
            "key": key,
            "kind": kind,
            "target": target,
            "payload": json.dumps(payload),
            "attempts": 0,
            "not_before": now,
            "created_at": now,
        }  # fmt: skip
        for key, kind, target, payload in messages
    ]
    stmt = insert_for(session)(Outbox.__table__)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["team_id", "key"]), rows)


def due_outbox(session: Session, now: datetime, limit: int) -> list[tuple[str, int, str]]:
    """Unsent messages whose time has come and whose lease (if any) has expired."""
    stmt = (
        select(Outbox.team_id, Outbox.id, Outbox.target)
        .where(
            Outbox.sent_at.is_(None),
            Outbox.not_before <= now,
            Outbox.attempts < MAX_ATTEMPTS,
            or_(Outbox.lease_until.is_(None), Outbox.lease_until < now),
        )
        .order_by(Outbox.id)
        .limit(limit)
    )
    return [(t, i, target) for t, i, target in session.execute(stmt)]


def id_and_target_for_key(session: Session, team_id: str, key: str) -> tuple[int, str] | None:
    """The row queued under this key (id, target), if it is still waiting to be sent."""
    row = session.execute(
        select(Outbox.id, Outbox.target).where(
            Outbox.team_id == team_id, Outbox.key == key, Outbox.sent_at.is_(None)
        )
    ).first()
    return (row[0], row[1]) if row else None


def claim_outbox(
    session: Session, team_id: str, outbox_id: int, now: datetime, lease_until: datetime
) -> Outbox | None:
    """Lease one message for sending; None when another sender has it or it was sent."""
    result = session.execute(
        update(Outbox)
        .where(
            Outbox.team_id == team_id,
            Outbox.id == outbox_id,
            Outbox.sent_at.is_(None),
            or_(Outbox.lease_until.is_(None), Outbox.lease_until < now),
        )
        .values(lease_until=lease_until, attempts=Outbox.attempts + 1)
        .returning(Outbox.id)
    )
    if result.scalar() is None:
        return None
    return session.scalar(
        select(Outbox).where(Outbox.id == outbox_id).execution_options(populate_existing=True)
    )


def mark_sent(session: Session, team_id: str, outbox_id: int, now: datetime) -> None:
    """The message went out (Slack said ok)."""
    session.execute(
        update(Outbox)
        .where(Outbox.team_id == team_id, Outbox.id == outbox_id)
        .values(sent_at=now, lease_until=None, last_error=None)
    )


def mark_failed(
    session: Session, team_id: str, outbox_id: int, retry_at: datetime, error: str
) -> None:
    """Sending failed: release the lease and try again later."""
    session.execute(
        update(Outbox)
        .where(Outbox.team_id == team_id, Outbox.id == outbox_id)
        .values(lease_until=None, not_before=retry_at, last_error=error[:200])
    )


def defer_team(session: Session, team_id: str, *, now: datetime, until: datetime) -> None:
    """Put off a workspace's unsent, unleased rows until `until`, keeping their tries."""
    session.execute(
        update(Outbox)
        .where(
            Outbox.team_id == team_id,
            Outbox.sent_at.is_(None),
            Outbox.not_before < until,
            or_(Outbox.lease_until.is_(None), Outbox.lease_until < now),
        )
        .values(not_before=until)
    )
