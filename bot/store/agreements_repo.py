"""Agreement queries: agreements, their history and review nudges. Scoped by team_id."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.review import AgreementStatus, ReviewOutcome, schedule
from bot.store import workspace_repo
from bot.store.db import insert_for
from bot.store.models import (
    Agreement,
    AgreementEvent,
    ReviewNudge,
    Workspace,
)


def agreements(session: Session, team_id: str, channel_id: str) -> list[Agreement]:
    """The channel's active agreements."""
    return list(
        session.scalars(
            select(Agreement)
            .where(
                Agreement.team_id == team_id,
                Agreement.channel_id == channel_id,
                Agreement.status == "active",
            )
            .order_by(Agreement.review_date, Agreement.number)
        )
    )


def agreement_for_round(session: Session, team_id: str, round_id: int) -> Agreement | None:
    """The agreement a round produced."""
    return session.scalar(
        select(Agreement).where(Agreement.team_id == team_id, Agreement.round_id == round_id)
    )


def offsets(session: Session, team_id: str) -> tuple[int, int]:
    """Days before the review date to remind, and the interval while overdue."""
    row = session.execute(
        select(Workspace.review_before_days, Workspace.review_overdue_days).where(
            Workspace.team_id == team_id
        )
    ).first()
    return (row[0], row[1]) if row else (7, 7)


def set_offsets(session: Session, team_id: str, before: int, overdue: int, now: datetime) -> None:
    """Choose the workspace's reminder offsets."""
    workspace_repo.ensure_workspace(session, team_id, now)
    session.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id)
        .values(review_before_days=before, review_overdue_days=overdue)
    )


def recipients(agreement: Agreement) -> list[str]:
    """Who is reminded: the people responsible, or the author when nobody is named."""
    people = json.loads(agreement.responsible_ids or "[]")
    return people or [agreement.author_id]


