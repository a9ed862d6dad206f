"""The outbox sender: deliver each queued message once, looked up by its payload's type.

A row is leased, sent, and marked sent only after Slack said ok. A crash between lease
and send leaves the row to be sent again after the lease expires.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from slack_sdk.errors import SlackApiError

from bot.delivery import notices, rounds
from bot.deps import Deps
from bot.domain.consent import RoundNotFound
from bot.domain.review import AgreementNotFound
from bot.services import payloads
from bot.store import outbox_repo
from bot.store.db import transaction

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

Sender = Callable[[Deps, str, str, Any], None]
SENDERS: dict[type, Sender] = {
    payloads.RoundResult: rounds.send_result,
    payloads.RoundResultAuthor: rounds.send_author_result,
    payloads.RoundNudge: rounds.send_nudge,
    payloads.AgreementEvent: notices.send_agreement_event,
    payloads.MeetingAgenda: notices.send_agenda,
}


def deliver_outbox(deps: Deps, limit: int = 100) -> int:
    """Send due outbox messages; each is marked sent only once Slack accepted it."""
    now = deps.clock()
    with transaction(deps.sessions) as session:
        due = outbox_repo.due_outbox(session, now, limit)
    sent = 0
    for team_id, outbox_id in due:
        with transaction(deps.sessions) as session:
            leased_at = deps.clock()  # fresh: a long sweep must not hand out expired leases
            row = outbox_repo.claim_outbox(
                session, team_id, outbox_id, leased_at, leased_at + OUTBOX_LEASE
            )
            if row is None:
                continue
            target, raw, attempts = row.target, row.payload, row.attempts
        sent += _deliver_one(deps, team_id, outbox_id, target, raw, attempts)
    return sent


def _deliver_one(
    deps: Deps, team_id: str, outbox_id: int, target: str, raw: str, attempts: int
) -> int:
    """Send one leased row; 1 when it went out."""
    try:
        payload = payloads.parse(raw)
        SENDERS[type(payload)](deps, team_id, target, payload)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc.response.status_code)
        if error in UNDELIVERABLE:
            log.info("outbox %s undeliverable (%s); not retried", outbox_id, error)
            _mark_sent(deps, team_id, outbox_id)
            return 0
        retry = deps.clock() + timedelta(seconds=min(3600, 30 * 2 ** min(attempts, 7)))
        with transaction(deps.sessions) as session:
            outbox_repo.mark_failed(session, team_id, outbox_id, retry, error)
        return 0
    except (RoundNotFound, AgreementNotFound):
        _mark_sent(deps, team_id, outbox_id)  # what it was about is gone: nothing to say
        return 0
    except ValidationError:
        log.error("outbox %s has a payload no sender knows; not retried", outbox_id)
        _mark_sent(deps, team_id, outbox_id)
        return 0
    _mark_sent(deps, team_id, outbox_id)
    return 1


def _mark_sent(deps: Deps, team_id: str, outbox_id: int) -> None:
    with transaction(deps.sessions) as session:
        outbox_repo.mark_sent(session, team_id, outbox_id, deps.clock())
