"""Use cases of the circle's review of an agreement: a review round in its channel (started
from a reminder by the people responsible, answered keep, keep with a change or object to
keeping, closed by a sweep), an early review asked and an objection to an agreement in force.

The round and the reminder's Keep (or Evolve, Drop) decide the same review: both lock the
agreement row first and check its review date, so one of them decides and the other is told
who did, and when.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import review as rules
from bot.domain.backlog import OPEN_STATUSES, Nature, NextStep
from bot.domain.consent import default_review_date
from bot.domain.review import AgreementStatus, RoundAnswer, RoundStatus
from bot.services import agreements, backlog, payloads
from bot.services.views import AgreementView, ReviewAnswerView, ReviewRoundView
from bot.store import agreements_repo, backlog_repo, review_rounds_repo
from bot.store.db import transaction
from bot.store.models import Agreement, ReviewRound

Factory = sessionmaker[Session]
SWEEP_LIMIT = 100
# The backlog item's text, in the workspace's language: (team_id, agreement number, title).
ItemText = Callable[[str, int, str], str]


def _view(
    session: Session, rnd: ReviewRound, agreement: Agreement | None = None
) -> ReviewRoundView:
    agreement = agreement or agreements_repo.get(session, rnd.team_id, rnd.agreement_id)
    if agreement is None:
        raise rules.AgreementNotFound()
    item = backlog_repo.get_item(session, rnd.team_id, rnd.item_id) if rnd.item_id else None
    return ReviewRoundView(
        id=rnd.id,
        team_id=rnd.team_id,
        channel_id=rnd.channel_id,
        agreement=agreements._view(session, agreement),
        review_date=rnd.review_date,
        started_by=rnd.started_by,
        participants=json.loads(rnd.participants or "[]"),
        status=rnd.status,
        closes_at=rnd.closes_at,
        message_ts=rnd.message_ts,
        answers=[
            ReviewAnswerView(a.user_id, a.answer, a.reason, a.at)
            for a in review_rounds_repo.answers(session, rnd.team_id, rnd.id)
        ],
        item_number=item.number if item else None,
        decided_by=rnd.decided_by,
        decided_action=rnd.decided_action,
        next_review=rnd.next_review,
        closed_at=rnd.closed_at,
    )


def _round(session: Session, team_id: str, round_id: int, *, lock: bool = False) -> ReviewRound:
    rnd = review_rounds_repo.get(session, team_id, round_id, lock=lock)
    if rnd is None:
        raise rules.ReviewRoundNotFound()
    return rnd


def _closed(rnd: ReviewRound) -> rules.ReviewRoundClosed:
    by = rnd.decided_by or rnd.started_by
    return rules.ReviewRoundClosed(rnd.status, by, rnd.decided_action, rnd.closed_at)


def load(factory: Factory, *, team_id: str, round_id: int) -> ReviewRoundView:
    """A review round, with its answers and its agreement."""
    with transaction(factory) as session:
        return _view(session, _round(session, team_id, round_id))


def check_open(factory: Factory, *, team_id: str, round_id: int) -> ReviewRoundView:
    """The round, while it takes answers; ReviewRoundClosed (who decided, when) after."""
    with transaction(factory) as session:
        rnd = _round(session, team_id, round_id)
        if rnd.status != RoundStatus.OPEN.value:
            raise _closed(rnd)
        return _view(session, rnd)


def set_message(factory: Factory, *, team_id: str, round_id: int, ts: str) -> None:
    """Remember the round's message in its channel."""
    with transaction(factory) as session:
        review_rounds_repo.set_message(session, team_id, round_id, ts)


# ---------------------------------------------------------------- starting and answering


