"""Multi-workspace mode: Bolt's OAuth flow on slack_sdk's SQLAlchemy stores, with our pages.

`GET /slack/install` shows the "Add to Slack" page, `GET /slack/oauth_redirect` exchanges
the code (oauth.v2.access), stores the installation and says what to do next; both pages
in the browser's language (Accept-Language). Requests from a workspace that has no
installation are refused before Bolt's authorization, politely and logged once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.blocks import install as pages
from bot.deps import Deps
from bot.i18n import Messages, messages, normalise_locale
from bot.runtime.client import NotInstalled
from bot.runtime.payload import response_url, where
from bot.runtime.replies import allowed_response_url, reply
from bot.services import workspace
from bot.store import installations

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Events that arrive when the tokens are going or gone: never refused for lack of them.
_TOKEN_EVENTS = {"app_uninstalled", "tokens_revoked"}


def browser_language(headers: Mapping[str, Any], default: str = "en") -> str:
    """The first supported language of an Accept-Language header (by its q-values)."""
    raw = headers.get("accept-language")
    if isinstance(raw, Sequence) and not isinstance(raw, str):
        raw = ",".join(str(v) for v in raw)
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(str(raw or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag))
    for _, _, tag in sorted(ranked):
        lang = normalise_locale(tag, "")
        if lang:
            return lang
    return default


def _html(status: int, body: str, cookie: str | None = None) -> BoltResponse:
    headers: dict[str, Any] = {"Content-Type": "text/html; charset=utf-8"}
    if cookie:
        headers["Set-Cookie"] = [cookie]
    return BoltResponse(status=status, body=body, headers=headers)


class InstallFlow(OAuthFlow):
    """Bolt's OAuth flow, with the install page in the browser's language."""

    default_language = "en"
    deps: Deps | None = None

    def _messages(self, request: BoltRequest) -> Messages:
        return messages(browser_language(request.headers, self.default_language))

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return pages.install_page(self._messages(request), url)

    def succeeded(self, args: SuccessArgs) -> BoltResponse:
        """The install completed: say so, and what to do next; the workspace's data is kept."""
        inst = args.installation
        log.info("installed in workspace %s (enterprise %s)", inst.team_id, inst.enterprise_id)
        if self.deps is not None:
            teams = [inst.team_id] if inst.team_id else []
            if inst.is_enterprise_install and inst.enterprise_id:  # the whole Grid org
                teams += workspace.teams_of_enterprise(
                    self.deps.sessions, enterprise_id=inst.enterprise_id
                )
            for team in sorted(set(teams)):
                workspace.installed(self.deps.sessions, team_id=team, now=self.deps.clock())
        app_url = f"https://slack.com/app_redirect?app={inst.app_id}" if inst.app_id else None
        page = pages.installed_page(self._messages(args.request), inst.team_name, app_url)
        return _html(200, page, self.settings.state_utils.build_set_cookie_for_deletion())

    def failed(self, args: FailureArgs) -> BoltResponse:
        """The install did not complete: why, and a link to start again; nothing stored."""
        log.warning("installation failed: %s", args.reason)
        page = pages.failed_page(self._messages(args.request), args.reason, self.install_path)
        status = args.suggested_status_code
        return _html(status, page, self.settings.state_utils.build_set_cookie_for_deletion())


def enable_uninstall_listeners(app: App, deps: Deps) -> None:
    """Slack's token events: revoked tokens are deleted at once; an uninstall deletes every
    token and starts the retention period of the workspace's data (`data_retention_days`)."""
    app.event("tokens_revoked")(app.default_tokens_revoked_event_listener())
    forget_tokens = app.default_app_uninstalled_event_listener()

    def uninstalled(context: BoltContext) -> None:
        forget_tokens(context)
        teams = [context.team_id] if context.team_id else []
        org = context.enterprise_id
        if context.is_enterprise_install and org:
            # Uninstalled from a whole Enterprise Grid org: the org-wide token goes, and the
            # retention period starts for every workspace of the org the bot served.
            store = installations.installation_store(deps.engine, deps.settings.slack_client_id)
            store.delete_all(enterprise_id=org, team_id=None)
            teams = sorted(set(teams) | set(workspace.teams_of_enterprise(
                deps.sessions, enterprise_id=org)))  # fmt: skip
        for team in teams:
            workspace.uninstalled(deps.sessions, team_id=team, now=deps.clock())
            log.info("uninstalled from workspace %s: data kept %d days", team,
                     deps.settings.data_retention_days)  # fmt: skip

    app.event("app_uninstalled")(uninstalled)


