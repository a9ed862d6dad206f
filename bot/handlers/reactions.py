"""Reactions on messages. Only reactions on a consent round's message carry meaning;
every other reaction is ignored, and a retried delivery is handled once.

The answer a reaction gives is stored in a middleware, before Bolt acknowledges the
event: once Slack hears "ok" it will not retry, so the answer must already be safe.
The listener then does the slower follow-ups (asking for a reason, updating messages).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.runtime.replies import later

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

REACTION_EVENTS = ("reaction_added", "reaction_removed")
FOLLOW_UPS = "s3bot_reaction_follow_ups"
HOOKS: WeakKeyDictionary[Any, list[Callable[..., Any]]] = WeakKeyDictionary()  # transitional


def register(app: App, deps: Deps) -> None:
    """Wire reaction_added and reaction_removed."""

    @app.middleware
    def record_reaction(
        body: dict[str, Any], context: BoltContext, client: WebClient, next: Callable[[], Any]
    ) -> Any:  # noqa: A002 - Bolt's name
        event = body.get("event") or {}
        if body.get("type") == "event_callback" and event.get("type") in REACTION_EVENTS:
            context[FOLLOW_UPS] = _record(body, event, client)
        return next()

    def _record(
        body: dict[str, Any], event: dict[str, Any], client: WebClient
    ) -> list[Callable[[], None]]:
        team_id = body.get("team_id", "")
        item = event.get("item") or {}
        if item.get("type") != "message":
            return []
        follow_ups = []
        for hook in HOOKS.get(deps, []):
            follow_up = hook(
                team_id=team_id,
                channel_id=item.get("channel"),
                message_ts=item.get("ts"),
                user_id=event.get("user"),
                reaction=event.get("reaction"),
                added=event.get("type") == "reaction_added",
                client=client,
            )
            if follow_up is not None:
                follow_ups.append(follow_up)
        return follow_ups

    def follow_up(context: BoltContext, client: WebClient) -> None:
        for action in context.get(FOLLOW_UPS) or []:
            later(deps, client, {}, action)

    @app.event("reaction_added")
    def on_reaction_added(context: BoltContext, client: WebClient) -> None:
        follow_up(context, client)

    @app.event("reaction_removed")
    def on_reaction_removed(context: BoltContext, client: WebClient) -> None:
        follow_up(context, client)
