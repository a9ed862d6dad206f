"""Build the Bolt app: the global middlewares, the one error handler, then each feature."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from sqlalchemy.exc import SQLAlchemyError

from bot.deps import Deps
from bot.handlers import (
    agreements,
    answers,
    backlog,
    concerns,
    domain,
    home,
    meeting,
    meeting_consent,
    meeting_rounds,
    objections,
    review_rounds,
    rhythm,
    roles,
    rounds,
    selection,
    tension,
    usage,
    welcome,
    workflow_step,
)
from bot.runtime.listeners import (
    authorized_workspace_only,
    deps_middleware,
    first_delivery_only,
    on_error,
)
from bot.runtime.oauth import enable_uninstall_listeners, install_flow, installed_only
from bot.runtime.payload import where
from bot.services import workspace

log = logging.getLogger(__name__)

FEATURES = (
    usage,
    tension,
    backlog,
    rounds,
    home,
    answers,
    objections,
    agreements,
    rhythm,
    meeting,
    meeting_consent,  # quick consents in the meeting (issue 12)
    meeting_rounds,  # a round sent to the meeting, decided there (issue 12)
    selection,  # before roles: `/role select …` is its own
    roles,
    domain,
    welcome,
    review_rounds,  # reviews by the circle (issue 11, part 7)
    workflow_step,  # the Workflow Builder step "Start a consent round" (issue 13, part 7)
    concerns,  # concerns heard after consent (issue 11, part 6)
)


class _ClientGivenFilter(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment and warns that our client wins; it should."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("bot.bolt").addFilter(_ClientGivenFilter())


def org_of_workspace(deps: Deps) -> Callable[..., Any]:
    """A middleware that notes, once per workspace and process, the Enterprise Grid org its
    requests come from: the sweeps then find an org-wide installation's token for it.

    The workspace and org are the ones the request acts in (`where`): a Slack Connect
    guest's modal carries the guest's org, which is not the host workspace's."""
    known: set[tuple[str, str]] = set()

    def note(body: Any, next: Callable[[], Any]) -> Any:  # noqa: A002
        who = where(body)
        team, org = who.team_id, who.enterprise_id
        if team and org and (team, org) not in known:
            try:
                workspace.remember_enterprise(
                    deps.sessions, team_id=team, enterprise_id=org, now=deps.clock()
                )
                known.add((team, org))
            except SQLAlchemyError:  # noted on a later request; the request itself goes on
                log.warning("could not note the org of workspace %s", team)
        return next()

    return note


def build_app(deps: Deps) -> App:
    """The Bolt app with every feature registered; requests are verified with the signing secret.

    One workspace (SLACK_BOT_TOKEN): every request goes with that token. Any workspace
    (SLACK_CLIENT_ID/SECRET): Bolt's OAuth flow installs it, each request goes with its
    workspace's token, and uninstalling or revoking deletes that workspace's tokens.
    """
    settings = deps.settings
    multi = settings.multi_workspace  # raises SettingError unless exactly one way is set
    settings.require("slack_signing_secret")
    assert settings.slack_signing_secret
    oauth: dict[str, Any] = {}
    if multi:
        flow, authorize = install_flow(deps)
        oauth = {
            "oauth_flow": flow,
            "authorize": authorize,
            "installation_store": flow.settings.installation_store,
            "before_authorize": installed_only(deps),
        }
    app = App(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        client=deps.client,
        token_verification_enabled=False,
        # Listeners ack from the request thread; their lazy parts run in `deps.executor`
        # afterwards, so the ack never waits for a busy pool.
        process_before_response=True,
        listener_executor=deps.executor,
        logger=logging.getLogger("bot.bolt"),
        **oauth,
    )
    if multi:
        # app_uninstalled and tokens_revoked delete the workspace's tokens (slack_sdk's store);
        # its governance data stays for the retention period, for when it is installed again.
        enable_uninstall_listeners(app, deps)
    app.use(deps_middleware(deps))
    app.use(authorized_workspace_only)
    app.use(org_of_workspace(deps))
    app.use(first_delivery_only)
    app.error(on_error)
    for feature in FEATURES:
        feature.register(app)
    return app