def install_flow(deps: Deps) -> tuple[InstallFlow, InstallationStoreAuthorize]:
    """The OAuth flow and the per-workspace authorization, on the bot's own database."""
    settings = deps.settings
    assert settings.slack_client_id and settings.slack_client_secret
    secret = settings.slack_client_secret.get_secret_value()
    store = installations.installation_store(deps.engine, settings.slack_client_id)
    logger = logging.getLogger("bot.bolt")
    flow = InstallFlow(
        client=deps.client,  # oauth.v2.access and auth.test go to SLACK_API_URL
        logger=logger,
        settings=OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=secret,
            scopes=settings.slack_scopes,
            redirect_uri=settings.slack_install_redirect_url,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=store,
            installation_store_bot_only=True,
            state_store=installations.state_store(deps.engine),
            state_expiration_seconds=installations.STATE_EXPIRATION_SECONDS,
            token_rotation_expiration_minutes=deps.clients.refresh_minutes,
            logger=logger,
        ),
    )
    flow.default_language = settings.default_locale
    flow.deps = deps
    flow.settings.callback_options = CallbackOptions(success=flow.succeeded, failure=flow.failed)
    flow.success_handler = flow.succeeded
    flow.failure_handler = flow.failed
    authorize = InstallationStoreAuthorize(
        logger=logger,
        installation_store=store,
        client_id=settings.slack_client_id,
        client_secret=secret,
        token_rotation_expiration_minutes=deps.clients.refresh_minutes,
        bot_only=True,
        # auth.test once per token, not once per request (a new token: a new entry; a
        # deleted installation is not found before the cache is looked at)
        cache_enabled=True,
        client=deps.client,  # token refreshes go to SLACK_API_URL too
    )
    return flow, authorize


def _host_org(deps: Deps, body: Any, context: BoltContext) -> None:
    """Authorize a Slack Connect guest's modal by the host workspace's own org.

    A modal a guest submits names the host as `view.app_installed_team_id` (Bolt's
    team_id) but the guest's org as its `enterprise`, which the host's installation is not
    stored under: it is found by the host's org, as its token was stored at install or as
    its own requests noted it (none: the host is in no Grid org).
    """
    who = where(body)
    if context.is_enterprise_install or who.team_id != context.team_id:
        return
    if context.enterprise_id and who.enterprise_id != context.enterprise_id:
        assert deps.settings.slack_client_id
        store = installations.installation_store(deps.engine, deps.settings.slack_client_id)
        context["enterprise_id"] = installations.enterprise_of(
            store, who.team_id
        ) or installations.org_of_workspace(deps.engine, who.team_id)


def installed_only(deps: Deps) -> Callable[..., Any]:
    """A before-authorize middleware: a request from a workspace with no installation gets
    a clear answer (to the person, in the workspace's language) instead of Bolt's error."""

    def refuse_unknown(
        body: dict[str, Any],
        context: BoltContext,
        next: Callable[[], Any],  # noqa: A002
    ) -> Any:
        team_id = context.team_id
        event = body.get("event") if isinstance(body, dict) else None
        kind = event.get("type") if isinstance(event, dict) else None
        if not team_id or kind in _TOKEN_EVENTS:
            return next()
        _host_org(deps, body, context)
        try:
            deps.clients.for_team(team_id, context.enterprise_id)
        except NotInstalled:
            url = response_url(body)
            allowed = deps.settings.response_url_prefixes
            if context.user_id and allowed_response_url(url, allowed):
                # A command or an action: the person reads why (a response_url needs no token).
                text = pages.not_installed(deps.people.workspace_messages(team_id))
                deps.executor.submit(
                    reply, deps.client, response_url=url, allowed=allowed, channel=None,
                    user=context.user_id, text=text,
                )  # fmt: skip
            return BoltResponse(status=200, body="")
        return next()

    return refuse_unknown
