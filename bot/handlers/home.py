"""The App Home tab: a person's own view of the governance they take part in."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import backlog as views
from bot.runtime.replies import later
from bot.services import agreements, backlog, consent

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

HOME_TENSIONS = 30
HOME_CHANNEL_SCAN = 30  # channels with a backlog checked for the person's membership


def register(app: App, deps: Deps) -> None:
    """Wire the app_home_opened event."""

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        later(deps, client, {}, publish, event, body, client)

    def publish(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        team_id = body.get("team_id") or event.get("view", {}).get("team_id")
        user_id = event["user"]
        m = deps.people.user_messages(client, team_id, user_id)
        tensions = backlog.open_tensions_of(
            deps.sessions, team_id=team_id, user_id=user_id, limit=HOME_TENSIONS
        )
        waiting = consent.awaiting_answer(deps.sessions, team_id=team_id, user_id=user_id)
        mine = [
            c
            for c in backlog.active_channels(
                deps.sessions, team_id=team_id, limit=HOME_CHANNEL_SCAN
            )
            if deps.people.channels.includes(client, team_id, c, user_id)
        ][: views.HOME_CIRCLES]
        circles = backlog.backlogs_for(
            deps.sessions, team_id=team_id, channels=mine, per_channel=views.HOME_ITEMS
        )
        reviews = agreements.reviews_for(
            deps.sessions, team_id=team_id, user_id=user_id, today=deps.clock().date()
        )
        view = views.home_view(m, tensions, waiting, circles, reviews)
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            log.warning("home tab not published: %s", exc.response.get("error"))
