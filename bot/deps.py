"""What listeners and sweeps need, built once per process: settings, store, Slack, people."""

from __future__ import annotations

import threading
import time
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


class Throttle:
    """Lets something happen at most once per interval (thread-safe); urgent always passes."""

    def __init__(self, every_seconds: float) -> None:
        self.every_seconds = every_seconds
        self._lock = threading.Lock()
        self._last = 0.0

    def ready(self, *, urgent: bool = False) -> bool:
        """True when the interval has passed since the last time it was ready (or urgent)."""
        now = time.monotonic()
        with self._lock:
            if not urgent and now - self._last < self.every_seconds:
                return False
            self._last = now
            return True


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
    kicks: Throttle = field(default_factory=lambda: Throttle(1.0))

    def __deepcopy__(self, memo: dict[int, Any]) -> Deps:
        return self


def build_deps(
    settings: Settings, *, engine: Engine | None = None, clock: Clock | None = None
) -> Deps:
    """Create the store, the Slack client and the people lookup from settings."""
    engine = engine or make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    people = People(
        lambda team_id: workspace.workspace_locale(sessions, team_id=team_id),
        fallback=settings.default_locale,
    )
    return Deps(
        settings=settings,
        engine=engine,
        sessions=sessions,
        client=make_client(token, settings.slack_api_url),
        people=people,
        clock=clock or utcnow,
    )
