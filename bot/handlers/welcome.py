"""The bot's welcome when it is invited to a channel (`member_joined_channel` for itself).

Stored and queued before the ack, once per channel; sent right after through the outbox
(the sweep retries whatever Slack refuses now). Other people joining: nothing.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.delivery import outbox
from bot.deps import Deps
from bot.runtime.listeners import on
from bot.runtime.payload import where
from bot.services import welcome

JOINED = "s3bot_welcome_channel"  # context: the channel to welcome, for the part after the ack


def register(app: App) -> None:
    """Wire member_joined_channel."""
    on(app.event("member_joined_channel"), ack=store_welcome, lazy=(send_welcome,))


def bot_user(body: dict[str, Any], context: BoltContext, client: WebClient, deps: Deps) -> str:
    """The bot's own user id: from the context or the event's authorizations, else auth.test."""
    if context.bot_user_id:
        return context.bot_user_id
    for grant in body.get("authorizations") or []:
        if isinstance(grant, dict) and grant.get("is_bot") and grant.get("user_id"):
            return str(grant["user_id"])
    return deps.people.bot_user_id(client, where(body).team_id) or ""


def store_welcome(
    ack: Ack,
    event: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    deps: Deps,
) -> None:
    """The bot itself joined: record the channel and queue its welcome, then acknowledge."""
    channel = event.get("channel")
    joined = event.get("user")
    if isinstance(channel, str) and channel and joined == bot_user(body, context, client, deps):
        team_id = where(body).team_id
        if welcome.welcome_channel(
            deps.sessions, team_id=team_id, channel_id=channel, now=deps.clock()
        ):
            context[JOINED] = (team_id, channel)
    ack()


def send_welcome(context: BoltContext, deps: Deps) -> None:
    """Right after the ack: post the welcome now (the sweep retries a refusal)."""
    joined: tuple[str, str] | None = context.get(JOINED)
    if joined is not None:
        team_id, channel = joined
        outbox.deliver_key(deps, team_id, welcome.channel_welcome_key(channel))
