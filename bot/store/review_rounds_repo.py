"""Review round queries: the circle's review of an agreement and its answers. Scoped by team_id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain.review import RoundStatus
from bot.store.db import insert_for
from bot.store.models import ReviewAnswer, ReviewRound


def get(session: Session, team_id: str, round_id: int, *, lock: bool = False) -> ReviewRound | None:
    """A review round by id, optionally locked for this transaction."""
    stmt = select(ReviewRound).where(ReviewRound.team_id == team_id, ReviewRound.id == round_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def open_for(session: Session, team_id: str, agreement_id: int) -> ReviewRound | None:
    """The agreement's open review round, if any."""
    return session.scalar(
        select(ReviewRound)
        .where(ReviewRound.team_id == team_id, ReviewRound.open_key == agreement_id)
        .execution_options(populate_existing=True)
    )


def answers(session: Session, team_id: str, round_id: int) -> list[ReviewAnswer]:
    """The round's answers, oldest first."""
    return list(
        session.scalars(
            select(ReviewAnswer)
            .where(ReviewAnswer.team_id == team_id, ReviewAnswer.round_id == round_id)
            .order_by(ReviewAnswer.at, ReviewAnswer.user_id)
            .execution_options(populate_existing=True)
        )
    )


def put_answer(
    session: Session, rnd: ReviewRound, user_id: str, answer: str, reason: str | None, now: datetime
) -> None:
    """Record one person's answer; the latest counts."""
    stmt = insert_for(session)(ReviewAnswer).values(
        round_id=rnd.id, user_id=user_id, team_id=rnd.team_id, answer=answer, reason=reason, at=now
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["round_id", "user_id"],
            set_={"answer": answer, "reason": reason, "at": now},
        )
    )


def due(session: Session, now: datetime, limit: int) -> list[tuple[str, int, int]]:
    """Open rounds whose deadline has passed: (team, round, agreement)."""
    rows = session.execute(
        select(ReviewRound.team_id, ReviewRound.id, ReviewRound.agreement_id)
        .where(ReviewRound.status == RoundStatus.OPEN.value, ReviewRound.closes_at <= now)
        .order_by(ReviewRound.closes_at, ReviewRound.id)
        .limit(limit)
    )
    return [(t, r, a) for t, r, a in rows]


def close(
    session: Session, rnd: ReviewRound, status: RoundStatus, now: datetime, **values: object
) -> bool:
    """Close the round once: False when it was closed meanwhile (by another sweep or a Keep)."""
    result = session.execute(
        update(ReviewRound)
        .where(
            ReviewRound.team_id == rnd.team_id,
            ReviewRound.id == rnd.id,
            ReviewRound.status == RoundStatus.OPEN.value,
        )
        .values(status=status.value, open_key=None, closed_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    session.refresh(rnd)
    return True


def set_message(session: Session, team_id: str, round_id: int, ts: str) -> None:
    """Link the round to its message in the channel."""
    session.execute(
        update(ReviewRound)
        .where(ReviewRound.team_id == team_id, ReviewRound.id == round_id)
        .values(message_ts=ts)
    )
