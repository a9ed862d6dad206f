"""A consent round started by a Workflow Builder step: opened once per function execution."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.domain.errors import AlreadyHandled
from bot.services import consent
from bot.services.views import RoundView
from bot.store import workflow_repo
from bot.store.db import transaction

Factory = sessionmaker[Session]


def request_key(execution_id: str) -> str:
    """What makes a delivery of this execution the same request (Slack retries it)."""
    return f"fn:{execution_id}"


def start_round(
    factory: Factory, *, team_id: str, execution_id: str, channel_id: str, author_id: str,
    draft: consent.Draft, now: datetime, today: date,
) -> RoundView:  # fmt: skip
    """Open the step's round for the whole channel, stored with the execution id; a retried
    delivery gets the round its first delivery opened (never a second one)."""
    try:
        return consent.open_round(
            factory, team_id=team_id, channel_id=channel_id, author_id=author_id, draft=draft,
            now=now, today=today, whole_channel=True, request_key=request_key(execution_id),
            step_execution_id=execution_id,
        )  # fmt: skip
    except AlreadyHandled:
        found = opened_by(factory, team_id=team_id, execution_id=execution_id)
        if found is None:
            raise
        return found


def opened_by(factory: Factory, *, team_id: str, execution_id: str) -> RoundView | None:
    """The round this execution opened, if any."""
    with transaction(factory) as session:
        run = workflow_repo.find(session, team_id, execution_id)
        round_id = run.round_id if run is not None else None
    return consent.load(factory, team_id=team_id, round_id=round_id) if round_id else None


def completed(factory: Factory, *, team_id: str, execution_id: str, now: datetime) -> None:
    """Record that Slack was told the step is done."""
    with transaction(factory) as session:
        workflow_repo.mark_completed(session, team_id, execution_id, now)
