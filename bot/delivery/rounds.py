"""Round messages: keep them up to date, and send what a round tells people."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks import concerns as concern_views
from bot.blocks import consent as views
from bot.delivery.language import channel_messages
from bot.deps import Deps
from bot.domain.consent import Position, RoundStatus, next_working_time
from bot.runtime.client import NotInstalled
from bot.runtime.posting import Attempt, direct_post, post
from bot.runtime.replies import permalink
from bot.services import concerns, consent
from bot.services.payloads import (
    ConcernHearingAsk,
    RoundAnswersOpen,
    RoundAuthorControls,
    RoundMessage,
    RoundNudge,
    RoundResult,
    RoundResultAuthor,
)

log = logging.getLogger(__name__)


def render_rounds(deps: Deps, limit: int = 50) -> int:
    """Bring round messages up to date, at most once per interval per round."""
    now = deps.clock()
    updated = 0
    for team_id, round_id in consent.rounds_to_render(deps.sessions, now=now, limit=limit):
        claimed = consent.claim_render(deps.sessions, team_id=team_id, round_id=round_id, now=now)
        if claimed is None:
            continue
        seq, view = claimed
        m = channel_messages(deps, team_id, view.channel_id)
        text, blocks = views.round_message(m, view)
        try:
            deps.clients.for_team(team_id).chat_update(
                channel=view.channel_id, ts=view.message_ts, text=text, blocks=blocks
            )
            if view.result_ts:  # the result shows where each objection stands
                text, blocks = views.result_thread(m, view)
                deps.clients.for_team(team_id).chat_update(
                    channel=view.channel_id, ts=view.result_ts, text=text, blocks=blocks
                )
        except SlackApiError as exc:
            log.warning("round %s message not updated: %s", round_id, exc.response.get("error"))
            seq = None
        except NotInstalled:
            seq = None  # tried again after the interval, as a failed update is
        consent.finish_render(
            deps.sessions, team_id=team_id, round_id=round_id, seq=seq, now=deps.clock()
        )
        updated += seq is not None
    return updated


def send_author_controls(
    deps: Deps, team_id: str, target: str, payload: RoundAuthorControls, attempt: Attempt
) -> None:
    """The author's own controls of a round, by DM: posted when it opens (and remembered),
    brought up to date when what they allow changes (closed, sent to the meeting, ...)."""
    view = consent.load(deps.sessions, team_id=team_id, round_id=payload.round_id)
    client = deps.clients.for_team(team_id)
    m = deps.people.user_messages(client, team_id, target)
    link = permalink(client, view.channel_id, view.message_ts)
    text, blocks = views.author_controls(m, view, link)
    if view.controls is not None:
        channel, ts = view.controls
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        return
    channel = client.conversations_open(users=target)["channel"]["id"]
    _, ts = post(client, attempt, channel=channel, text=text, blocks=blocks)
    consent.set_controls_message(
        deps.sessions, team_id=team_id, round_id=view.id, channel=channel, ts=ts
    )


NOT_POSTABLE = {"not_in_channel", "channel_not_found", "is_archived"}


def send_round_message(
    deps: Deps, team_id: str, target: str, payload: RoundMessage, attempt: Attempt
) -> None:
    """Post a new round's message and link the round to it (its people resolved first).

    A round Slack will never show (the bot is not in the channel) is removed, so nobody is
    asked to answer an invisible round. A post whose link fails to store is found again on
    the retry and linked then: never a second message, never a round reactions cannot find.
    """
    view = consent.load(deps.sessions, team_id=team_id, round_id=payload.round_id)
    if view.message_ts:
        return
    client = deps.clients.for_team(team_id)
    if payload.whole_channel and not view.participants:
        people = deps.people.round_participants(client, team_id, target)
        consent.set_participants(deps.sessions, team_id=team_id, round_id=view.id, users=people)
        view = consent.load(deps.sessions, team_id=team_id, round_id=payload.round_id)
    text, blocks = views.round_message(channel_messages(deps, team_id, target), view)
    try:
        _, ts = post(client, attempt, channel=target, text=text, blocks=blocks)
    except SlackApiError as exc:
        if exc.response.get("error") in NOT_POSTABLE:
            consent.discard(deps.sessions, team_id=team_id, round_id=view.id)
        raise
    consent.set_message(deps.sessions, team_id=team_id, round_id=view.id, ts=ts)


def send_result(
    deps: Deps, team_id: str, target: str, payload: RoundResult, attempt: Attempt
) -> None:
    """The result in the round message's thread, broadcast to the channel."""
    view = consent.load(deps.sessions, team_id=team_id, round_id=payload.round_id)
    m = channel_messages(deps, team_id, target)
    text, blocks = views.result_thread(m, view)
    _, ts = post(
        deps.clients.for_team(team_id), attempt, channel=target, text=text, blocks=blocks,
        thread_ts=view.message_ts, reply_broadcast=True,
    )  # fmt: skip
    consent.set_result_message(deps.sessions, team_id=team_id, round_id=view.id, ts=ts)


