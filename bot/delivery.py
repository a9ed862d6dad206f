"""Work that talks to Slack on a schedule: round message updates and the outbox.

The decisions were already committed by the services; these sweeps only make
Slack show them, each message once: a row is leased, sent, and marked sent only
after Slack said ok. A crash between lease and send leaves the row to be sent
again after the lease expires.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.blocks import agreements as agreement_views
from bot.blocks import consent as views
from bot.blocks import rhythm as rhythm_views
from bot.domain import review
from bot.domain.clock import local_today
from bot.domain.consent import RoundNotFound
from bot.domain.review import AgreementNotFound
from bot.services import agreements, consent, rhythm
from bot.store import consent_repo as q
from bot.store.db import transaction

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

OUTBOX_LEASE = timedelta(seconds=60)
UNDELIVERABLE = {
    "user_not_found",
    "user_disabled",
    "cannot_dm_bot",
    "account_inactive",
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "messages_tab_disabled",
}


def render_rounds(deps: Deps, limit: int = 50) -> int:
    """Bring round messages up to date, at most once per interval per round."""
    now = deps.clock()
    updated = 0
    for team_id, round_id in consent.rounds_to_render(deps.sessions, now=now, limit=limit):
        claimed = consent.claim_render(deps.sessions, team_id=team_id, round_id=round_id, now=now)
        if claimed is None:
            continue
        seq, view = claimed
        m = deps.people.workspace_messages(team_id)
        text, blocks = views.round_message(m, view)
        try:
            deps.client.chat_update(
                channel=view.channel_id, ts=view.message_ts, text=text, blocks=blocks
            )
        except SlackApiError as exc:
            log.warning("round %s message not updated: %s", round_id, exc.response.get("error"))
            consent.finish_render(
                deps.sessions, team_id=team_id, round_id=round_id, seq=None, now=deps.clock()
            )
            continue
        consent.finish_render(
            deps.sessions, team_id=team_id, round_id=round_id, seq=seq, now=deps.clock()
        )
        updated += 1
    return updated


def deliver_outbox(deps: Deps, limit: int = 100) -> int:
    """Send due outbox messages; each is marked sent only once Slack accepted it."""
    now = deps.clock()
    with transaction(deps.sessions) as session:
        due = q.due_outbox(session, now, limit)
    sent = 0
    for team_id, outbox_id in due:
        with transaction(deps.sessions) as session:
            leased_at = deps.clock()  # fresh: a long sweep must not hand out expired leases
            row = q.claim_outbox(session, team_id, outbox_id, leased_at, leased_at + OUTBOX_LEASE)
            if row is None:
                continue
            kind, target, payload, attempts = (
                row.kind,
                row.target,
                json.loads(row.payload),
                row.attempts,
            )
        try:
            _send(deps, team_id, kind, target, payload)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or exc.response.status_code)
            if error in UNDELIVERABLE:
                log.info("outbox %s undeliverable (%s); not retried", outbox_id, error)
                _mark(deps, team_id, outbox_id, sent=True)
                continue
            retry = deps.clock() + timedelta(seconds=min(3600, 30 * 2 ** min(attempts, 7)))
            with transaction(deps.sessions) as session:
                q.mark_failed(session, team_id, outbox_id, retry, error)
            continue
        except (RoundNotFound, AgreementNotFound):
            _mark(deps, team_id, outbox_id, sent=True)
            continue
        _mark(deps, team_id, outbox_id, sent=True)
        sent += 1
    return sent


def _mark(deps: Deps, team_id: str, outbox_id: int, *, sent: bool) -> None:
    with transaction(deps.sessions) as session:
        q.mark_sent(session, team_id, outbox_id, deps.clock())


def permalink(deps: Deps, channel: str, ts: str | None) -> str | None:
    """A link to a message, when Slack gives one."""
    if not ts:
        return None
    try:
        return deps.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except SlackApiError:
        return None


def dm(deps: Deps, user_id: str, text: str, blocks: list[dict[str, Any]]) -> str:
    """Open (or reuse) the DM with a person and post there; returns the message ts."""
    channel = deps.client.conversations_open(users=user_id)["channel"]["id"]
    return deps.client.chat_postMessage(channel=channel, text=text, blocks=blocks)["ts"]


def _send(deps: Deps, team_id: str, kind: str, target: str, payload: dict[str, Any]) -> None:
    kind_of = payload["type"]
    if kind_of in ("round_result", "round_result_author", "round_nudge"):
        view = consent.load(deps.sessions, team_id=team_id, round_id=payload["round_id"])
        if kind_of == "round_result":
            m = deps.people.workspace_messages(team_id)
            text, blocks = views.result_thread(m, view)
            deps.client.chat_postMessage(
                channel=target,
                text=text,
                blocks=blocks,
                thread_ts=view.message_ts,
                reply_broadcast=True,
            )
            return
        m = deps.people.user_messages(deps.client, team_id, target)
        link = permalink(deps, view.channel_id, view.message_ts)
        if kind_of == "round_result_author":
            text, blocks = views.author_result(m, view, link)
        else:
            if view.status.value != "open" or target in {
                a for a, ans in view.answers.items() if ans.position.value != "objection_started"
            }:
                return  # answered or closed meanwhile: nothing to remind
            text, blocks = views.nudge(m, view, link)
        dm(deps, target, text, blocks)
        return
    if kind_of == "agreement_event":
        view = agreements.load(deps.sessions, team_id=team_id, agreement_id=payload["agreement_id"])
        entry = next((e for e in view.history if e.id == payload["event_id"]), None)
        if entry is None:
            return
        m = deps.people.workspace_messages(team_id)
        text, blocks = agreement_views.event_post(
            m, view, entry.action, entry.actor_id, entry.detail
        )
        deps.client.chat_postMessage(channel=target, text=text, blocks=blocks)
        return
    if kind_of == rhythm.PAYLOAD_TYPE:  # a governance meeting's agenda, the day before
        agenda = rhythm.agenda_to_post(
            deps.sessions,
            team_id=team_id,
            circle_id=payload["circle_id"],
            meeting_at=datetime.fromisoformat(payload["meeting_at"]),
            now=deps.clock(),
        )
        if agenda is None:
            return  # the meeting started, or the rhythm changed, since it was queued
        m = deps.people.workspace_messages(team_id)
        text, blocks = rhythm_views.agenda_message(m, agenda)
        deps.client.chat_postMessage(channel=target, text=text, blocks=blocks)
        return
    raise ValueError(f"unknown outbox payload {kind_of!r}")


# ---------------------------------------------------------------- review reminders

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
    for (team_id, _agreement_id, recipient), pending in agreements.due_groups(
        deps.sessions, now=now, limit=limit
    ).items():
        info = deps.people.user_info(deps.client, team_id, recipient)
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
                try:
                    outcome = _deliver_nudge(deps, nudge, infos.get(nudge.id), now)
                except SlackApiError as exc:
                    error = str(exc.response.get("error") or exc.response.status_code)
                    log.warning("review reminder %s not sent: %s", nudge.id, error)
                    agreements.failed(deps.sessions, nudge=nudge, error=error, now=deps.clock())
                    continue
                agreements.sent(
                    deps.sessions, nudge=nudge, outcome=outcome, now=deps.clock(), every_days=every
                )
                sent += 1
    return sent


def _deliver_nudge(
    deps: Deps, nudge: agreements.ClaimedNudge, info: dict[str, Any] | None, now: datetime
) -> str:
    """DM the recipient; if they are gone, remind the agreement's channel instead."""
    view = nudge.agreement
    gone = info is None or bool(info.get("deleted"))
    if not gone:
        m = deps.people.user_messages(deps.client, nudge.team_id, nudge.recipient_id)
        text, blocks = agreement_views.nudge(m, view, nudge.stage, local_today(now, info.get("tz")))
        try:
            dm(deps, nudge.recipient_id, text, blocks)
            return "dm"
        except SlackApiError as exc:
            if exc.response.get("error") not in GONE:
                raise
    m = deps.people.workspace_messages(nudge.team_id)
    name = (info or {}).get("real_name") or (info or {}).get("name") or nudge.recipient_id
    # The channel reads the date where the departed recipient was (UTC when unknown).
    today = local_today(now, (info or {}).get("tz"))
    text, blocks = agreement_views.nudge(m, view, nudge.stage, today, gone=name)
    deps.client.chat_postMessage(channel=view.channel_id, text=text, blocks=blocks)
    return "channel"