def create(session: Session, *, number: int, now: datetime, **fields: Any) -> Agreement:
    """Store a new agreement, its first history entry and its review reminders."""
    agreement = Agreement(
        number=number,
        status=AgreementStatus.ACTIVE.value,
        version=1,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(agreement)
    session.flush()
    add_event(
        session,
        agreement,
        actor=agreement.author_id,
        action="agreed",
        detail={"review_date": agreement.review_date.isoformat(), "round_id": agreement.round_id},
        now=now,
    )
    schedule_nudges(session, agreement, now)
    return agreement


def add_event(
    session: Session,
    agreement: Agreement,
    *,
    actor: str | None,
    action: str,
    detail: dict[str, Any] | None,
    now: datetime,
) -> AgreementEvent:
    """Record one change in the agreement's history."""
    event = AgreementEvent(
        team_id=agreement.team_id,
        agreement_id=agreement.id,
        actor_id=actor,
        action=action,
        detail=json.dumps(detail) if detail else None,
        at=now,
    )
    session.add(event)
    session.flush()
    return event


def schedule_nudges(session: Session, agreement: Agreement, now: datetime) -> None:
    """Plan the reminders for the agreement's current review date (once each)."""
    before, _ = offsets(session, agreement.team_id)
    for recipient in recipients(agreement):
        for stage, due in schedule(agreement.review_date, before):
            add_nudge(session, agreement, recipient, stage.value, due, now)


def add_nudge(
    session: Session, agreement: Agreement, recipient: str, stage: str, due: date, now: datetime
) -> None:
    """Plan one reminder; a duplicate (same agreement, person, stage and day) is ignored."""
    stmt = insert_for(session)(ReviewNudge).values(
        team_id=agreement.team_id,
        agreement_id=agreement.id,
        recipient_id=recipient,
        stage=stage,
        review_date=agreement.review_date,
        due_date=due,
        attempts=0,
        created_at=now,
    )
    session.execute(
        stmt.on_conflict_do_nothing(
            index_elements=["agreement_id", "recipient_id", "stage", "due_date"]
        )
    )


def cancel_pending(session: Session, team_id: str, agreement_id: int, now: datetime) -> None:
    """Reminders not sent yet are no longer needed (the agreement was reviewed)."""
    session.execute(
        update(ReviewNudge)
        .where(
            ReviewNudge.team_id == team_id,
            ReviewNudge.agreement_id == agreement_id,
            ReviewNudge.sent_at.is_(None),
        )
        .values(sent_at=now, outcome="cancelled", lease_until=None)
    )


def get(
    session: Session, team_id: str, agreement_id: int, *, lock: bool = False
) -> Agreement | None:
    """An agreement by id, optionally locked for this transaction."""
    stmt = select(Agreement).where(Agreement.team_id == team_id, Agreement.id == agreement_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def by_number(session: Session, team_id: str, channel_id: str, number: int) -> Agreement | None:
    """The channel's agreement with this number."""
    return session.scalar(
        select(Agreement).where(
            Agreement.team_id == team_id,
            Agreement.channel_id == channel_id,
            Agreement.number == number,
        )
    )


def _in_force(team_id: str, channel_id: str | None, review_by: date | None) -> list[Any]:
    where = [Agreement.team_id == team_id, Agreement.status == AgreementStatus.ACTIVE.value]
    if channel_id:
        where.append(Agreement.channel_id == channel_id)
    if review_by is not None:
        where.append(Agreement.review_date <= review_by)
    return where


def active(
    session: Session,
    team_id: str,
    channel_id: str | None = None,
    *,
    limit: int,
    review_by: date | None = None,
) -> list[Agreement]:
    """The first `limit` agreements in force (reviewed by `review_by`), soonest review first."""
    return list(
        session.scalars(
            select(Agreement)
            .where(*_in_force(team_id, channel_id, review_by))
            .order_by(Agreement.review_date, Agreement.number)
            .limit(limit)
        )
    )


def active_count(
    session: Session, team_id: str, channel_id: str | None = None, review_by: date | None = None
) -> int:
    """How many agreements are in force (and up for review by `review_by`)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Agreement)
            .where(*_in_force(team_id, channel_id, review_by))
        )
        or 0
    )


def reviewed_by(
    session: Session, team_id: str, user_id: str, review_by: date, limit: int
) -> list[Agreement]:
    """Agreements in force the person is reminded of (named responsible, or the author when
    nobody is), up for review by `review_by`, soonest first."""
    named = Agreement.responsible_ids.like(f'%"{_like_escaped(user_id)}"%', escape="\\")
    nobody_named = or_(
        Agreement.responsible_ids.is_(None), Agreement.responsible_ids.in_(["[]", ""])
    )
    return list(
        session.scalars(
            select(Agreement)
            .where(
                *_in_force(team_id, None, review_by),
                or_(named, and_(nobody_named, Agreement.author_id == user_id)),
            )
            .order_by(Agreement.review_date, Agreement.number)
            .limit(limit)
        )
    )


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def all_of(session: Session, team_id: str, channel_id: str | None = None) -> list[Agreement]:
    """Every agreement, in force or not, by channel and number."""
    stmt = select(Agreement).where(Agreement.team_id == team_id)
    if channel_id:
        stmt = stmt.where(Agreement.channel_id == channel_id)
    return list(session.scalars(stmt.order_by(Agreement.channel_id, Agreement.number)))


def events(session: Session, team_id: str, agreement_id: int) -> list[AgreementEvent]:
    """The agreement's history, oldest first."""
    return list(
        session.scalars(
            select(AgreementEvent)
            .where(AgreementEvent.team_id == team_id, AgreementEvent.agreement_id == agreement_id)
            .order_by(AgreementEvent.id)
        )
    )


def last_review(session: Session, team_id: str, agreement_id: int) -> AgreementEvent | None:
    """The latest review outcome recorded."""
    return session.scalar(
        select(AgreementEvent)
        .where(
            AgreementEvent.team_id == team_id,
            AgreementEvent.agreement_id == agreement_id,
            AgreementEvent.action.in_([str(o) for o in ReviewOutcome]),
        )
        .order_by(AgreementEvent.id.desc())
        .limit(1)
    )


def due_candidates(
    session: Session, latest_due: date, now: datetime, limit: int
) -> list[ReviewNudge]:
    """Unsent reminders due by `latest_due` (the earliest timezone's today), not leased."""
    return list(
        session.scalars(
            select(ReviewNudge)
            .where(
                ReviewNudge.sent_at.is_(None),
                ReviewNudge.due_date <= latest_due,
                or_(ReviewNudge.lease_until.is_(None), ReviewNudge.lease_until < now),
            )
            .order_by(ReviewNudge.due_date, ReviewNudge.id)
            .limit(limit)
        )
    )


def claim_nudge(
    session: Session, team_id: str, nudge_id: int, now: datetime, lease_until: datetime
) -> bool:
    """Lease a reminder for sending; False when another sweep has it or it is done."""
    result = session.execute(
        update(ReviewNudge)
        .where(
            ReviewNudge.team_id == team_id,
            ReviewNudge.id == nudge_id,
            ReviewNudge.sent_at.is_(None),
            or_(ReviewNudge.lease_until.is_(None), ReviewNudge.lease_until < now),
        )
        .values(lease_until=lease_until, attempts=ReviewNudge.attempts + 1)
        .returning(ReviewNudge.id)
    )
    return result.scalar() is not None


def fold_into(session: Session, team_id: str, ids: list[int], now: datetime) -> None:
    """Mark older reminders as folded into the one being sent."""
    if ids:
        session.execute(
            update(ReviewNudge)
            .where(
                ReviewNudge.team_id == team_id,
                ReviewNudge.id.in_(ids),
                ReviewNudge.sent_at.is_(None),
            )
            .values(sent_at=now, outcome="folded")
        )


def finish_nudge(
    session: Session, team_id: str, nudge_id: int, now: datetime, outcome: str
) -> None:
    """The reminder went out (Slack said ok)."""
    session.execute(
        update(ReviewNudge)
        .where(ReviewNudge.team_id == team_id, ReviewNudge.id == nudge_id)
        .values(sent_at=now, outcome=outcome, lease_until=None, last_error=None)
    )


def release_nudge(
    session: Session, team_id: str, nudge_id: int, error: str, retry_at: datetime
) -> None:
    """Sending failed: keep it unsent, to be tried again from `retry_at`."""
    session.execute(
        update(ReviewNudge)
        .where(ReviewNudge.team_id == team_id, ReviewNudge.id == nudge_id)
        .values(lease_until=retry_at, last_error=error[:200])
    )


def claim_nudges(
    session: Session, team_id: str, ids: list[int], now: datetime, lease_until: datetime
) -> list[int]:
    """Lease several reminders at once; returns the ids this sweep got."""
    if not ids:
        return []
    result = session.execute(
        update(ReviewNudge)
        .where(
            ReviewNudge.team_id == team_id,
            ReviewNudge.id.in_(ids),
            ReviewNudge.sent_at.is_(None),
            or_(ReviewNudge.lease_until.is_(None), ReviewNudge.lease_until < now),
        )
        .values(lease_until=lease_until, attempts=ReviewNudge.attempts + 1)
        .returning(ReviewNudge.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())


def nudges(session: Session, team_id: str, ids: list[int]) -> list[ReviewNudge]:
    """Reminders by id."""
    if not ids:
        return []
    return list(
        session.scalars(
            select(ReviewNudge)
            .where(ReviewNudge.team_id == team_id, ReviewNudge.id.in_(ids))
            .order_by(ReviewNudge.id)
            .execution_options(populate_existing=True)
        )
    )


def by_ids(session: Session, team_id: str, ids: list[int]) -> list[Agreement]:
    """Agreements by id."""
    if not ids:
        return []
    return list(
        session.scalars(
            select(Agreement).where(Agreement.team_id == team_id, Agreement.id.in_(ids))
        )
    )
