"""The channel's logbook canvas: made (`conversations.canvases.create`) or rebuilt
(`canvases.edit`, replacing its content) from the records as they stand when it is sent.

What Slack will never do here (canvases off, not allowed, the plan) stops the syncing of
that channel and is told once to the person who asked; rate limits and server errors go
back to the outbox, which tries again later, a bounded number of times.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import agreements as views
from bot.deps import Deps
from bot.runtime import replies
from bot.runtime.posting import Attempt
from bot.services import canvas
from bot.services.canvas import CanvasTarget
from bot.services.payloads import CanvasSync

log = logging.getLogger(__name__)

# Slack will not keep a canvas for this workspace or channel: retrying fails the same way.
REFUSED = frozenset({
    "canvas_disabled_user_team", "restricted_action", "team_tier_cannot_create_channel_canvases",
    "free_teams_cannot_create_standalone_canvases", "free_teams_cannot_create_non_tabbed_canvases",
    "free_team_canvas_tab_already_exists", "free_teams_cannot_edit_standalone_canvases",
    "missing_scope", "not_allowed_token_type", "no_permission", "channel_not_found",
    "not_in_channel", "is_archived", "canvas_too_large",
})  # fmt: skip
GONE = frozenset({"canvas_not_found", "canvas_deleted"})  # someone deleted it: make a new one
TITLE_MAX = 80


def send_canvas_sync(
    deps: Deps, team_id: str, target: str, payload: CanvasSync, attempt: Attempt
) -> None:
    """Write the logbook into the channel's canvas; tell the person who asked."""
    channel = payload.channel_id
    where = canvas.target(deps.sessions, team_id=team_id, channel_id=channel, key=attempt.key)
    if where is None:
        return  # refused earlier: nothing more until someone asks again
    client = deps.clients.for_team(team_id)
    m = deps.people.workspace_messages(team_id)  # the canvas is public: the workspace's
    markdown = canvas.content(
        deps.sessions, team_id=team_id, channel_id=channel, m=m, now=deps.clock()
    )
    try:
        canvas_id = _write(deps, client, team_id, channel, where, views.canvas_title(m), markdown)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        if error not in REFUSED:
            raise  # 429, 5xx, an edit in progress: the outbox tries again later
        log.warning("canvas of %s in %s refused: %s", channel, team_id, error)
        who = canvas.refuse(
            deps.sessions, team_id=team_id, channel_id=channel, error=error, now=deps.clock()
        )
        if who:
            _tell(deps, client, team_id, channel, who, payload, error=error)
        return
    if payload.requested_by:
        _tell(deps, client, team_id, channel, payload.requested_by, payload, canvas_id=canvas_id)


def _write(
    deps: Deps, client: WebClient, team_id: str, channel: str, where: CanvasTarget, title: str,
    markdown: str,
) -> str:  # fmt: skip
    """Replace the canvas's content, or make the canvas; its id."""
    content = {"type": "markdown", "markdown": markdown}
    if where.canvas_id:
        try:
            client.canvases_edit(
                canvas_id=where.canvas_id,
                changes=[{"operation": "replace", "document_content": content}],
            )
            return where.canvas_id
        except SlackApiError as exc:
            if exc.response.get("error") not in GONE:
                raise
            log.info("canvas %s of %s is gone; making a new one", where.canvas_id, channel)
    try:
        made = client.conversations_canvases_create(
            channel_id=channel, document_content=content, title=title[:TITLE_MAX]
        )
    except SlackApiError as exc:
        if exc.response.get("error") != "channel_canvas_already_exists":
            raise
        found = _ours(client, channel, title)
        if found is not None:  # made on a try whose answer was lost: the same one, rebuilt
            client.canvases_edit(
                canvas_id=found, changes=[{"operation": "replace", "document_content": content}]
            )
            canvas.remember(deps.sessions, team_id=team_id, channel_id=channel, canvas_id=found)
            return found
        # The channel has a canvas of its own (someone made it): the logbook gets a tab.
        made = client.canvases_create(
            title=title[:TITLE_MAX], document_content=content, channel_id=channel
        )
    canvas_id = str(made["canvas_id"])
    canvas.remember(deps.sessions, team_id=team_id, channel_id=channel, canvas_id=canvas_id)
    return canvas_id


def _ours(client: WebClient, channel: str, title: str) -> str | None:
    """The channel's own canvas when it is the bot's logbook (its heading is the title)."""
    info = client.conversations_info(channel=channel).get("channel") or {}
    file_id = ((info.get("properties") or {}).get("canvas") or {}).get("file_id")
    if not file_id:
        return None
    try:
        found = client.canvases_sections_lookup(
            canvas_id=file_id, criteria={"section_types": ["h1"], "contains_text": title}
        )
    except SlackApiError as exc:
        log.info("cannot look into the canvas of %s: %s", channel, exc.response.get("error"))
        return None
    return str(file_id) if found.get("sections") else None


def _link(client: WebClient, team_id: str, canvas_id: str) -> str | None:
    """The canvas's address, from the workspace's (auth.test); None when Slack will not say."""
    try:
        url = str(client.auth_test().get("url") or "")
    except SlackApiError:
        return None
    return f"{url.rstrip('/')}/docs/{team_id}/{canvas_id}" if url.startswith("https://") else None


def _tell(
    deps: Deps, client: WebClient, team_id: str, channel: str, user: str, payload: CanvasSync,
    *, error: str | None = None, canvas_id: str | None = None,
) -> None:  # fmt: skip
    """Tell the person who asked, only them: made (with its link) or refused, in clear words."""
    m = deps.people.user_messages(client, team_id, user)
    if error is not None:
        text = views.canvas_refused(m, error)
    else:
        assert canvas_id is not None
        text = views.canvas_ready(m, channel, _link(client, team_id, canvas_id))
    response_url = payload.response_url if payload.requested_by == user else None
    replies.reply(
        client, response_url=response_url, allowed=deps.settings.response_url_prefixes,
        channel=channel, user=user, text=text,
    )  # fmt: skip
