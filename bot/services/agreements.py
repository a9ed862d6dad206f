"""Use cases of the agreement logbook: record, list, review (keep, evolve, drop, snooze), remind."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import review as rules
from bot.domain.consent import ProposalEmpty, clean_proposal
from bot.domain.review import AgreementStatus, Pending, Stage
from bot.services import concerns, payloads, resolutions
from bot.services.views import AgreementView, Describes, HistoryEntry
from bot.store import agreements_repo, backlog_repo, circle_domain_repo, review_rounds_repo
from bot.store.db import transaction
from bot.store.models import Agreement

Factory = sessionmaker[Session]
NUDGE_LEASE = timedelta(minutes=10)  # covers sending a chunk of 20 even under rate limits


def _view(
    session: Session, a: Agreement, *, history: bool = False, describes: Describes | None = None
) -> AgreementView:
    entries = []
    if history:
        entries = [
            HistoryEntry(e.id, e.action, e.actor_id, e.at, json.loads(e.detail) if e.detail else {})
            for e in agreements_repo.events(session, a.team_id, a.id)
        ]
    return AgreementView(
        id=a.id,
        team_id=a.team_id,
        channel_id=a.channel_id,
        number=a.number,
        title=a.title,
        text=a.text,
        driver=a.driver,
        responsibilities=a.responsibilities,
        evaluation=a.evaluation,
        concerns=json.loads(a.concerns or "[]"),
        review_date=a.review_date,
        status=AgreementStatus(a.status),
        author_id=a.author_id,
        responsible_ids=json.loads(a.responsible_ids or "[]"),
        version=a.version,
        round_id=a.round_id,
        created_at=a.created_at,
        history=entries,
        describes=describes,
        resolutions=resolutions.of_agreement(session, a.team_id, a.round_id) if history else [],
        hearings=concerns.of_round(session, a.team_id, a.round_id) if history else [],
    )


def view_in(session: Session, agreement: Agreement) -> AgreementView:
    """An agreement as the builders read it, in the caller's session."""
    return _view(session, agreement)


# ---------------------------------------------------------------- the register


def record(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    author_id: str,
    title: str,
    text: str,
    driver: str | None,
    responsibilities: str | None,
    evaluation: str | None,
    responsible_ids: list[str],
    review_date: date,
    now: datetime,
    today: date,
) -> AgreementView:
    """Record an agreement made elsewhere (in a meeting, say)."""
    try:
        text = clean_proposal(text)
    except ProposalEmpty as exc:
        raise rules.AgreementEmpty() from exc
    if review_date <= today:
        raise rules.ReviewDateNotInFuture()
    with transaction(factory) as session:
        circle = backlog_repo.lock_circle(session, team_id, channel_id, now)
        agreement = agreements_repo.create(
            session,
            number=circle.next_agreement_number,
            now=now,
            team_id=team_id,
            channel_id=channel_id,
            title=(title or "").strip() or text.splitlines()[0][:150],
            text=text,
            driver=_none(driver),
            responsibilities=_none(responsibilities),
            evaluation=_none(evaluation),
            concerns="[]",
            answers=None,
            review_date=review_date,
            author_id=author_id,
            responsible_ids=json.dumps(sorted(set(responsible_ids))),
            proposal_id=None,
            round_id=None,
            round_link=None,
        )
        circle.next_agreement_number += 1
        _announce(session, agreement, "recorded", author_id, now)
        return _view(session, agreement)


