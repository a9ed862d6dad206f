"""The governance meeting's posts: its "in progress" message with the check-in in its thread,
each item it takes up, and its minutes in the channel."""

from __future__ import annotations

import logging
from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import meeting as views
from bot.blocks import quick_consent as qc_views
from bot.delivery.language import channel_messages
from bot.deps import Deps
from bot.domain.meeting import NoMeetingRunning
from bot.runtime.posting import Attempt, post
from bot.runtime.replies import permalink
from bot.services import meeting, quick_consent
from bot.services.payloads import (
    MeetingCheck,
    MeetingCheckResult,
    MeetingClosing,
    MeetingMinutes,
    MeetingRoundStarted,
    MeetingStarted,
    MeetingStep,
)
from bot.services.views import MeetingView, QuickConsentView

log = logging.getLogger(__name__)


class ThreadNotPostedYet(Exception):
    """The meeting's message is not posted yet: its thread posts wait for the next try."""


def _meeting(deps: Deps, team_id: str, meeting_id: int) -> MeetingView | None:
    """The meeting a queued post is about; None when it is gone (nothing to say then)."""
    try:
        return meeting.load(deps.sessions, team_id=team_id, meeting_id=meeting_id)
    except NoMeetingRunning:
        return None


def send_started(
    deps: Deps, team_id: str, target: str, payload: MeetingStarted, attempt: Attempt
) -> None:
    """Post the meeting's message, link the meeting to it, then the check-in in its thread."""
    view = _meeting(deps, team_id, payload.meeting_id)
    if view is None:
        return
    client = deps.clients.for_team(team_id)
    m = channel_messages(deps, team_id, target)
    ts = view.message_ts
    if ts is None:
        text, blocks = views.started_message(m, view)
        _, ts = post(client, attempt, channel=target, text=text, blocks=blocks)
        meeting.remember_thread(deps.sessions, team_id=team_id, meeting_id=view.id, message_ts=ts)
    text, blocks = views.check_in_message(m, view)
    check_in = Attempt(key=attempt.key + ":check-in", retry=attempt.retry, since=attempt.since)
    post(client, check_in, channel=target, text=text, blocks=blocks, thread_ts=ts)


def send_step(
    deps: Deps, team_id: str, target: str, payload: MeetingStep, attempt: Attempt
) -> None:
    """Post the item the meeting takes up, in its thread, unless it has moved on since."""
    view = _meeting(deps, team_id, payload.meeting_id)
    if view is None:
        return
    if not view.is_open or view.step != payload.step:
        return  # it moved on (or ended) before this went out: the newer post says it
    if view.message_ts is None:
        raise ThreadNotPostedYet(view.id)
    text, blocks = views.step_message(channel_messages(deps, team_id, target), view)
    post(
        deps.clients.for_team(team_id),
        attempt,
        channel=target,
        text=text,
        blocks=blocks,
        thread_ts=view.message_ts,
    )


def send_closing(
    deps: Deps, team_id: str, target: str, payload: MeetingClosing, attempt: Attempt
) -> None:
    """Post the closing step (evaluate the meeting, check out) in the thread, while it is open."""
    view = _meeting(deps, team_id, payload.meeting_id)
    if view is None or not view.is_open:
        return  # ended before this went out: the minutes say the rest
    if view.message_ts is None:
        raise ThreadNotPostedYet(view.id)
    text, blocks = views.closing_message(channel_messages(deps, team_id, target), view)
    post(
        deps.clients.for_team(team_id),
        attempt,
        channel=target,
        text=text,
        blocks=blocks,
        thread_ts=view.message_ts,
    )


def send_minutes(
    deps: Deps, team_id: str, target: str, payload: MeetingMinutes, attempt: Attempt
) -> None:
    """Post a closed meeting's minutes in the channel."""
    view = _meeting(deps, team_id, payload.meeting_id)
    if view is None:
        return
    client = deps.clients.for_team(team_id)
    m = channel_messages(deps, team_id, target)
    text, blocks = views.minutes_message(m, _with_links(client, view))
    post(client, attempt, channel=target, text=text, blocks=blocks)
    if view.message_ts:  # the "in progress" message says it has ended (the same, if retried)
        text, blocks = views.ended_message(m, view)
        try:
            client.chat_update(channel=target, ts=view.message_ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.info("meeting %s message not updated: %s", view.id, exc.response.get("error"))


def _with_links(client: WebClient, view: MeetingView) -> MeetingView:
    """The meeting with a link to each round started from it (where Slack gives one)."""
    started = [
        replace(r, link=permalink(client, view.channel_id, r.message_ts)) if r.message_ts else r
        for r in view.rounds_started
    ]
    return replace(view, rounds_started=started)


def send_round_started(
    deps: Deps, team_id: str, target: str, payload: MeetingRoundStarted, attempt: Attempt
) -> None:
    """Say in the meeting's thread that a consent round started from it, with its link."""
    view = _meeting(deps, team_id, payload.meeting_id)
    if view is None:
        return
    if view.message_ts is None:
        raise ThreadNotPostedYet(view.id)
    started = next((r for r in view.rounds_started if r.round_id == payload.round_id), None)
    if started is None:
        return
    client = deps.clients.for_team(team_id)
    if started.message_ts:
        started = replace(started, link=permalink(client, view.channel_id, started.message_ts))
    text, blocks = views.round_started_note(channel_messages(deps, team_id, target), started)
    post(client, attempt, channel=target, text=text, blocks=blocks, thread_ts=view.message_ts)


def _check(deps: Deps, team_id: str, consent_id: int) -> QuickConsentView | None:
    """The quick consent a queued post is about; None when it is gone."""
    try:
        return quick_consent.load(deps.sessions, team_id=team_id, consent_id=consent_id)
    except NoMeetingRunning:
        return None


def send_check(
    deps: Deps, team_id: str, target: str, payload: MeetingCheck, attempt: Attempt
) -> None:
    """Post a quick consent in the meeting's thread, and link the check to its message."""
    view = _check(deps, team_id, payload.consent_id)
    if view is None:
        return
    if view.thread_ts is None:
        raise ThreadNotPostedYet(view.meeting_id)
    text, blocks = qc_views.check_message(deps.people.workspace_messages(team_id), view)
    client = deps.clients.for_team(team_id)
    _, ts = post(
        client, attempt, channel=target, text=text, blocks=blocks, thread_ts=view.thread_ts
    )
    quick_consent.set_message(deps.sessions, team_id=team_id, consent_id=view.id, ts=ts)


def update_check(deps: Deps, view: QuickConsentView) -> None:
    """Show the quick consent's message as it stands now (answers, or closed)."""
    if not view.message_ts:
        return
    text, blocks = qc_views.check_message(deps.people.workspace_messages(view.team_id), view)
    try:
        deps.clients.for_team(view.team_id).chat_update(
            channel=view.channel_id, ts=view.message_ts, text=text, blocks=blocks
        )
    except SlackApiError as exc:
        log.info("quick consent %s not updated: %s", view.id, exc.response.get("error"))


def send_check_result(
    deps: Deps, team_id: str, target: str, payload: MeetingCheckResult, attempt: Attempt
) -> None:
    """Post a closed quick consent's result in the thread; its message loses its buttons."""
    view = _check(deps, team_id, payload.consent_id)
    if view is None or view.thread_ts is None:
        return
    text, blocks = qc_views.result_message(deps.people.workspace_messages(team_id), view)
    client = deps.clients.for_team(team_id)
    post(client, attempt, channel=target, text=text, blocks=blocks, thread_ts=view.thread_ts)
    update_check(deps, view)
