"""Transitional: names other features' handlers still import from the old consent module.

The consent feature lives in `bot.handlers.rounds` and `bot.handlers.answers`; the modal
state in `bot.blocks.consent`. Delete this module once agreements, drivers and rhythm
import from there (or open their modals with `bot.runtime.replies.open_modal`).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.blocks import consent as views
from bot.blocks.consent import ConsentMeta
from bot.deps import Deps
from bot.handlers import rounds
from bot.handlers.rounds import proposal_modal
from bot.i18n import Messages
from bot.runtime import replies

__all__ = ["ConsentMeta", "local_now", "open_modal", "proposal_modal"]


def local_now(
    deps: Deps, client: WebClient, team_id: str, user_id: str
) -> tuple[datetime, ZoneInfo]:
    """The current time in the person's Slack timezone, and that zone."""
    now = rounds.local_now(deps, client, team_id, user_id)
    return now, deps.people.zone(client, team_id, user_id)


def open_modal(
    client: WebClient, trigger_id: str, view: dict, m: Messages, channel: str | None, user_id: str
) -> None:
    """Open a modal; an expired trigger becomes a polite "try again"."""
    if not replies.open_modal(client, trigger_id, view):
        replies.ephemeral(client, channel=channel, user=user_id, text=views.slow_form(m))