def start(
    factory: Factory,
    *,
    team_id: str,
    agreement_id: int,
    expected: date,
    actor: str,
    participants: list[str],
    now: datetime,
    hours: float = rules.REVIEW_ROUND_HOURS,
) -> ReviewRoundView:
    """Open the circle's review round on an agreement, from its reminder (its message queued).

    Only the people responsible start it, once per review: a second start (a double click,
    or another responsible person) is refused with the round that is open.
    """
    with transaction(factory) as session:
        agreement = agreements._locked_for_review(session, team_id, agreement_id, expected)
        if actor not in agreements_repo.recipients(agreement):
            raise rules.NotResponsible(agreements_repo.recipients(agreement))
        open_ = review_rounds_repo.open_for(session, team_id, agreement_id)
        if open_ is not None:
            raise rules.ReviewRoundOpen(open_.started_by, open_.closes_at)
        rnd = ReviewRound(
            team_id=team_id,
            channel_id=agreement.channel_id,
            agreement_id=agreement.id,
            review_date=agreement.review_date,
            started_by=actor,
            participants=json.dumps(sorted(set(participants) | {actor})),
            status=RoundStatus.OPEN.value,
            open_key=agreement.id,
            closes_at=now + timedelta(hours=hours),
            created_at=now,
        )
        session.add(rnd)
        session.flush()
        payloads.queue(
            session,
            team_id=team_id,
            key=f"review-round:{rnd.id}",
            target=agreement.channel_id,
            payload=payloads.ReviewRoundMessage(round_id=rnd.id),
            now=now,
        )
        return _view(session, rnd, agreement)


def answer(
    factory: Factory,
    *,
    team_id: str,
    round_id: int,
    user_id: str,
    answer: RoundAnswer,
    reason: str | None,
    now: datetime,
) -> ReviewRoundView:
    """Record a participant's answer (the latest counts); when everyone asked has answered,
    the round is due to close at once."""
    if answer is RoundAnswer.OBJECT:
        reason = rules.clean_reason(reason, rules.ObjectionToKeepingNeedsReason)
    else:
        reason = None
    with transaction(factory) as session:
        rnd = _round(session, team_id, round_id, lock=True)
        if rnd.status != RoundStatus.OPEN.value:
            raise _closed(rnd)
        review_rounds_repo.put_answer(session, rnd, user_id, answer.value, reason, now)
        given = {a.user_id: a.answer for a in review_rounds_repo.answers(session, team_id, rnd.id)}
        if rules.everyone_answered(json.loads(rnd.participants), given):
            rnd.closes_at = min(rnd.closes_at, now)
        return _view(session, rnd)


# ---------------------------------------------------------------- closing (a sweep)


def close_due(factory: Factory, *, now: datetime, item_text: ItemText) -> int:
    """Sweep: close the review rounds whose deadline passed (or that everyone answered).

    No objection: the agreement is kept until its next review (as a Keep would), the round
    recorded as its decider. Objections: a backlog item whose driver is the objections. A
    round whose review was decided from a reminder meanwhile is closed as superseded.
    """
    with transaction(factory) as session:
        due = review_rounds_repo.due(session, now, SWEEP_LIMIT)
    closed = 0
    for team_id, round_id, agreement_id in due:
        with transaction(factory) as session:
            # The agreement first, as the reminder's Keep locks it: one order, no deadlock.
            agreement = agreements_repo.get(session, team_id, agreement_id, lock=True)
            rnd = review_rounds_repo.get(session, team_id, round_id, lock=True)
            if agreement is None or rnd is None or rnd.status != RoundStatus.OPEN.value:
                continue
            closed += _close(session, agreement, rnd, now, item_text)
    return closed


def _close(
    session: Session, agreement: Agreement, rnd: ReviewRound, now: datetime, item_text: ItemText
) -> bool:
    review = rules.Review(AgreementStatus(agreement.status), agreement.review_date)
    if not review.is_current(rnd.review_date):
        last = agreements_repo.last_review(session, rnd.team_id, agreement.id)
        if not review_rounds_repo.close(
            session, rnd, RoundStatus.SUPERSEDED, now,
            decided_by=last.actor_id if last else None,
            decided_action=last.action if last else None,
        ):  # fmt: skip
            return False
        _notice(session, rnd, "superseded", now)
        return True
    given = review_rounds_repo.answers(session, rnd.team_id, rnd.id)
    outcome = rules.round_outcome({a.user_id: a.answer for a in given})
    if outcome is RoundStatus.KEPT:
        next_review = default_review_date(now.date())
        if not review_rounds_repo.close(session, rnd, outcome, now, next_review=next_review):
            return False
        agreements.keep_in(
            session, agreement, actor=rnd.started_by, next_review=next_review, now=now,
            detail={"review_round": rnd.id},
        )  # fmt: skip
    else:
        if not review_rounds_repo.close(session, rnd, outcome, now):
            return False
        objections = [a for a in given if a.answer == RoundAnswer.OBJECT.value]
        reasons = [a.reason or "" for a in objections]
        raised = backlog.raise_in(
            session, team_id=rnd.team_id, channel_id=rnd.channel_id,
            author_id=objections[0].user_id,
            text=_item_text(item_text(rnd.team_id, agreement.number, agreement.title), reasons),
            now=now,
        )  # fmt: skip
        _as_driver(session, rnd.team_id, raised.item.id, reasons)
        rnd.item_id = raised.item.id
    _notice(session, rnd, outcome.value, now)
    return True


