"""The outbox sender: deliver each queued message once, looked up by its payload's type.

A row is leased, sent, and marked sent only after Slack said ok. A crash between lease
and send leaves the row to be sent again after the lease expires; a crash after Slack's
ok but before the mark is caught on that retry, which looks for the post first
(`bot.runtime.posting`), so the message is not posted twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery import (
    canvas,
    meetings,
    notices,
    objections,
    review_rounds,
    role_groups,
    roles,
    rounds,
    selection,
)
from bot.deps import Deps
from bot.domain.backlog import ItemNotFound
from bot.domain.consent import HearingNotFound, RoundNotFound
from bot.domain.objections import ObjectionNotFound
from bot.domain.review import AgreementNotFound, ReviewRoundNotFound
from bot.runtime.client import TOKEN_ERRORS, NotInstalled
from bot.runtime.pacing import is_patient
from bot.runtime.posting import Attempt
from bot.services import payloads
from bot.store import outbox_repo
from bot.store.db import transaction

log = logging.getLogger(__name__)

OUTBOX_LEASE = timedelta(seconds=60)
WAIT_FOR_INSTALL = timedelta(minutes=5)  # a workspace with no token is looked at again after
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

Sender = Callable[[Deps, str, str, Any, Attempt], None]
SENDERS: dict[type, Sender] = {
    payloads.RoundMessage: rounds.send_round_message,
    payloads.RoundResult: rounds.send_result,
    payloads.RoundResultAuthor: rounds.send_author_result,
    payloads.RoundNudge: rounds.send_nudge,
    payloads.RoundAnswersOpen: rounds.send_answers_open,
    payloads.RoundAuthorControls: rounds.send_author_controls,
    payloads.ConcernHearingAsk: rounds.send_concern_hearing,
    payloads.ObjectionThread: objections.send_thread,
    payloads.ObjectionUpdate: objections.send_update,
    payloads.ObjectionConcernView: objections.send_concern_view,
    payloads.ObjectionNotQualified: objections.send_not_qualified,
    payloads.ResolutionCheck: objections.send_resolution_check,
    payloads.AgreementEvent: notices.send_agreement_event,
    payloads.MeetingAgenda: notices.send_agenda,
    payloads.TensionAnnouncement: notices.send_tension,
    payloads.CadenceSet: notices.send_cadence,
    payloads.MeetingStarted: meetings.send_started,
    payloads.MeetingStep: meetings.send_step,
    payloads.MeetingClosing: meetings.send_closing,
    payloads.MeetingMinutes: meetings.send_minutes,
    payloads.MeetingCheck: meetings.send_check,
    payloads.MeetingCheckResult: meetings.send_check_result,
    payloads.MeetingRoundStarted: meetings.send_round_started,
    payloads.ChannelWelcome: notices.send_channel_welcome,
    # roles (issue 10)
    payloads.RoleNotice: roles.send_role_notice,
    payloads.RoleGroupSync: role_groups.send_role_group_sync,
    payloads.SelectionNotice: selection.send_selection_notice,
    # reviews by the circle (issue 11, part 7)
    payloads.ReviewRoundMessage: review_rounds.send_round_message,
    payloads.ReviewRoundClosed: review_rounds.send_round_closed,
    payloads.EarlyReviewAsked: review_rounds.send_early_review,
    # the logbook as a canvas (issue 13, part 6)
    payloads.CanvasSync: canvas.send_canvas_sync,
}


class Outcome(StrEnum):
    """What became of one try at a row."""

    SENT = "sent"
    UNDELIVERABLE = "undeliverable"  # Slack will never take it (the bot is not in the channel, ...)
    RETRY = "retry"  # not now; the sweep tries again later
    SKIPPED = "skipped"  # another sender has it, or it went out already


@dataclass(frozen=True)
class Delivered:
    outcome: Outcome
    error: str | None = None


@dataclass(frozen=True)
class Leased:
    """One outbox row this sender holds the lease of."""

    team_id: str
    id: int
    key: str
    target: str
    payload: str
    attempts: int
    created_at: datetime

    @property
    def attempt(self) -> Attempt:
        # Tried before: that try may have reached Slack (lost answer, timeout, crash after ok).
        return Attempt(key=self.key, retry=self.attempts > 1, since=self.created_at)


def deliver_outbox(deps: Deps, limit: int = 100) -> int:
    """Send due outbox messages; each is marked sent only once Slack accepted it.

    Every row is handled on its own: whatever one row raises (a Slack error, a timeout, a
    dropped connection, a database hiccup) is recorded on that row, and the sweep goes on.
    """
    now = deps.clock()
    with transaction(deps.sessions) as session:
        due = outbox_repo.due_outbox(session, now, limit)
    sent = 0
    waiting: set[str] = set()  # workspaces with no (working) token: their rows wait
    for team_id, outbox_id, target in due:
        if team_id in waiting:
            continue
        try:
            client = deps.clients.for_team(team_id)
            if not is_patient() and not _postable_now(client, target):
                continue  # a burst in this channel: a patient sweep paces it out
            row = _lease(deps, team_id, outbox_id)
            if row is not None:
                delivered = deliver_row(deps, row)
                sent += delivered.outcome is Outcome.SENT
                if delivered.error in TOKEN_ERRORS:
                    refused = f"Slack refused its token ({delivered.error})"
                    deps.clients.not_installed(team_id, refused, client.token)
                    _wait_for_install(deps, team_id, waiting)
        except NotInstalled:
            _wait_for_install(deps, team_id, waiting)
        except Exception:  # noqa: BLE001 - one bad row never stops the sweep
            log.exception("outbox %s: could not be handled; left for the next sweep", outbox_id)
    return sent


def _wait_for_install(deps: Deps, team_id: str, waiting: set[str]) -> None:
    """Put a workspace's unsent rows off for a while, without spending their tries: they go
    out once it is installed again, and meanwhile never crowd out other workspaces' rows."""
    waiting.add(team_id)
    with transaction(deps.sessions) as session:
        outbox_repo.defer_team(
            session, team_id, now=deps.clock(), until=deps.clock() + WAIT_FOR_INSTALL
        )


