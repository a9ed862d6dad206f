"""The circle's review rounds in their channel: the round's message, its close (in its thread,
the message brought up to date), and the DMs an early review sends."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks import review_rounds as views
from bot.delivery.language import channel_messages
from bot.deps import Deps
from bot.runtime.client import NotInstalled
from bot.runtime.posting import Attempt, direct_post, post
from bot.services import agreements, review_rounds
from bot.services.payloads import EarlyReviewAsked, ReviewRoundClosed, ReviewRoundMessage

log = logging.getLogger(__name__)


def send_round_message(
    deps: Deps, team_id: str, target: str, payload: ReviewRoundMessage, attempt: Attempt
) -> None:
    """Post the review round in the agreement's channel and remember its message."""
    rv = review_rounds.load(deps.sessions, team_id=team_id, round_id=payload.round_id)
    m = channel_messages(deps, team_id, target)
    text, blocks = views.round_message(m, rv)
    _, ts = post(deps.clients.for_team(team_id), attempt, channel=target, text=text, blocks=blocks)
    review_rounds.set_message(deps.sessions, team_id=team_id, round_id=rv.id, ts=ts)


def refresh(deps: Deps, team_id: str, round_id: int) -> None:
    """Bring the round's message up to date (its answers, or its close), best effort: the
    round stands without it, and the next answer or the close tries again."""
    try:
        rv = review_rounds.load(deps.sessions, team_id=team_id, round_id=round_id)
        if not rv.message_ts:
            return
        text, blocks = views.round_message(channel_messages(deps, team_id, rv.channel_id), rv)
        deps.clients.for_team(team_id).chat_update(
            channel=rv.channel_id, ts=rv.message_ts, text=text, blocks=blocks
        )
    except (SlackApiError, NotInstalled) as exc:
        log.warning("review round %s message not updated: %s", round_id, type(exc).__name__)


def send_round_closed(
    deps: Deps, team_id: str, target: str, payload: ReviewRoundClosed, attempt: Attempt
) -> None:
    """Tell the round's thread (and the channel) how it closed; its buttons go."""
    rv = review_rounds.load(deps.sessions, team_id=team_id, round_id=payload.round_id)
    m = channel_messages(deps, team_id, target)
    text = views.closed_notice(m, rv, payload.event)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    client = deps.clients.for_team(team_id)
    post(client, attempt, channel=target, text=text, blocks=blocks, thread_ts=rv.message_ts,
         reply_broadcast=bool(rv.message_ts))  # fmt: skip
    refresh(deps, team_id, rv.id)


def send_early_review(
    deps: Deps, team_id: str, target: str, payload: EarlyReviewAsked, attempt: Attempt
) -> None:
    """To a person responsible: an early review was asked for."""
    a = agreements.load(deps.sessions, team_id=team_id, agreement_id=payload.agreement_id)
    m = deps.people.user_messages(deps.clients.for_team(team_id), team_id, target)
    text, blocks = views.early_review_dm(m, a, payload.item_number, payload.actor)
    direct_post(deps.clients.for_team(team_id), attempt, target, text, blocks)