def _item_text(head: str, reasons: list[str]) -> str:
    body = "\n".join(f"• {r}" for r in reasons if r)
    return f"{head}\n{body}"[:3000]


def _as_driver(session: Session, team_id: str, item_id: int, reasons: list[str]) -> None:
    """The objections are the item's driver: its current situation, a problem."""
    item = backlog_repo.get_item(session, team_id, item_id)
    if item is not None:
        item.situation = "\n".join(r for r in reasons if r)[:3000]
        item.nature = Nature.PROBLEM.value


def _notice(session: Session, rnd: ReviewRound, event: str, now: datetime) -> None:
    payloads.queue(
        session,
        team_id=rnd.team_id,
        key=f"review-round-closed:{rnd.id}",
        target=rnd.channel_id,
        payload=payloads.ReviewRoundClosed(round_id=rnd.id, event=event),
        now=now,
    )


# ---------------------------------------------------------------- from /agreements <n>


def _in_force(session: Session, team_id: str, agreement_id: int) -> Agreement:
    agreement = agreements_repo.get(session, team_id, agreement_id, lock=True)
    if agreement is None:
        raise rules.AgreementNotFound()
    if agreement.status != AgreementStatus.ACTIVE.value:
        raise rules.AgreementNotInForce()
    return agreement


def ask_early_review(
    factory: Factory, *, team_id: str, agreement_id: int, actor: str, text: str, now: datetime
) -> tuple[AgreementView, int]:
    """Ask for an early review: a backlog item "review an agreement" (once while it is open)
    and a DM to the people responsible. Returns the agreement and the item's number."""
    with transaction(factory) as session:
        agreement = _in_force(session, team_id, agreement_id)
        if agreement.early_review_item_id:
            item = backlog_repo.get_item(session, team_id, agreement.early_review_item_id)
            if item is not None and item.status in {s.value for s in OPEN_STATUSES}:
                raise rules.EarlyReviewAsked(item.number, item.author_id, item.created_at)
        raised = backlog.raise_in(
            session, team_id=team_id, channel_id=agreement.channel_id, author_id=actor,
            text=text, now=now, next_step=NextStep.REVIEW,
        )  # fmt: skip
        agreement.early_review_item_id = raised.item.id
        agreements_repo.add_event(
            session, agreement, actor=actor, action="early_review",
            detail={"item": raised.item.number}, now=now,
        )  # fmt: skip
        for person in agreements_repo.recipients(agreement):
            payloads.queue(
                session, team_id=team_id, key=f"early-review:{raised.item.id}:{person}",
                target=person, kind="dm",
                payload=payloads.EarlyReviewAsked(
                    agreement_id=agreement.id, item_number=raised.item.number, actor=actor
                ),
                now=now,
            )  # fmt: skip
        return agreements._view(session, agreement), raised.item.number


def object_to(
    factory: Factory,
    *,
    team_id: str,
    agreement_id: int,
    actor: str,
    reason: str | None,
    head: str,
    now: datetime,
) -> tuple[AgreementView, int]:
    """Object to an agreement in force: the objection becomes a driver on the backlog.
    Returns the agreement and the item's number."""
    cleaned = rules.clean_reason(reason, rules.AgreementObjectionNeedsReason)
    with transaction(factory) as session:
        agreement = _in_force(session, team_id, agreement_id)
        raised = backlog.raise_in(
            session, team_id=team_id, channel_id=agreement.channel_id, author_id=actor,
            text=_item_text(head, [cleaned]), now=now,
        )  # fmt: skip
        _as_driver(session, team_id, raised.item.id, [cleaned])
        agreements_repo.add_event(
            session, agreement, actor=actor, action="objected",
            detail={"item": raised.item.number, "reason": cleaned}, now=now,
        )  # fmt: skip
        return agreements._view(session, agreement), raised.item.number
