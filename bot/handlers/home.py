"""The App Home tab: a person's own view of the governance they take part in."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import backlog as views
from bot.deps import Deps
from bot.domain.clock import local_today
from bot.runtime.listeners import on
from bot.runtime.payload import where
from bot.services import agreements, backlog, consent

log = logging.getLogger(__name__)

HOME_TENSIONS = 30
HOME_CHANNEL_SCAN = 30  # channels with a backlog checked for the person's membership


def register(app: App) -> None:
    """Wire the app_home_opened event."""
    on(app.event("app_home_opened"), lazy=(publish_home,))


def publish_home(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """Publish the person's Home tab: their tensions, rounds, circles' backlogs and reviews."""
    if event.get("tab", "home") != "home":
        return
    team_id = where(body).team_id
    user_id = event["user"]
    m = deps.people.user_messages(client, team_id, user_id)
    tensions = backlog.open_tensions_of(
        deps.sessions, team_id=team_id, user_id=user_id, limit=HOME_TENSIONS
    )
    waiting = consent.awaiting_answer(deps.sessions, team_id=team_id, user_id=user_id)
    circles = backlog.backlogs_for(
        deps.sessions,
        team_id=team_id,
        channels=my_circles(deps, client, team_id, user_id),
        per_channel=views.HOME_ITEMS,
    )
    reviews = agreements.reviews_for(
        deps.sessions,
        team_id=team_id,
        user_id=user_id,
        limit=views.HOME_REVIEWS,
        today=local_today(deps.clock(), deps.people.timezone(client, team_id, user_id)),
    )
    view = views.home_view(m, tensions, waiting, circles, reviews)
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("home tab not published: %s", exc.response.get("error"))


def my_circles(deps: Deps, client: WebClient, team_id: str, user_id: str) -> list[str]:
    """The channels with a backlog that the person is a member of (the first few)."""
    active = backlog.active_channels(deps.sessions, team_id=team_id, limit=HOME_CHANNEL_SCAN)
    mine = [c for c in active if deps.people.channels.includes(client, team_id, c, user_id)]
    return mine[: views.HOME_CIRCLES]
