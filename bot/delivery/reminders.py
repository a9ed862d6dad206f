"""Review reminders: each due once, at 09:00 in the recipient's timezone, by DM or in the channel."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.blocks import agreements as agreement_views
from bot.delivery.language import channel_messages
from bot.deps import Deps
from bot.domain import review
from bot.domain.clock import local_today
from bot.runtime.client import NotInstalled
from bot.runtime.posting import Attempt, direct_post, post
from bot.services import agreements

log = logging.getLogger(__name__)


NUDGE_CHUNK = 20  # reminders leased together; sent well within the lease, even when rate limited
GONE = {"user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot", "user_not_visible"}


def send_review_nudges(deps: Deps, limit: int = 500) -> int:
    """Send the review reminders that are due, once each, at 09:00 in each recipient's timezone.

    Reminders due together for one person and agreement (after downtime) fold into
    the latest one. A reminder is marked sent only after Slack accepted it; one that
    was claimed by a sweep that then died is sent after its lease expires.
    """
    now = deps.clock()
    picks: dict[str, list[tuple[review.Pending, list[review.Pending], dict[str, Any] | None]]] = {}
    waiting: set[str] = set()  # workspaces with no installation: their reminders stay due
    for (team_id, _agreement_id, recipient), pending in agreements.due_groups(
        deps.sessions, now=now, limit=limit
    ).items():
        if team_id in waiting:
            continue
        try:
            client = deps.clients.for_team(team_id)
        except NotInstalled:
            waiting.add(team_id)
            continue
        info = deps.people.user_info(client, team_id, recipient)
        send, fold = review.fold(pending, (info or {}).get("tz"), now)
        if send is not None:
            picks.setdefault(team_id, []).append((send, fold, info))
    sent = 0
    for team_id, team_picks in picks.items():
        every = agreements.overdue_every(deps.sessions, team_id=team_id)
        infos = {send.id: info for send, _, info in team_picks}
        for start in range(0, len(team_picks), NUDGE_CHUNK):
            chunk = team_picks[start : start + NUDGE_CHUNK]
            # A fresh lease per chunk: a long sweep must not hand out leases that already expired.
            claimed = agreements.claim_batch(
                deps.sessions,
                team_id=team_id,
                picks=[(s, f) for s, f, _ in chunk],
                now=deps.clock(),
            )
            for nudge in claimed:
                sent += _send_one(deps, nudge, infos.get(nudge.id), now, every)
    return sent


def _send_one(
    deps: Deps,
    nudge: agreements.ClaimedNudge,
    info: dict[str, Any] | None,
    now: datetime,
    every: int,
) -> int:
    """Send one leased reminder and mark it; whatever fails is recorded on it, and retried."""
    try:
        outcome = _deliver_nudge(deps, nudge, info, now)
    except Exception as exc:  # noqa: BLE001 - one reminder never stops the sweep
        if isinstance(exc, SlackApiError):
            error = str(exc.response.get("error") or exc.response.status_code)
        else:
            error = type(exc).__name__
        log.warning("review reminder %s not sent: %s", nudge.id, error)
        try:
            agreements.failed(deps.sessions, nudge=nudge, error=error, now=deps.clock())
        except Exception:  # noqa: BLE001 - the lease runs out and the next sweep retries
            log.exception("review reminder %s: failure not recorded", nudge.id)
        return 0
    agreements.sent(deps.sessions, nudge=nudge, outcome=outcome, now=deps.clock(), every_days=every)
    return 1


def _deliver_nudge(
    deps: Deps, nudge: agreements.ClaimedNudge, info: dict[str, Any] | None, now: datetime
) -> str:
    """DM the recipient; if they are gone, remind the agreement's channel instead."""
    view = nudge.agreement
    attempt = Attempt(f"review-nudge:{nudge.id}", nudge.attempts > 1, nudge.queued_at)
    gone = info is None or bool(info.get("deleted"))
    client = deps.clients.for_team(nudge.team_id)
    if not gone:
        m = deps.people.user_messages(client, nudge.team_id, nudge.recipient_id)
        text, blocks = agreement_views.nudge(m, view, nudge.stage, local_today(now, info.get("tz")))
        try:
            direct_post(client, attempt, nudge.recipient_id, text, blocks)
            return "dm"
        except SlackApiError as exc:
            if exc.response.get("error") not in GONE:
                raise
    m = channel_messages(deps, nudge.team_id, view.channel_id)
    name = (info or {}).get("real_name") or (info or {}).get("name") or nudge.recipient_id
    # The channel reads the date where the departed recipient was (UTC when unknown).
    today = local_today(now, (info or {}).get("tz"))
    text, blocks = agreement_views.nudge(m, view, nudge.stage, today, gone=name)
    post(client, attempt, channel=view.channel_id, text=text, blocks=blocks)
    return "channel"
