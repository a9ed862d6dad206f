"""The governance meeting's posts: its "in progress" message with the check-in in its thread,
each item it takes up, and its minutes in the channel."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks import meeting as views
from bot.delivery.language import channel_messages
from bot.deps import Deps
from bot.domain.meeting import NoMeetingRunning
from bot.runtime.posting import Attempt, post
from bot.services import meeting
from bot.services.payloads import MeetingClosing, MeetingMinutes, MeetingStarted, MeetingStep
from bot.services.views import MeetingView

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
    text, blocks = views.minutes_message(m, view)
    post(client, attempt, channel=target, text=text, blocks=blocks)
    if view.message_ts:  # the "in progress" message says it has ended (the same, if retried)
        text, blocks = views.ended_message(m, view)
        try:
            client.chat_update(channel=target, ts=view.message_ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.info("meeting %s message not updated: %s", view.id, exc.response.get("error"))
