"""`/tension`: raise a tension onto the channel's governance backlog, list it, get help.

Bolt routes `/tension` by what its text asks for (`blocks.backlog.tension_request`): the
words here; a bare `/tension` opens the driver form (handlers.backlog); `/tension meeting`
and `/tension agenda` are handlers.rhythm's `on_meeting_command` and `on_agenda_command`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import backlog as views
from bot.blocks import drivers as drivers_views
from bot.blocks import ids
from bot.blocks.backlog import asks
from bot.deps import Deps
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import where
from bot.services import backlog

log = logging.getLogger(__name__)


def register(app: App) -> None:
    """Wire the /tension command's own words."""
    on(app.command(ids.CMD_TENSION, matchers=[asks("help")]), lazy=(show_help,))
    on(app.command(ids.CMD_TENSION, matchers=[asks("list")]), lazy=(show_list,))
    on(app.command(ids.CMD_TENSION, matchers=[asks("raise")]), lazy=(raise_tension,))


def show_help(args: Args) -> None:
    """`/tension help`: how to use the command."""
    fallback, blocks = views.usage(messages_for(args))
    tell(args, fallback, blocks)


def show_list(command: dict[str, Any], deps: Deps, args: Args) -> None:
    """`/tension list`: the first page of the channel's backlog, only to the person."""
    who = where(command)
    channel_id = who.channel_id or ""
    items, total = backlog.backlog_page(
        deps.sessions, team_id=who.team_id, channel_id=channel_id, limit=drivers_views.PAGE_SIZE
    )
    fallback, blocks = drivers_views.backlog_page(messages_for(args), channel_id, items, total, 0)
    tell(args, fallback, blocks)


def raise_tension(command: dict[str, Any], client: WebClient, deps: Deps, args: Args) -> None:
    """`/tension <text>`: store the tension, then tell the channel."""
    who = where(command)
    channel_id = who.channel_id or ""
    raised = backlog.raise_tension(
        deps.sessions,
        team_id=who.team_id,
        channel_id=channel_id,
        author_id=who.user_id,
        text=command.get("text") or "",
        now=deps.clock(),
    )
    public = deps.people.workspace_messages(who.team_id)
    fallback, blocks = views.tension_raised(public, raised.item, raised.open_count)
    try:
        posted = client.chat_postMessage(channel=channel_id, text=fallback, blocks=blocks)
    except SlackApiError as exc:
        log.warning(
            "announcing tension #%s failed: %s", raised.item.number, exc.response.get("error")
        )
        tell(args, views.not_in_channel(messages_for(args), number=raised.item.number))
        return
    backlog.link_message(
        deps.sessions, team_id=who.team_id, item_id=raised.item.id, message_ts=posted["ts"]
    )
