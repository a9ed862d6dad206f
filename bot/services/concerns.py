"""After consent: the concerns (S3's "consider concerns"). Each person who recorded one is
asked, by DM, whether it should be heard; their answer (once) and what should happen are kept
beside the agreement's evaluation criteria, and "hear it" puts it on the circle's backlog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import consent as rules
from bot.domain.backlog import NextStep
from bot.domain.consent import Decision
from bot.services import backlog, payloads
from bot.services.views import ConcernHeard
from bot.store import (
    agreements_repo,
    backlog_repo,
    concerns_repo,
    consent_repo,
    workspace_repo,
)
from bot.store.db import transaction
from bot.store.models import ConcernHearing, ConsentRound

Factory = sessionmaker[Session]
Describe = Callable[[ConcernHeard, str | None], str]  # the backlog item's text for a concern
HEAR, RECORDED = "hear", "recorded"


def hearing_key(hearing_id: int) -> str:
    """The outbox key of the question to one person about their concern."""
    return f"concern-hearing:{hearing_id}"


def ask_at_consent(session: Session, rnd: ConsentRound, decision: Decision, now: datetime) -> None:
    """In the transaction that records the consent: ask each person with a concern, once per
    person per round, whether it should be heard (by DM, through the outbox)."""
    asked = {h.user_id for h in concerns_repo.of_round(session, rnd.team_id, rnd.id)}
    for answer in decision.concerns:
        if answer.user_id in asked:
            continue
        asked.add(answer.user_id)
        row = ConcernHearing(
            team_id=rnd.team_id, round_id=rnd.id, user_id=answer.user_id, reason=answer.reason,
            created_at=now,
        )  # fmt: skip
        session.add(row)
        session.flush()
        payloads.queue(
            session, team_id=rnd.team_id, key=hearing_key(row.id), kind="dm",
            target=answer.user_id, payload=payloads.ConcernHearingAsk(hearing_id=row.id), now=now,
        )  # fmt: skip


def _view(session: Session, row: ConcernHearing) -> ConcernHeard:
    rnd = consent_repo.get_round(session, row.team_id, row.round_id)
    assert rnd is not None  # the hearing goes with its round (ON DELETE CASCADE)
    item = backlog_repo.get_item(session, row.team_id, row.item_id) if row.item_id else None
    agreement = agreements_repo.agreement_for_round(session, row.team_id, row.round_id)
    return ConcernHeard(
        id=row.id, round_id=row.round_id, channel_id=rnd.channel_id, title=rnd.title,
        user_id=row.user_id, reason=row.reason, answer=row.answer, follow_up=row.follow_up,
        item_number=item.number if item else None,
        agreement_number=agreement.number if agreement else None,
    )  # fmt: skip


def _found(session: Session, team_id: str, hearing_id: int, *, lock: bool) -> ConcernHearing:
    row = concerns_repo.get(session, team_id, hearing_id, lock=lock)
    if row is None:
        raise rules.HearingNotFound()
    return row


def load(factory: Factory, *, team_id: str, hearing_id: int) -> ConcernHeard:
    """The question about one concern, as it stands."""
    with transaction(factory) as session:
        return _view(session, _found(session, team_id, hearing_id, lock=False))


def check_open(factory: Factory, *, team_id: str, hearing_id: int, user_id: str) -> ConcernHeard:
    """The concern its person is about to answer in a form; why they may not, raised."""
    with transaction(factory) as session:
        row = _found(session, team_id, hearing_id, lock=False)
        if row.user_id != user_id:
            raise rules.NotYourConcern()
        if row.answer is not None:
            raise rules.ConcernAnswered()
        return _view(session, row)


def answer(
    factory: Factory,
    *,
    team_id: str,
    hearing_id: int,
    user_id: str,
    hear: bool,
    now: datetime,
    follow_up: str | None = None,
    describe: Describe | None = None,
    request_key: str | None = None,
) -> tuple[ConcernHeard, bool]:
    """Record whether the concern should be heard (once: a second click changes nothing,
    False); "hear it" adds a backlog item whose driver is the concern. Its DM is updated."""
    follow_up = follow_up.strip()[:2000] if follow_up and follow_up.strip() else None
    with transaction(factory) as session:
        workspace_repo.claim_request(session, team_id, request_key, now)
        row = _found(session, team_id, hearing_id, lock=True)
        if row.user_id != user_id:
            raise rules.NotYourConcern()
        if row.answer is not None:
            return _view(session, row), False
        row.answer, row.answered_at = (HEAR if hear else RECORDED), now
        row.follow_up = follow_up if hear else None
        if hear:
            view = _view(session, row)
            raised = backlog.raise_in(
                session, team_id=team_id, channel_id=view.channel_id, author_id=user_id,
                text=describe(view, follow_up) if describe else (row.reason or view.title),
                now=now, next_step=NextStep.UNDERSTAND,
            )  # fmt: skip
            row.item_id = raised.item.id
        payloads.queue(
            session, team_id=team_id, key=hearing_key(row.id) + ":answered", kind="dm",
            target=user_id, payload=payloads.ConcernHearingAsk(hearing_id=row.id), now=now,
        )  # fmt: skip
        session.flush()
        return _view(session, row), True


def set_dm(factory: Factory, *, team_id: str, hearing_id: int, channel: str, ts: str) -> None:
    """Remember the DM that asks, so it can show the answer once given."""
    with transaction(factory) as session:
        row = _found(session, team_id, hearing_id, lock=False)
        row.dm_channel, row.dm_ts = channel, ts


def dm_of(factory: Factory, *, team_id: str, hearing_id: int) -> tuple[str, str] | None:
    """The DM that asks (channel, ts), once posted."""
    with transaction(factory) as session:
        row = _found(session, team_id, hearing_id, lock=False)
        return (row.dm_channel, row.dm_ts) if row.dm_channel and row.dm_ts else None


def of_round(session: Session, team_id: str, round_id: int | None) -> list[ConcernHeard]:
    """The concerns of the round an agreement came from, each with its answer."""
    if round_id is None:
        return []
    return [_view(session, row) for row in concerns_repo.of_round(session, team_id, round_id)]
