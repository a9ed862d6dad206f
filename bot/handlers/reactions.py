"""Reactions on messages. Only reactions on a consent round's message carry meaning;
every other reaction is ignored, and a retried delivery is handled once."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App

from bot.services import backlog

if TYPE_CHECKING:
    from bot.app import Deps

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    """Wire reaction_added and reaction_removed."""

    def handle(event: dict[str, Any], body: dict[str, Any], added: bool) -> None:
        team_id = body.get("team_id", "")
        event_id = body.get("event_id")
        if event_id and not backlog.first_delivery(
            deps.sessions, team_id=team_id, event_id=event_id, now=deps.clock()
        ):
            log.info("duplicate delivery of %s ignored", event_id)
            return
        item = event.get("item", {})
        if item.get("type") != "message":
            return
        for hook in deps.reaction_hooks:
            hook(
                team_id=team_id,
                channel_id=item.get("channel"),
                message_ts=item.get("ts"),
                user_id=event.get("user"),
                reaction=event.get("reaction"),
                added=added,
            )

    @app.event("reaction_added")
    def on_reaction_added(event: dict[str, Any], body: dict[str, Any]) -> None:
        handle(event, body, added=True)

    @app.event("reaction_removed")
    def on_reaction_removed(event: dict[str, Any], body: dict[str, Any]) -> None:
        handle(event, body, added=False)
