"""Ways of answering one person without bothering the channel: a reply, a DM, a modal."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)

RESPONSE_URL_TIMEOUT = 10  # seconds; a reply is best effort, the fallback follows


def reply(
    client: WebClient,
    *,
    response_url: str | None,
    allowed: Sequence[str],
    channel: str | None,
    user: str,
    text: str,
    blocks: list[dict] | None = None,
    replace_original: bool = False,
) -> bool:
    """Tell one person something, only to them; True when it reached them.

    The way is the response_url (what Bolt's `respond()` posts to): a block action, a
    shortcut and a slash command carry one; a modal carries the one of the command or button
    that opened it in its private_metadata, so its submission is confirmed the same way
    (`payload.response_url(body)` reads all three). Slack keeps a response_url for 30
    minutes and 5 posts, and it reaches the person where the bot is not a member.

    It is only a hint: it is only ever posted to, never read for ids or permissions, and
    only when it starts with one of `allowed` (Slack's hooks, or a configured stand-in's;
    `Settings.response_url_prefixes`), so a forged private_metadata cannot make the bot
    post anywhere else.

    chat.postEphemeral is the fallback, and the only place a reply uses it: when there is
    no response_url (an event such as a reaction; a modal opened from the App Home), when
    it is not an allowed one, or when posting to it fails (expired, used up, Slack down).
    With no channel either (the Home tab), the person gets a DM.
    """
    if allowed_response_url(response_url, allowed):
        assert response_url is not None
        if _post_response(response_url, text, blocks, replace_original):
            return True
    return _ephemeral(client, channel=channel, user=user, text=text, blocks=blocks)


def allowed_response_url(url: str | None, allowed: Sequence[str]) -> bool:
    """Whether `url` is one to post to: under one of the `allowed` prefixes, nothing odd."""
    if not url or any(c.isspace() or ord(c) < 32 for c in url):
        return False
    parts = urlsplit(url)
    for prefix in allowed:
        want = urlsplit(prefix)
        if (
            url.startswith(prefix)
            and (parts.scheme, parts.netloc) == (want.scheme, want.netloc)
            and not parts.username
        ):
            return True
    return False


def _post_response(url: str, text: str, blocks: list[dict] | None, replace_original: bool) -> bool:
    try:
        sent = WebhookClient(url, timeout=RESPONSE_URL_TIMEOUT).send(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=replace_original
        )
    except Exception:  # noqa: BLE001 - the reply is best effort; the fallback follows
        log.warning("response_url reply failed", exc_info=True)
        return False
    if sent.status_code != 200:
        log.info("response_url refused the reply (%s %s)", sent.status_code, sent.body)
        return False
    return True


def _ephemeral(
    client: WebClient, *, channel: str | None, user: str, text: str, blocks: list[dict] | None
) -> bool:
    if not channel:
        return _direct(client, user=user, text=text, blocks=blocks)
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("ephemeral reply failed: %s", exc.response.get("error"))
        return False
    return True


def _direct(client: WebClient, *, user: str, text: str, blocks: list[dict] | None) -> bool:
    """No channel to answer in (a button or form on the Home tab): a DM, so nothing the
    person should hear is lost."""
    try:
        client.chat_postMessage(channel=user, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("direct reply failed: %s", exc.response.get("error"))
        return False
    return True


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


def update_message(
    client: WebClient, channel: str, ts: str, text: str, blocks: list[dict] | None = None
) -> bool:
    """Replace a message the bot posted (a DM after someone acted on it); best effort."""
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks or [])
    except SlackApiError as exc:
        log.info("message %s in %s not updated: %s", ts, channel, exc.response.get("error"))
        return False
    return True