def _none(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


def in_force(
    factory: Factory, *, team_id: str, channel_id: str, limit: int
) -> tuple[list[AgreementView], int]:
    """The channel's first `limit` agreements in force (overdue first, then by review date),
    and how many are in force."""
    with transaction(factory) as session:
        found = agreements_repo.active(session, team_id, channel_id, limit=limit)
        total = agreements_repo.active_count(session, team_id, channel_id)
        return [_view(session, a) for a in found], total


def detail(factory: Factory, *, team_id: str, channel_id: str, number: int) -> AgreementView:
    """One agreement in full, with its history."""
    with transaction(factory) as session:
        agreement = agreements_repo.by_number(session, team_id, channel_id, number)
        if agreement is None:
            raise rules.AgreementNotFound()
        return _view(session, agreement, history=True)


def load(factory: Factory, *, team_id: str, agreement_id: int) -> AgreementView:
    """An agreement by id, with its history."""
    with transaction(factory) as session:
        agreement = agreements_repo.get(session, team_id, agreement_id)
        if agreement is None:
            raise rules.AgreementNotFound()
        return _view(session, agreement, history=True)


def set_offsets(
    factory: Factory, *, team_id: str, before_days: int, overdue_days: int, now: datetime
) -> None:
    """Choose when this workspace's review reminders go out."""
    rules.check_offsets(before_days, overdue_days)
    with transaction(factory) as session:
        agreements_repo.set_offsets(session, team_id, before_days, overdue_days, now)


# ---------------------------------------------------------------- reviewing


def _locked_for_review(
    session: Session, team_id: str, agreement_id: int, expected: date
) -> Agreement:
    """The agreement, locked, still in force and still at the review date the person saw."""
    agreement = agreements_repo.get(session, team_id, agreement_id, lock=True)
    if agreement is None:
        raise rules.AgreementNotFound()
    review = rules.Review(AgreementStatus(agreement.status), agreement.review_date)
    if not review.is_current(expected):
        last = agreements_repo.last_review(session, team_id, agreement_id)
        via_round = bool(last and last.detail and "review_round" in json.loads(last.detail))
        review.require_current(
            expected, last and last.actor_id, last and last.action, last and last.at, via_round
        )
    return agreement


def _supersede_round(
    session: Session, agreement: Agreement, action: str, actor: str, now: datetime
) -> None:
    """The review was decided from a reminder: its open review round closes, saying so."""
    rnd = review_rounds_repo.open_for(session, agreement.team_id, agreement.id)
    if rnd is None or not review_rounds_repo.close(
        session, rnd, rules.RoundStatus.SUPERSEDED, now, decided_by=actor, decided_action=action
    ):
        return
    payloads.queue(
        session,
        team_id=agreement.team_id,
        key=f"review-round-closed:{rnd.id}",
        target=rnd.channel_id,
        payload=payloads.ReviewRoundClosed(round_id=rnd.id, event="superseded"),
        now=now,
    )


def _announce(
    session: Session,
    agreement: Agreement,
    action: str,
    actor: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    event = agreements_repo.add_event(
        session, agreement, actor=actor, action=action, detail=detail, now=now
    )
    payloads.queue(
        session,
        team_id=agreement.team_id,
        key=f"agreement-event:{event.id}",
        target=agreement.channel_id,
        payload=payloads.AgreementEvent(event_id=event.id, agreement_id=agreement.id),
        now=now,
    )


def keep(
    factory: Factory,
    *,
    team_id: str,
    agreement_id: int,
    actor: str,
    expected: date,
    next_review: date,
    now: datetime,
    today: date,
) -> AgreementView:
    """Keep the agreement as it is, until the next review date."""
    next_review = rules.Review.keep(next_review, today)
    with transaction(factory) as session:
        agreement = _locked_for_review(session, team_id, agreement_id, expected)
        _supersede_round(session, agreement, rules.ReviewOutcome.KEPT, actor, now)
        keep_in(session, agreement, actor=actor, next_review=next_review, now=now)
        return _view(session, agreement)


def keep_in(
    session: Session,
    agreement: Agreement,
    *,
    actor: str,
    next_review: date,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Keep a locked agreement until `next_review`, in the caller's transaction (a Keep from
    the reminder, or a review round with no objection)."""
    previous = agreement.review_date
    agreement.review_date = next_review
    agreement.updated_at = now
    agreements_repo.cancel_pending(session, agreement.team_id, agreement.id, now)
    agreements_repo.schedule_nudges(session, agreement, now)
    _announce(
        session,
        agreement,
        rules.ReviewOutcome.KEPT,
        actor,
        now,
        {"previous": previous.isoformat(), "next": next_review.isoformat(), **(detail or {})},
    )


def drop(
    factory: Factory,
    *,
    team_id: str,
    agreement_id: int,
    actor: str,
    expected: date,
    reason: str | None,
    now: datetime,
) -> AgreementView:
    """End the agreement, with its reason."""
    reason = rules.Review.drop(reason)
    with transaction(factory) as session:
        agreement = _locked_for_review(session, team_id, agreement_id, expected)
        _supersede_round(session, agreement, rules.ReviewOutcome.DROPPED, actor, now)
        agreement.status = AgreementStatus.DROPPED.value
        agreement.updated_at = now
        agreements_repo.cancel_pending(session, team_id, agreement_id, now)
        _announce(session, agreement, rules.ReviewOutcome.DROPPED, actor, now, {"reason": reason})
        return _view(session, agreement)


def snooze(
    factory: Factory,
    *,
    team_id: str,
    agreement_id: int,
    actor: str,
    expected: date,
    until: date,
    now: datetime,
    today: date,
) -> AgreementView:
    """Remind again on a later day; the review date stays."""
    remind_on = rules.Review.snooze(until, today)
    with transaction(factory) as session:
        agreement = _locked_for_review(session, team_id, agreement_id, expected)
        agreements_repo.cancel_pending(session, team_id, agreement_id, now)
        for recipient in agreements_repo.recipients(agreement):
            agreements_repo.add_nudge(
                session, agreement, recipient, Stage.SNOOZED.value, remind_on, now
            )
        _announce(
            session,
            agreement,
            rules.ReviewOutcome.SNOOZED,
            actor,
            now,
            {"until": until.isoformat()},
        )
        return _view(session, agreement)


def check_reviewable(
    factory: Factory, *, team_id: str, agreement_id: int, expected: date
) -> AgreementView:
    """Raise AlreadyReviewed when the reminder the person clicked is out of date."""
    with transaction(factory) as session:
        return _view(session, _locked_for_review(session, team_id, agreement_id, expected))


def evolve(
    session: Session,
    agreement: Agreement,
    *,
    text: str,
    title: str,
    driver: str | None,
    responsibilities: str | None,
    evaluation: str | None,
    concerns: str,
    answers: str,
    review_date: date,
    responsible_ids: str | None,
    round_id: int,
    actor: str,
    now: datetime,
) -> None:
    """A consented new version replaces the agreement's text; the old one stays in the history."""
    old = {
        "version": agreement.version,
        "title": agreement.title,
        "text": agreement.text,
        "review_date": agreement.review_date.isoformat(),
        "round_id": round_id,
    }
    agreement.title, agreement.text, agreement.driver = title, text, driver or agreement.driver
    agreement.responsibilities, agreement.evaluation = responsibilities, evaluation
    agreement.concerns, agreement.answers, agreement.review_date = concerns, answers, review_date
    if responsible_ids:
        agreement.responsible_ids = responsible_ids
    _supersede_round(session, agreement, rules.ReviewOutcome.EVOLVED, actor, now)
    agreement.round_id = round_id
    agreement.version += 1
    agreement.status = AgreementStatus.ACTIVE.value
    agreement.updated_at = now
    agreements_repo.cancel_pending(session, agreement.team_id, agreement.id, now)
    agreements_repo.schedule_nudges(session, agreement, now)
    _announce(session, agreement, rules.ReviewOutcome.EVOLVED, actor, now, old)


# ---------------------------------------------------------------- reminders


@dataclass(frozen=True)
class ClaimedNudge:
    """A reminder this sweep may send, and what it is about."""

    id: int
    team_id: str
    recipient_id: str
    stage: Stage
    due_date: date
    folded: int
    agreement: AgreementView
    attempts: int = 1  # more than one: an earlier try may have reached Slack
    queued_at: datetime | None = None


def due_groups(
    factory: Factory, *, now: datetime, limit: int = 500
) -> dict[tuple[str, int, str], list[Pending]]:
    """Unsent reminders that may be due somewhere on earth by now, per (team, agreement, person)."""
    latest = (now + timedelta(hours=14)).date()  # the earliest timezone's date
    with transaction(factory) as session:
        rows = agreements_repo.due_candidates(session, latest, now, limit)
        groups: dict[tuple[str, int, str], list[Pending]] = {}
        for n in rows:
            groups.setdefault((n.team_id, n.agreement_id, n.recipient_id), []).append(
                Pending(n.id, Stage(n.stage), n.due_date)
            )
        return groups


def claim(
    factory: Factory, *, team_id: str, send: Pending, fold: list[Pending], now: datetime
) -> ClaimedNudge | None:
    """Lease one reminder and fold the older due ones into it; None when another sweep has it."""
    claimed = claim_batch(factory, team_id=team_id, picks=[(send, fold)], now=now)
    return claimed[0] if claimed else None


def claim_batch(
    factory: Factory, *, team_id: str, picks: list[tuple[Pending, list[Pending]]], now: datetime
) -> list[ClaimedNudge]:
    """Lease several reminders of one workspace in one transaction, folding older ones into each.

    Reminders another sweep holds (or has sent) are left out; reminders of agreements no
    longer in force are marked cancelled.
    """
    if not picks:
        return []
    with transaction(factory) as session:
        claimed = set(
            agreements_repo.claim_nudges(
                session, team_id, [send.id for send, _ in picks], now, now + NUDGE_LEASE
            )
        )
        folds = {send.id: fold for send, fold in picks if send.id in claimed}
        agreements_repo.fold_into(
            session, team_id, [p.id for fold in folds.values() for p in fold], now
        )
        nudges = agreements_repo.nudges(session, team_id, sorted(claimed))
        by_id = {
            a.id: a
            for a in agreements_repo.by_ids(
                session, team_id, sorted({n.agreement_id for n in nudges})
            )
        }
        out: list[ClaimedNudge] = []
        views: dict[int, AgreementView] = {}
        described = circle_domain_repo.described_by(session, team_id, sorted(by_id))
        for nudge in nudges:
            agreement = by_id.get(nudge.agreement_id)
            if agreement is None or agreement.status != AgreementStatus.ACTIVE.value:
                agreements_repo.finish_nudge(session, team_id, nudge.id, now, "cancelled")
                continue
            if agreement.id not in views:
                found = described.get(agreement.id)
                views[agreement.id] = _view(
                    session, agreement, describes=Describes(*found) if found else None
                )
            out.append(
                ClaimedNudge(
                    nudge.id,
                    team_id,
                    nudge.recipient_id,
                    Stage(nudge.stage),
                    nudge.due_date,
                    len(folds.get(nudge.id, [])),
                    views[agreement.id],
                    nudge.attempts,
                    nudge.created_at,
                )
            )
        return out


def sent(
    factory: Factory,
    *,
    nudge: ClaimedNudge,
    outcome: str,
    now: datetime,
    every_days: int | None = None,
) -> None:
    """Slack took the reminder: mark it, and plan the next one while the review is overdue."""
    with transaction(factory) as session:
        agreements_repo.finish_nudge(session, nudge.team_id, nudge.id, now, outcome)
        agreement = agreements_repo.get(session, nudge.team_id, nudge.agreement.id)
        if agreement is None or agreement.status != AgreementStatus.ACTIVE.value:
            return
        if nudge.stage is not Stage.BEFORE and agreement.review_date == nudge.agreement.review_date:
            every = (
                every_days
                if every_days is not None
                else agreements_repo.offsets(session, nudge.team_id)[1]
            )
            agreements_repo.add_nudge(
                session,
                agreement,
                nudge.recipient_id,
                Stage.OVERDUE.value,
                rules.next_overdue(max(nudge.due_date, now.date()), every),
                now,
            )
        agreements_repo.add_event(
            session,
            agreement,
            actor=None,
            action="nudged",
            detail={"to": nudge.recipient_id, "stage": nudge.stage.value, "via": outcome},
            now=now,
        )


def failed(factory: Factory, *, nudge: ClaimedNudge, error: str, now: datetime) -> None:
    """Slack did not take it: keep it unsent and try again shortly."""
    with transaction(factory) as session:
        agreements_repo.release_nudge(
            session, nudge.team_id, nudge.id, error, now + timedelta(minutes=1)
        )


def reviews_for(
    factory: Factory,
    *,
    team_id: str,
    user_id: str,
    today: date,
    limit: int,
    within_days: int = 30,
) -> list[AgreementView]:
    """The first `limit` agreements in force the person is reminded of, due for review within
    a month (or overdue), soonest first.

    `today` is the person's local date (`bot.domain.clock.local_today`), never the server's.
    """
    horizon = today + timedelta(days=within_days)
    with transaction(factory) as session:
        found = agreements_repo.reviewed_by(session, team_id, user_id, horizon, limit)
        views = [_view(session, a) for a in found]
    return [v for v in views if user_id in v.recipients]


def overdue_every(factory: Factory, *, team_id: str) -> int:
    """The workspace's interval between reminders while a review is overdue."""
    with transaction(factory) as session:
        return agreements_repo.offsets(session, team_id)[1]
