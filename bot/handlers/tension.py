"""`/tension`: raise a tension onto the channel's governance backlog, or list it.

Bolt routes `/tension` by what its text asks for (`blocks.backlog.tension_request`): the
words here; `/tension help` is handlers.usage's (one help for every command); a bare
`/tension` opens the driver form (handlers.backlog); `/tension meeting` and `/tension agenda`
are handlers.rhythm's `on_meeting_command` and `on_agenda_command`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args

from bot.blocks import backlog as views
from bot.blocks import drivers as drivers_views
from bot.blocks import ids
from bot.blocks.backlog import asks
from bot.delivery import outbox
from bot.deps import Deps
from bot.domain.backlog import ItemView
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import request_key, where
from bot.services import backlog

log = logging.getLogger(__name__)

RAISED = "s3bot_tension_raised"  # context: the stored item, for the part after the ack


def register(app: App) -> None:
    """Wire the /tension command's own words."""
    on(app.command(ids.CMD_TENSION, matchers=[asks("list")]), lazy=(show_list,))
    on(app.command(ids.CMD_TENSION, matchers=[asks("raise")]), ack=store_tension, lazy=(announce,))


def show_list(command: dict[str, Any], deps: Deps, args: Args) -> None:
    """`/tension list`: the first page of the channel's backlog, only to the person."""
    who = where(command)
    channel_id = who.channel_id or ""
    items, total = backlog.backlog_page(
        deps.sessions, team_id=who.team_id, channel_id=channel_id, limit=drivers_views.PAGE_SIZE
    )
    fallback, blocks = drivers_views.backlog_page(messages_for(args), channel_id, items, total, 0)
    tell(args, fallback, blocks)


def store_tension(ack: Ack, command: dict[str, Any], context: BoltContext, deps: Deps) -> None:
    """`/tension <text>`: store the tension and queue its announcement, then acknowledge."""
    who = where(command)
    raised = backlog.raise_tension(
        deps.sessions,
        team_id=who.team_id,
        channel_id=who.channel_id or "",
        author_id=who.user_id,
        text=command.get("text") or "",
        now=deps.clock(),
        request_key=request_key(command),
    )
    ack()
    context[RAISED] = raised.item


def announce(context: BoltContext, deps: Deps, args: Args) -> None:
    """Right after the ack: tell the channel (the sweep retries whatever Slack refuses now)."""
    item: ItemView | None = context.get(RAISED)
    if item is None:
        return
    key = backlog.announcement_key(item.id)
    told = outbox.deliver_key(deps, item.team_id, key, target=item.channel_id)
    if told.outcome is outbox.Outcome.UNDELIVERABLE:
        tell(args, views.not_in_channel(messages_for(args), number=item.number))
    elif told.outcome is outbox.Outcome.RETRY:
        tell(args, views.announcement_delayed(messages_for(args), number=item.number))
