"""Workflow Builder steps that opened a consent round, by their function execution id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.store.models import WorkflowStepRun


def record(session: Session, team_id: str, execution_id: str, round_id: int, now: datetime) -> None:
    """Remember which round this execution opened (in the round's transaction)."""
    session.add(
        WorkflowStepRun(
            team_id=team_id, execution_id=execution_id[:64], round_id=round_id, created_at=now
        )
    )


def find(session: Session, team_id: str, execution_id: str) -> WorkflowStepRun | None:
    """The run of this execution, if it opened a round."""
    return session.scalar(
        select(WorkflowStepRun).where(
            WorkflowStepRun.team_id == team_id,
            WorkflowStepRun.execution_id == execution_id[:64],
        )
    )


def mark_completed(session: Session, team_id: str, execution_id: str, now: datetime) -> None:
    """Slack was told the step is done (its first completion counts)."""
    session.execute(
        update(WorkflowStepRun)
        .where(
            WorkflowStepRun.team_id == team_id,
            WorkflowStepRun.execution_id == execution_id[:64],
            WorkflowStepRun.completed_at.is_(None),
        )
        .values(completed_at=now)
    )
