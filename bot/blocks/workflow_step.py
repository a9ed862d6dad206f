"""What a Workflow Builder step tells the workflow's author when it cannot start a round
(`functions.completeError`): plain text naming the step's input to fix, no mrkdwn."""

from __future__ import annotations

from bot.blocks import errors
from bot.domain import consent as rules
from bot.domain import workflow_step as step
from bot.domain.errors import DomainError
from bot.i18n import Messages


def _input_label(m: Messages, name: str) -> str:
    labels = {
        step.IN_CHANNEL: m._("Channel"),
        step.IN_TITLE: m._("Title"),
        step.IN_PROPOSAL: m._("Proposal"),
        step.IN_DEADLINE: m._("Deadline"),
        step.IN_REVIEW_DATE: m._("Review date"),
        step.IN_AUTHOR: m._("Proposed by"),
    }
    return labels.get(name, name)


def step_error(m: Messages, exc: BaseException) -> str:
    """Why the step did not start a consent round, and what to change in the workflow."""
    if isinstance(exc, step.StepInputMissing):
        reason = m._(
            "the input \u201c{name}\u201d is empty; give it a value in the workflow.",
            name=_input_label(m, exc.name),
        )
    elif isinstance(exc, step.StepInputInvalid):
        reason = m._(
            "the input \u201c{name}\u201d cannot be read; check what the workflow puts in it.",
            name=_input_label(m, exc.name),
        )
    elif isinstance(exc, rules.DeadlineInPast):
        reason = m._("the deadline has already passed; give the step a deadline in the future.")
    elif isinstance(exc, rules.DeadlineTooSoon):
        reason = m._("the deadline is less than an hour away; give people at least an hour.")
    elif isinstance(exc, rules.DeadlineTooFar):
        reason = m._("the deadline is more than 60 days away; a round runs at most 60 days.")
    elif isinstance(exc, rules.ReviewDateInPast):
        reason = m._("the review date must be after today.")
    elif isinstance(exc, step.BotNotInChannel):
        reason = m._(
            "S3 Governance is not in the step's channel. Invite it there "
            "(/invite @S3 Governance) or choose a channel it is in."
        )
    elif isinstance(exc, step.RoundNotPosted):
        reason = m._("Slack did not let S3 Governance post in the step's channel.")
    elif isinstance(exc, rules.NotAMember):
        reason = m._(
            "the person in \u201c{name}\u201d is not a member of the step's channel; only "
            "members start consent rounds there.",
            name=_input_label(m, step.IN_AUTHOR),
        )
    elif isinstance(exc, DomainError):
        reason = errors.explain(m, exc)
    else:
        reason = m._("something went wrong on our side; run the workflow again later.")
    return m._("Could not start the consent round: {reason}", reason=reason)