def deliver_key(deps: Deps, team_id: str, key: str, target: str | None = None) -> Delivered:
    """Send one queued message right after the commit that queued it.

    The sweeps would send it too; this only spares the wait. A row another sender holds,
    or one already sent, is left alone. With its `target` known, a message whose channel
    has no room for a post now is left to the sweep without asking the database (a burst).
    """
    try:
        client = deps.clients.for_team(team_id) if target is not None else None
        if client is not None and not is_patient() and not _postable_now(client, target or ""):
            return Delivered(Outcome.SKIPPED)
        with transaction(deps.sessions) as session:
            found = outbox_repo.id_and_target_for_key(session, team_id, key)
        if found is None:
            return Delivered(Outcome.SKIPPED)
        outbox_id, target = found
        if not is_patient() and not _postable_now(deps.clients.for_team(team_id), target):
            return Delivered(Outcome.SKIPPED)  # a burst in this channel: the sweep paces it out
        row = _lease(deps, team_id, outbox_id)
        return deliver_row(deps, row) if row is not None else Delivered(Outcome.SKIPPED)
    except Exception as exc:  # noqa: BLE001 - the sweep retries whatever this could not send
        log.exception("outbox %s: not sent now; the sweep will retry", key)
        return Delivered(Outcome.RETRY, type(exc).__name__)


def _postable_now(client: WebClient, target: str) -> bool:
    """Whether a post to this target fits the budget now (no pacer: always)."""
    pacer = getattr(client, "pacer", None)
    return pacer is None or pacer.ready(client.token or "", "chat.postMessage", target)


def _lease(deps: Deps, team_id: str, outbox_id: int) -> Leased | None:
    with transaction(deps.sessions) as session:
        leased_at = deps.clock()  # fresh: a long sweep must not hand out expired leases
        row = outbox_repo.claim_outbox(
            session, team_id, outbox_id, leased_at, leased_at + OUTBOX_LEASE
        )
        if row is None:
            return None
        return Leased(
            team_id, outbox_id, row.key, row.target, row.payload, row.attempts, row.created_at
        )


def deliver_row(deps: Deps, row: Leased) -> Delivered:
    """Send one leased row, and say what became of it."""
    try:
        payload = payloads.parse(row.payload)
        SENDERS[type(payload)](deps, row.team_id, row.target, payload, row.attempt)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc.response.status_code)
        if error in UNDELIVERABLE:
            log.info("outbox %s undeliverable (%s); not retried", row.id, error)
            _mark_sent(deps, row)
            return Delivered(Outcome.UNDELIVERABLE, error)
        _retry_later(deps, row, error)
        return Delivered(Outcome.RETRY, error)
    except NotInstalled:
        _retry_later(deps, row, "not_installed")
        return Delivered(Outcome.RETRY, "not_installed")
    except (
        RoundNotFound,
        HearingNotFound,
        AgreementNotFound,
        ItemNotFound,
        ObjectionNotFound,
        ReviewRoundNotFound,
    ):
        _mark_sent(deps, row)  # what it was about is gone: nothing to say
        return Delivered(Outcome.SKIPPED)
    except ValidationError:
        log.error("outbox %s has a payload no sender knows; not retried", row.id)
        _mark_sent(deps, row)
        return Delivered(Outcome.UNDELIVERABLE, "unknown payload")
    except Exception as exc:  # noqa: BLE001 - timeouts, lost connections, the store: retry
        log.warning("outbox %s not sent (%s); retried later", row.id, type(exc).__name__)
        _retry_later(deps, row, type(exc).__name__)
        return Delivered(Outcome.RETRY, type(exc).__name__)
    _mark_sent(deps, row)
    return Delivered(Outcome.SENT)


def _retry_later(deps: Deps, row: Leased, error: str) -> None:
    retry = deps.clock() + timedelta(seconds=min(3600, 30 * 2 ** min(row.attempts, 7)))
    with transaction(deps.sessions) as session:
        outbox_repo.mark_failed(session, row.team_id, row.id, retry, error)


def _mark_sent(deps: Deps, row: Leased) -> None:
    with transaction(deps.sessions) as session:
        outbox_repo.mark_sent(session, row.team_id, row.id, deps.clock())
