"""Named rule failures; handlers turn them into field errors or ephemeral messages."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken by the user's input; the message is shown to them."""


class EmptyText(DomainError):
    """The text is blank."""


class TextTooLong(DomainError):
    """The text exceeds a limit."""

    def __init__(self, limit: int, length: int) -> None:
        super().__init__(f"{length} > {limit}")
        self.limit = limit
        self.length = length


class StaleRequest(DomainError):
    """What a button, menu or form carried back cannot be read (out of date, damaged or forged)."""


class AlreadyHandled(DomainError):
    """The same request arrived again (a replay, a double submit): it was handled the first time."""