def send_author_result(
    deps: Deps, team_id: str, target: str, payload: RoundResultAuthor, attempt: Attempt
) -> None:
    """The result to the proposal's author, by DM, with a link to the round."""
    view = consent.load(deps.sessions, team_id=team_id, round_id=payload.round_id)
    client = deps.clients.for_team(team_id)
    m = deps.people.user_messages(client, team_id, target)
    link = permalink(client, view.channel_id, view.message_ts)
    text, blocks = views.author_result(m, view, link)
    direct_post(client, attempt, target, text, blocks)


def queue_nudges(deps: Deps, limit: int = 100) -> int:
    """Sweep: each round's answer reminders, once per round, each timed for the person's
    working hours (a weekday, 09:00 to 17:00 in their Slack timezone; UTC when unknown)."""
    now = deps.clock()
    queued = 0
    for due in consent.nudges_due(deps.sessions, now=now, limit=limit):
        try:
            client = deps.clients.for_team(due.team_id)
        except NotInstalled:
            continue  # stays due: reminded once the workspace has a token again
        times = {
            user: next_working_time(now, deps.people.timezone(client, due.team_id, user))
            for user in due.silent
        }
        queued += consent.queue_nudges(
            deps.sessions, team_id=due.team_id, round_id=due.round_id, times=times, now=now
        )
    return queued


def send_nudge(
    deps: Deps, team_id: str, target: str, payload: RoundNudge, attempt: Attempt
) -> None:
    """Remind a participant who has not answered, unless they did or the round closed."""
    view = consent.load(deps.sessions, team_id=team_id, round_id=payload.round_id)
    answered = {
        user
        for user, answer in view.answers.items()
        if answer.position != Position.OBJECTION_STARTED
    }
    if view.status != RoundStatus.OPEN or target in answered:
        return
    client = deps.clients.for_team(team_id)
    m = deps.people.user_messages(client, team_id, target)
    link = permalink(client, view.channel_id, view.message_ts)
    text, blocks = views.nudge(m, view, link)
    direct_post(client, attempt, target, text, blocks)


def send_answers_open(
    deps: Deps, team_id: str, target: str, payload: RoundAnswersOpen, attempt: Attempt
) -> None:
    """Tell a participant who asked that answers are open, unless the round closed meanwhile."""
    view = consent.load(deps.sessions, team_id=team_id, round_id=payload.round_id)
    if view.status != RoundStatus.OPEN:
        return
    client = deps.clients.for_team(team_id)
    m = deps.people.user_messages(client, team_id, target)
    link = permalink(client, view.channel_id, view.message_ts)
    text, blocks = views.answers_open(m, view, link)
    direct_post(client, attempt, target, text, blocks)


def send_concern_hearing(
    deps: Deps, team_id: str, target: str, payload: ConcernHearingAsk, attempt: Attempt
) -> None:
    """Ask the person who recorded a concern whether it should be heard (by DM, remembered);
    once they answered, that DM shows the answer instead of its buttons."""
    view = concerns.load(deps.sessions, team_id=team_id, hearing_id=payload.hearing_id)
    client = deps.clients.for_team(team_id)
    m = deps.people.user_messages(client, team_id, target)
    text, blocks = concern_views.ask(m, view)
    posted = concerns.dm_of(deps.sessions, team_id=team_id, hearing_id=view.id)
    if posted is not None:
        client.chat_update(channel=posted[0], ts=posted[1], text=text, blocks=blocks)
        return
    channel = client.conversations_open(users=target)["channel"]["id"]
    _, ts = post(client, attempt, channel=channel, text=text, blocks=blocks)
    concerns.set_dm(deps.sessions, team_id=team_id, hearing_id=view.id, channel=channel, ts=ts)
