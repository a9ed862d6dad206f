"""What listeners and sweeps need, built once per process: settings, store, Slack, people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.domain.clock import Clock, utcnow
from bot.runtime.client import make_client
from bot.runtime.executor import TrackingExecutor
from bot.runtime.people import People
from bot.services import workspace
from bot.store.db import make_engine, make_session_factory


@dataclass(eq=False)
class Deps:
    """The process's collaborators; shared by reference, never copied (Bolt copies contexts)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    client: WebClient
    people: People
    clock: Clock = utcnow
    executor: TrackingExecutor = field(default_factory=TrackingExecutor)

    def __deepcopy__(self, memo: dict[int, Any]) -> Deps:
        return self


def build_deps(
    settings: Settings, *, engine: Engine | None = None, clock: Clock | None = None
) -> Deps:
    """Create the store, the Slack client and the people lookup from settings."""
    engine = engine or make_engine(settings.database_url, wait_seconds=settings.db_wait_seconds)
    sessions = make_session_factory(engine)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = make_client(
        token, settings.slack_api_url, paced=settings.slack_pacing, share=settings.slack_rate_share
    )
    people = People(
        lambda team_id: workspace.workspace_locale(sessions, team_id=team_id),
        fallback=settings.default_locale,
        pacer=getattr(client, "pacer", None),
    )
    return Deps(
        settings=settings,
        engine=engine,
        sessions=sessions,
        client=client,
        people=people,
        clock=clock or utcnow,
    )
