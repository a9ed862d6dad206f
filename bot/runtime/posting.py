"""Channel posts that go out once, even when an earlier attempt's answer was lost.

Every post that follows from a committed change carries its outbox key in Slack message
metadata. When a row is tried again (the earlier attempt timed out, the answer was lost,
or the process died after Slack's "ok"), the conversation is searched for a message with
that key first (`conversations.history`, or `conversations.replies` for a thread) and the
found one is taken as sent. Only when none is there is the message posted again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

EVENT_TYPE = "s3bot_outbox"
SEARCH_PAGES = 5  # at most 5 x 200 messages back; the rows are young, their posts recent
SEARCH_SLACK = timedelta(minutes=5)  # clocks differ; look a little before the row was made


@dataclass(frozen=True)
class Attempt:
    """One try at delivering a queued message: its key, and whether it was tried before."""

    key: str
    retry: bool = False
    since: datetime | None = None  # when the row was queued: nothing of it is older


def post(
    client: WebClient,
    attempt: Attempt,
    *,
    channel: str,
    text: str,
    blocks: list[dict] | None = None,
    thread_ts: str | None = None,
    reply_broadcast: bool = False,
) -> tuple[str, str]:
    """Post once; (channel, ts) of the message, found again rather than doubled on a retry."""
    if attempt.retry:
        found = find_posted(client, attempt, channel=channel, thread_ts=thread_ts)
        if found is not None:
            log.info("outbox %s was already posted (%s); not posting it again", attempt.key, found)
            return channel, found
    args: dict[str, Any] = {"channel": channel, "text": text, "blocks": blocks}
    if thread_ts:
        args.update(thread_ts=thread_ts, reply_broadcast=reply_broadcast)
    posted = client.chat_postMessage(
        **args, metadata={"event_type": EVENT_TYPE, "event_payload": {"key": attempt.key}}
    )
    return str(posted.get("channel") or channel), str(posted["ts"])


def direct_post(
    client: WebClient, attempt: Attempt, user: str, text: str, blocks: list[dict] | None = None
) -> str:
    """A DM to one person (its conversation opened first), once."""
    channel = client.conversations_open(users=user)["channel"]["id"]
    return post(client, attempt, channel=channel, text=text, blocks=blocks)[1]


def find_posted(
    client: WebClient, attempt: Attempt, *, channel: str, thread_ts: str | None = None
) -> str | None:
    """The ts of a message carrying this attempt's key, None when there is none.

    When Slack will not let us look (no history scope on an old install, say), the answer is
    None and the message is posted again: at least once beats never.
    """
    oldest = (attempt.since - SEARCH_SLACK).timestamp() if attempt.since else 0
    cursor = None
    try:
        for _ in range(SEARCH_PAGES):
            common = {
                "channel": channel,
                "oldest": f"{max(oldest, 0):.6f}",
                "limit": 200,
                "include_all_metadata": True,
                "cursor": cursor,
            }
            page = (
                client.conversations_replies(ts=thread_ts, **common)
                if thread_ts
                else client.conversations_history(**common)
            )
            for message in page.get("messages") or []:
                meta = message.get("metadata") or {}
                if (
                    meta.get("event_type") == EVENT_TYPE
                    and (meta.get("event_payload") or {}).get("key") == attempt.key
                ):
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
    except SlackApiError as exc:
        log.warning("cannot look for %s in %s: %s", attempt.key, channel, exc.response.get("error"))
    return None
