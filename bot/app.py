"""Build the Bolt app: settings, store, Slack client and the feature handlers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import common
from bot.config import Settings
from bot.domain.clock import Clock, utcnow
from bot.executor import TrackingExecutor
from bot.handlers import agreements, consent, drivers, home, reactions, rhythm, tension
from bot.handlers.reply import ephemeral
from bot.services import backlog
from bot.slack import ChannelMembers, LocaleResolver, make_client
from bot.store.db import make_engine, make_session_factory

log = logging.getLogger(__name__)

ReactionHook = Callable[..., None]


@dataclass
class Deps:
    """What handlers and sweeps need, built once per process."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    client: WebClient
    locales: LocaleResolver
    clock: Clock = utcnow
    executor: TrackingExecutor = field(default_factory=TrackingExecutor)
    reaction_hooks: list[ReactionHook] = field(default_factory=list)
    members: ChannelMembers = field(default_factory=ChannelMembers)
    last_kick: float = 0.0  # monotonic time of the last round sweep run after an answer


def build_deps(
    settings: Settings, *, engine: Engine | None = None, clock: Clock | None = None
) -> Deps:
    """Create the store, the Slack client and the language lookup from settings."""
    engine = engine or make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = make_client(token, settings.slack_api_url)
    locales = LocaleResolver(
        lambda team_id: backlog.workspace_locale(sessions, team_id=team_id),
        fallback=settings.default_locale,
    )
    return Deps(
        settings=settings,
        engine=engine,
        sessions=sessions,
        client=client,
        locales=locales,
        clock=clock or utcnow,
    )


FEATURES = (tension, drivers, consent, home, reactions, agreements, rhythm)


class _ClientGivenFilter(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment and warns that our client wins; it should."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("bot.bolt").addFilter(_ClientGivenFilter())


def build_app(deps: Deps) -> App:
    """The Bolt app with every feature registered; requests are verified with the signing secret."""
    settings = deps.settings
    settings.require("slack_bot_token", "slack_signing_secret")
    assert settings.slack_bot_token and settings.slack_signing_secret
    app = App(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        client=deps.client,
        token_verification_enabled=False,
        # Listeners ack from the request thread and hand slow work to `deps.executor`
        # (handlers.reply.later): the ack never waits for a busy pool.
        process_before_response=True,
        listener_executor=deps.executor,
        logger=logging.getLogger("bot.bolt"),
    )
    for feature in FEATURES:
        feature.register(app, deps)

    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse | None:
        """Log the unexpected and tell the person something useful; never show a traceback."""
        log.exception("unhandled error in a listener", exc_info=error)
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
        team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
        if user:
            m = deps.locales.user_messages(client, team, user)
            ephemeral(client, channel=channel, user=user, text=common.unexpected(m))
        return None

    return app
