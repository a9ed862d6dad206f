"""What listeners and sweeps need, built once per process: settings, store, Slack, people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation.rotator import TokenRotator
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.domain.clock import Clock, utcnow
from bot.runtime.client import Clients
from bot.runtime.executor import TrackingExecutor
from bot.runtime.people import People
from bot.services import workspace
from bot.store import installations
from bot.store.db import make_engine, make_session_factory

# A rotating token is refreshed when it has less than this left (Slack's last 12 hours).
TOKEN_REFRESH_MINUTES = 120


@dataclass(eq=False)
class Deps:
    """The process's collaborators; shared by reference, never copied (Bolt copies contexts)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    client: WebClient  # the app's own client (single-workspace mode: the one token's)
    people: People
    # Which client a workspace's work goes with: sweeps use `clients.for_team(team_id)`.
    clients: Clients
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
    clients = make_clients(settings, engine)
    people = People(
        lambda team_id: workspace.workspace_locale(sessions, team_id=team_id),
        fallback=settings.default_locale,
        pacer=clients.pacer,
    )
    return Deps(
        settings=settings,
        engine=engine,
        sessions=sessions,
        client=clients.app,
        people=people,
        clock=clock or utcnow,
        clients=clients,
    )


def make_clients(settings: Settings, engine: Engine) -> Clients:
    """The one token's client, or (multi-workspace mode) each installation's."""
    paced, share = settings.slack_pacing, settings.slack_rate_share
    if not settings.multi_workspace:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        return Clients(settings.slack_api_url, token=token, paced=paced, share=share)
    assert settings.slack_client_id and settings.slack_client_secret
    store = installations.installation_store(engine, settings.slack_client_id)

    def find(team_id: str, enterprise_id: str | None) -> Bot | None:
        """The workspace's own installation, else its Grid org's org-wide one."""
        if enterprise_id is None:
            enterprise_id = installations.enterprise_of(store, team_id)
        if enterprise_id is None:
            enterprise_id = installations.org_of_workspace(engine, team_id)
        found = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if found is None and enterprise_id is not None:
            found = store.find_bot(
                enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
            )
        return found

    rotator = TokenRotator(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        client=WebClient(base_url=settings.slack_api_url, timeout=10),
    )
    return Clients(
        settings.slack_api_url,
        paced=paced,
        share=share,
        find=find,
        save=store.save_bot,
        rotator=rotator,
        refresh_minutes_before=TOKEN_REFRESH_MINUTES,
    )
