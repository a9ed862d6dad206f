"""Which language a post in a channel is written in."""

from __future__ import annotations

from bot.deps import Deps
from bot.i18n import Messages


def channel_messages(deps: Deps, team_id: str, channel_id: str) -> Messages:
    """The channel's own language when Slack gives one (cached), else the workspace's."""
    return deps.people.channel_messages(deps.clients.for_team(team_id), team_id, channel_id)
