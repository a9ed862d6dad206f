"""`/tension help`, `/consent help`, `/agreements help`: the one help text, only to the person.

Registered before the other features, so Bolt gives these words to this listener first.
"""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.kwargs_injection import Args

from bot.blocks import usage as views
from bot.runtime.listeners import messages_for, on, tell


def register(app: App) -> None:
    """Wire the help word of every command."""
    for command in views.COMMANDS:
        on(app.command(command, matchers=[views.asks_for_help]), lazy=(show_help,))


def show_help(args: Args) -> None:
    """The help for every command."""
    fallback, blocks = views.commands_help(messages_for(args))
    tell(args, fallback, blocks)
