"""The "Start a consent round" Workflow Builder step: what its inputs must be."""

from __future__ import annotations

from bot.domain.errors import DomainError

# The step's input names, as the manifest declares them (`functions.start_consent_round`).
IN_CHANNEL = "channel"
IN_TITLE = "title"
IN_PROPOSAL = "proposal"
IN_DEADLINE = "deadline"
IN_REVIEW_DATE = "review_date"
IN_AUTHOR = "author"
OUT_ROUND_LINK = "round_link"


class StepInputMissing(DomainError):
    """A required input of the step was left empty."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class StepInputInvalid(DomainError):
    """An input of the step cannot be read as what it should be (a date, a time, an id)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class BotNotInChannel(DomainError):
    """The step names a channel the bot cannot post in."""


class RoundNotPosted(DomainError):
    """The round was stored but Slack refused its message (it was removed again)."""
