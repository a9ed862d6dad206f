"""Messages every feature uses."""

from __future__ import annotations

from bot.i18n import Messages


def db_down(m: Messages) -> str:
    """The database did not answer: nothing was saved."""
    return m._(
        "Sorry, I could not save that just now. Nothing was saved; please try again in a moment."
    )


def unexpected(m: Messages) -> str:
    """An unexpected failure, without details."""
    return m._(
        "Sorry, something went wrong on my side. Please try again; "
        "if it keeps happening, tell your Slack admin."
    )
