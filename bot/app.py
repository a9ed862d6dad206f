"""Build the Bolt app: the global middlewares, the one error handler, then each feature."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.deps import Deps
from bot.handlers import (
    agreements,
    answers,
    backlog,
    home,
    objections,
    rhythm,
    rounds,
    tension,
    usage,
)
from bot.runtime.listeners import deps_middleware, first_delivery_only, on_error

log = logging.getLogger(__name__)

FEATURES = (usage, tension, backlog, rounds, home, answers, objections, agreements, rhythm)


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
        # Listeners ack from the request thread; their lazy parts run in `deps.executor`
        # afterwards, so the ack never waits for a busy pool.
        process_before_response=True,
        listener_executor=deps.executor,
        logger=logging.getLogger("bot.bolt"),
    )
    app.use(deps_middleware(deps))
    app.use(first_delivery_only)
    app.error(on_error)
    for feature in FEATURES:
        feature.register(app)
    return app
