"""Ways of answering one person without bothering the channel."""

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
