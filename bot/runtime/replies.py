"""Ways of answering one person without bothering the channel: ephemeral, DM, a modal."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

_NOT_THERE = {"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived"}


def ephemeral(
    client: WebClient,
    *,
    channel: str | None,
    user: str,
    text: str,
    blocks: list[dict] | None = None,
    respond: Any = None,
) -> bool:
    """Post an ephemeral message; fall back to the response_url where the bot may not post."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
            return True
        except SlackApiError as exc:
            if exc.response.get("error") not in _NOT_THERE or respond is None:
                log.warning("ephemeral reply failed: %s", exc.response.get("error"))
                return False
    if respond is not None:
        try:
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
            return True
        except Exception:  # noqa: BLE001 - the reply is best effort; the failure is logged
            log.warning("response_url reply failed", exc_info=True)
    return False


EXPIRED_TRIGGER = {"expired_trigger_id", "invalid_trigger_id"}


def open_modal(client: WebClient, trigger_id: str, view: dict[str, Any]) -> bool:
    """Open a modal; False when the trigger expired (Slack took longer than 3 s to get here)."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        if exc.response.get("error") in EXPIRED_TRIGGER:
            return False
        raise
    return True


def direct_message(
    client: WebClient, user: str, text: str, blocks: list[dict] | None = None
) -> str:
    """Open (or reuse) the DM with a person and post there; the message ts (raises on refusal)."""
    channel = client.conversations_open(users=user)["channel"]["id"]
    return client.chat_postMessage(channel=channel, text=text, blocks=blocks)["ts"]


def dm(client: WebClient, user: str, text: str, blocks: list[dict] | None = None) -> str | None:
    """Send a direct message; the message ts, or None when Slack refuses (logged)."""
    try:
        return direct_message(client, user, text, blocks)
    except SlackApiError as exc:
        log.warning("could not DM %s: %s", user, exc.response.get("error"))
        return None


def permalink(client: WebClient, channel: str, ts: str | None) -> str | None:
    """A link to a message, when Slack gives one."""
    if not ts:
        return None
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except SlackApiError:
        return None
