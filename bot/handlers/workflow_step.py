"""The "Start a consent round" Workflow Builder step (a function in the manifest), so teams
start rounds from their own workflows.

Before the ack the inputs are checked and the round is opened by the consent service,
stored with the function execution id (a retried delivery finds it again, never a second
round). After the ack its message is posted and the step completes with the round's link
(`functions.completeSuccess`), or fails with what the workflow's author should change
(`functions.completeError`).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.complete import Complete
from slack_bolt.context.fail import Fail
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import ids
from bot.blocks.workflow_step import step_error
from bot.delivery import outbox
from bot.deps import Deps
from bot.domain import consent as rules
from bot.domain import workflow_step as step
from bot.domain.errors import DomainError
from bot.runtime.listeners import on
from bot.runtime.payload import where
from bot.runtime.replies import permalink
from bot.services import consent, workflow_steps
from bot.services.views import RoundView

log = logging.getLogger(__name__)

OPENED = "s3bot_step_opened"  # context: the round the step opened (or opened before)
FAILED = "s3bot_step_failed"  # context: why it did not


def register(app: App) -> None:
    """Wire the step's function listener."""
    on(app.function(ids.FN_START_ROUND), ack=open_from_step, lazy=(finish_step,))


def open_from_step(
    ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext, deps: Deps,
    client: WebClient,
) -> None:  # fmt: skip
    """Check the inputs and store the round (its message queued), then acknowledge."""
    team_id = where(body).team_id
    execution_id = str(event.get("function_execution_id") or "")
    try:
        context[OPENED] = _open(deps, client, team_id, execution_id, event.get("inputs") or {})
    except Exception as exc:  # noqa: BLE001 - every failure is told to the workflow once
        if isinstance(exc, DomainError):
            log.info("workflow step %s refused: %s", execution_id, type(exc).__name__)
        else:
            log.error("workflow step %s failed", execution_id, exc_info=exc)
        context[FAILED] = exc
    ack()


def _open(
    deps: Deps, client: WebClient, team_id: str, execution_id: str, inputs: dict[str, Any]
) -> RoundView:
    """The round for these inputs (the one a first delivery opened, on a retry)."""
    channel_id = _slack_id(inputs, step.IN_CHANNEL, ("C", "G"))
    author_id = _slack_id(inputs, step.IN_AUTHOR, ("U", "W"))
    proposal = _text(inputs, step.IN_PROPOSAL)
    if not proposal:
        raise step.StepInputMissing(step.IN_PROPOSAL)
    deadline, review = _moment(inputs, step.IN_DEADLINE), _day(inputs, step.IN_REVIEW_DATE)
    if not execution_id:
        raise step.StepInputMissing("function_execution_id")
    found = workflow_steps.opened_by(deps.sessions, team_id=team_id, execution_id=execution_id)
    if found is not None:
        return found  # Slack delivered this execution again
    if not deps.people.reach.of(client, team_id, channel_id, fresh=True).postable:
        raise step.BotNotInChannel()
    if not deps.people.channels.includes_now(client, team_id, channel_id, author_id):
        raise rules.NotAMember(channel_id)
    today = deps.clock().astimezone(deps.people.zone(client, team_id, author_id)).date()
    draft = consent.Draft(
        title=_text(inputs, step.IN_TITLE), text=proposal, driver=None, item_id=None,
        responsibilities=None, evaluation=None, review_date=review, deadline=deadline,
        hidden=False, quorum=None, participants=["(channel)"],
    )  # fmt: skip
    return workflow_steps.start_round(
        deps.sessions, team_id=team_id, execution_id=execution_id, channel_id=channel_id,
        author_id=author_id, draft=draft, now=deps.clock(), today=today,
    )  # fmt: skip


def _text(inputs: dict[str, Any], name: str) -> str:
    value = inputs.get(name)
    return value.strip() if isinstance(value, str) else ""


def _slack_id(inputs: dict[str, Any], name: str, prefixes: tuple[str, ...]) -> str:
    value = _text(inputs, name)
    if not value:
        raise step.StepInputMissing(name)
    if not value.startswith(prefixes) or not value.isalnum() or len(value) > 32:
        raise step.StepInputInvalid(name)
    return value


def _moment(inputs: dict[str, Any], name: str) -> datetime:
    """A `slack#/types/timestamp` input: Unix seconds (a number, or its digits)."""
    value = inputs.get(name)
    if value in (None, ""):
        raise step.StepInputMissing(name)
    try:
        seconds = float(value)
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    except (TypeError, ValueError, OverflowError):
        raise step.StepInputInvalid(name) from None


def _day(inputs: dict[str, Any], name: str) -> date:
    """A `slack#/types/date` input: YYYY-MM-DD."""
    value = _text(inputs, name)
    if not value:
        raise step.StepInputMissing(name)
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise step.StepInputInvalid(name) from None


def finish_step(
    body: dict[str, Any], context: BoltContext, deps: Deps, complete: Complete, fail: Fail
) -> None:
    """Post the stored round, then complete the step with its link (or fail it, saying why)."""
    team_id = where(body).team_id
    round_: RoundView | None = context.get(OPENED)
    m = deps.people.workspace_messages(team_id)
    try:
        link = _round_link(deps, round_) if round_ is not None else None
        if round_ is None or link is None:
            fail(step_error(m, context.get(FAILED) or step.RoundNotPosted()))
            return
        complete(outputs={step.OUT_ROUND_LINK: link})
    except SlackApiError as exc:  # completed already (a retry), or the execution is gone
        log.info("workflow step not completed: %s", exc.response.get("error"))
        return
    workflow_steps.completed(
        deps.sessions, team_id=team_id, execution_id=complete.function_execution_id or "",
        now=deps.clock(),
    )  # fmt: skip


def _round_link(deps: Deps, round_: RoundView) -> str | None:
    """The link to the round's message, posted now if it was not yet; None when Slack
    will not show it (the round was removed again)."""
    key = consent.round_message_key(round_.id)
    if outbox.deliver_key(deps, round_.team_id, key).outcome is outbox.Outcome.UNDELIVERABLE:
        return None
    try:
        posted = consent.load(deps.sessions, team_id=round_.team_id, round_id=round_.id)
    except rules.RoundNotFound:
        return None
    client = deps.clients.for_team(round_.team_id)
    link = permalink(client, posted.channel_id, posted.message_ts)
    # Not posted yet (Slack busy): the sweep posts it; meanwhile the link opens the channel.
    return link or f"https://slack.com/app_redirect?channel={posted.channel_id}"
