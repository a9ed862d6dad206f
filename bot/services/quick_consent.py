"""Use cases of the quick consent in a meeting: to the last minutes, to the agenda (the
administration step), and to a proposal formed on an item and decided now.

The facilitator opens a check (one of each kind at a time: a double click opens it once); the
people who checked in answer, consent or objection with its reason; the facilitator closes it.
A consented proposal becomes an agreement like any round's, its item done and the meeting on to
the next item; objections leave the item where it is, noted in the minutes. Each change is
stored, and what the thread must see queued in the outbox, in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import meeting as meeting_rules
from bot.domain import quick_consent as rules
from bot.domain.backlog import ItemNotFound, ItemStatus
from bot.domain.errors import DomainError
from bot.domain.meeting import Outcome
from bot.domain.quick_consent import CheckKind, CheckStatus
from bot.services import meeting, payloads
from bot.services.views import MeetingView, QuickConsentView
from bot.store import (
    agreements_repo,
    backlog_repo,
    consent_repo,
    meeting_repo,
    quick_consent_repo,
)
from bot.store.db import transaction
from bot.store.models import Meeting, MeetingConsent

Factory = sessionmaker[Session]


def check_key(consent_id: int) -> str:
    """The outbox key of a quick consent's message in the meeting's thread."""
    return f"meeting-check:{consent_id}"


def result_key(consent_id: int) -> str:
    """The outbox key of a quick consent's result in the meeting's thread."""
    return f"meeting-check:{consent_id}:result"


@dataclass(frozen=True)
class Opened:
    """A check the facilitator opened; `created` is False when it was open already."""

    check: QuickConsentView
    created: bool


@dataclass(frozen=True)
class Closed:
    """A check the facilitator closed; the meeting when it moved on to the next item."""

    check: QuickConsentView
    moved: MeetingView | None = None


def _check(session: Session, team_id: str, consent_id: int, lock: bool = False) -> MeetingConsent:
    found = quick_consent_repo.get(session, team_id, consent_id, lock=lock)
    if found is None:
        raise meeting_rules.NoMeetingRunning()
    return found


def _meeting_of(session: Session, check: MeetingConsent) -> Meeting:
    found = meeting_repo.get(session, check.team_id, check.meeting_id)
    if found is None:
        raise meeting_rules.NoMeetingRunning()
    return found


def load(factory: Factory, *, team_id: str, consent_id: int) -> QuickConsentView:
    """One quick consent (NoMeetingRunning when there is no such check)."""
    with transaction(factory) as session:
        check = _check(session, team_id, consent_id)
        return meeting.check_view(session, check, _meeting_of(session, check))


def _queue(session: Session, check: MeetingConsent, channel_id: str, key: str, now: datetime,
           payload: payloads.MeetingCheck | payloads.MeetingCheckResult) -> None:  # fmt: skip
    payloads.queue(
        session, team_id=check.team_id, key=key, target=channel_id, payload=payload, now=now
    )


def _open(
    session: Session, found: Meeting, user_id: str, now: datetime, **fields: object
) -> Opened:
    # One open check per kind, and per item for proposals: a double click opens it once.
    kind = str(fields["kind"]) + (f":{fields['item_id']}" if fields.get("item_id") else "")
    already = quick_consent_repo.open_of_kind(session, found.id, kind)
    if already is not None:
        return Opened(meeting.check_view(session, already, found), created=False)
    check = quick_consent_repo.add(
        session, kind, team_id=found.team_id, meeting_id=found.id, step=found.step,
        opened_by=user_id, opened_at=now, **fields,
    )  # fmt: skip
    payload = payloads.MeetingCheck(consent_id=check.id)
    _queue(session, check, found.channel_id, check_key(check.id), now, payload)
    return Opened(meeting.check_view(session, check, found), created=True)


def open_admin(
    factory: Factory, *, team_id: str, meeting_id: int, user_id: str, kind: CheckKind, now: datetime
) -> Opened:
    """The facilitator asks the people present to consent to the last meeting's minutes, or to
    the agenda. NoMinutes when the channel has no earlier minutes."""
    with transaction(factory) as session:
        found = meeting.locked(session, team_id, meeting_id, now)
        meeting.rules_of(found).drive(user_id)
        subject = None
        if kind is CheckKind.MINUTES:
            subject = meeting_repo.last_closed(session, team_id, found.channel_id)
            if subject is None:
                raise meeting_rules.NoMinutes()
        return _open(session, found, user_id, now, kind=kind.value, hidden=False,
                     subject_meeting_id=subject.id if subject else None)  # fmt: skip


def decide_problems(decision: rules.Decision, *, today: date) -> list[DomainError]:
    """Every field of the "decide now" form the rules refuse, at once (none: it may open)."""
    return rules.decision_problems(decision, today)


def open_item(
    factory: Factory,
    *,
    team_id: str,
    meeting_id: int,
    user_id: str,
    seen_step: int,
    seen: meeting.ItemSeen,
    decision: rules.Decision,
    hidden: bool,
    now: datetime,
    today: date,
) -> Opened:
    """The facilitator puts the proposal formed on the current item to a quick consent, with
    the fields of the agreement it becomes. ItemChangedMeanwhile when the item was closed or
    changed since the meeting showed it."""
    decided = rules.clean_decision(decision, today)
    with transaction(factory) as session:
        found = meeting.locked(session, team_id, meeting_id, now)
        meeting.rules_of(found).record(user_id, seen_step, seen.item_id)
        item = backlog_repo.get_item(session, team_id, seen.item_id)
        if item is None:
            raise ItemNotFound()
        session.refresh(item)
        meeting_rules.require_unchanged(
            backlog_repo.view_of(session, item), seen.status, seen.next_step, seen.due_date
        )
        return _open(
            session, found, user_id, now, kind=CheckKind.ITEM.value, hidden=hidden,
            item_id=item.id, item_number=item.number, item_text=item.text,
            proposal=decided.proposal, review_date=decided.review_date, title=decided.title,
            responsibilities=decided.responsibilities, evaluation=decided.evaluation,
            responsible_ids=json.dumps(list(decided.responsible_ids)),
        )  # fmt: skip


def answerable(
    factory: Factory, *, team_id: str, consent_id: int, user_id: str
) -> QuickConsentView:
    """The check someone is about to object to: open, and they checked in."""
    with transaction(factory) as session:
        check = _check(session, team_id, consent_id)
        found = _meeting_of(session, check)
        meeting.rules_of(found).check_in()  # NoMeetingRunning once the meeting has ended
        rules.require_open(check.status)
        rules.require_present(user_id, meeting_repo.attendees(session, found.id))
        return meeting.check_view(session, check, found)


def answer(
    factory: Factory,
    *,
    team_id: str,
    consent_id: int,
    user_id: str,
    answer: str,
    reason: str | None,
    now: datetime,
) -> QuickConsentView:
    """Someone present answers (their latest answer counts). ObjectionNeedsReason without a
    reason; NotCheckedIn for someone who did not check in; CheckClosed once closed."""
    chosen, reason = rules.clean_answer(answer, reason)
    with transaction(factory) as session:
        check = _check(session, team_id, consent_id, lock=True)
        found = _meeting_of(session, check)
        meeting.rules_of(found).check_in()  # NoMeetingRunning once the meeting has ended
        rules.require_open(check.status)
        rules.require_present(user_id, meeting_repo.attendees(session, found.id))
        quick_consent_repo.answer(session, check, user_id, chosen.value, reason, now)
        return meeting.check_view(session, check, found)


def set_message(factory: Factory, *, team_id: str, consent_id: int, ts: str) -> None:
    """Link the check to its message in the thread (updated as people answer)."""
    with transaction(factory) as session:
        quick_consent_repo.set_message(session, team_id, consent_id, ts)


def close(
    factory: Factory, *, team_id: str, consent_id: int, user_id: str, now: datetime
) -> Closed:
    """The facilitator closes the check; its result queued in the thread. A consented proposal
    is recorded as an agreement and the meeting moves on; objections keep the item."""
    with transaction(factory) as session:
        check = _check(session, team_id, consent_id)
        if check.kind == CheckKind.ROUND and check.round_id:
            # The round first, then the backlog and the meeting: the order the sweep that
            # closes rounds takes them in (round, then backlog), so the two never deadlock.
            consent_repo.lock_round(session, team_id, check.round_id)
        found = meeting.locked(session, team_id, check.meeting_id, now)
        check = _check(session, team_id, consent_id, lock=True)
        meeting.rules_of(found).drive(user_id)
        rules.require_open(check.status)
        answers = quick_consent_repo.answers(session, check.id)
        status = rules.result(a.answer for a in answers)
        if not quick_consent_repo.close(session, check, status.value, now):
            raise rules.CheckClosed(check.status)
        moved = None
        if check.kind == CheckKind.ITEM and status is CheckStatus.CONSENTED:
            moved = _agree(session, check, found, answers, user_id, now)
        elif check.kind == CheckKind.ROUND and status is CheckStatus.CONSENTED:
            from bot.services import round_decisions  # a round sent to the meeting

            moved = round_decisions.agree(session, check, found, answers, user_id, now)
        payload = payloads.MeetingCheckResult(consent_id=check.id)
        _queue(session, check, found.channel_id, result_key(check.id), now, payload)
        return Closed(meeting.check_view(session, check, found), moved)


def _agree(session: Session, check: MeetingConsent, found: Meeting, answers: list,
           actor: str, now: datetime) -> MeetingView | None:  # fmt: skip
    """The consented proposal becomes an agreement (like a round's), its item done; the meeting
    moves on when it is still at that item."""
    circle = backlog_repo.lock_circle(session, check.team_id, found.channel_id, now)
    item = backlog_repo.get_item(session, check.team_id, check.item_id) if check.item_id else None
    agreement = agreements_repo.create(
        session,
        number=circle.next_agreement_number,
        now=now,
        team_id=check.team_id,
        channel_id=found.channel_id,
        title=rules.agreement_title(check.title, check.proposal or "?"),
        text=check.proposal or "",
        driver=item.situation if item is not None else None,
        responsibilities=check.responsibilities,
        evaluation=check.evaluation,
        concerns="[]",
        answers=json.dumps(
            {
                "participants": meeting_repo.attendees(session, found.id),
                "answers": {a.user_id: {"position": a.answer, "reason": a.reason} for a in answers},
                "meeting_id": found.id,
            }
        ),
        review_date=check.review_date,
        author_id=actor,
        responsible_ids=check.responsible_ids or "[]",  # none chosen: the author is reminded
        proposal_id=None,
        round_id=None,
        round_link=None,
    )
    circle.next_agreement_number += 1
    check.agreement_id = agreement.id
    session.flush()
    if item is None:
        return None
    item.status, item.rank, item.updated_at = ItemStatus.DONE.value, None, now
    backlog_repo.add_history(
        session, item, actor_id=actor, action="agreed", detail=f"A{agreement.number}", now=now
    )
    if found.current_item_id != item.id:  # moved on meanwhile: its line says agreed now
        meeting_repo.settle_handled(session, found, item_id=item.id, at=now,
                                    outcome=Outcome.AGREED.value, reason=str(agreement.number))  # fmt: skip
        return None
    meeting_repo.record(session, found, item, outcome=Outcome.AGREED.value, at=now,
                        reason=str(agreement.number))  # fmt: skip
    seen = found.step
    meeting.advance(session, found, seen, now)
    return meeting.view_in(session, found)


# ---------------------------------------------------------------- objections to the agenda

AGENDA_LATE = timedelta(hours=12)  # past the meeting's planned time, with no meeting running


def object_to_agenda(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    meeting_at: datetime,
    user_id: str,
    is_member: bool,
    reason: str | None,
    now: datetime,
) -> None:
    """Someone in the channel objects to the agenda before the meeting, with their reason (their
    latest counts); the facilitator sees it at the meeting's administration step.
    ObjectionNeedsReason without a reason; NotInChannel for someone outside the channel;
    AgendaPast once that meeting has been held."""
    text = rules.clean_agenda_objection(reason)
    if not is_member:
        raise rules.NotInChannel(channel_id)
    with transaction(factory) as session:
        running = meeting_repo.open_meeting(session, team_id, channel_id)
        if running is None and now > meeting_at + AGENDA_LATE:
            raise rules.AgendaPast()
        quick_consent_repo.object_to_agenda(
            session, team_id=team_id, channel_id=channel_id, meeting_at=meeting_at,
            user_id=user_id, reason=text, now=now, meeting_id=running.id if running else None,
        )  # fmt: skip


# ---------------------------------------------------------------- the secretary's corrections


def _correctable(session: Session, team_id: str, meeting_id: int, user_id: str) -> Meeting:
    found = meeting_repo.get(session, team_id, meeting_id)
    if found is None or found.status != meeting_repo.CLOSED:
        raise meeting_rules.NoMinutes()
    rules.require_may_correct(
        found.secretary_id or found.facilitator_id,
        user_id,
        quick_consent_repo.minutes_consented(session, found.id),
    )
    return found


def correction_form(
    factory: Factory, *, team_id: str, meeting_id: int, user_id: str
) -> MeetingView:
    """The minutes the secretary is about to correct; NotTheSecretary for anyone else,
    MinutesConsented once a later meeting consented to them."""
    with transaction(factory) as session:
        return meeting.view_in(session, _correctable(session, team_id, meeting_id, user_id))


def correct_minutes(
    factory: Factory,
    *,
    team_id: str,
    meeting_id: int,
    user_id: str,
    text: str | None,
    now: datetime,
) -> MeetingView:
    """The secretary's correction of the minutes, stored (checked again: the minutes may have
    been consented to since the form opened)."""
    with transaction(factory) as session:
        found = _correctable(session, team_id, meeting_id, user_id)
        found = meeting_repo.lock(session, team_id, found.id) or found
        found.correction = rules.clean_correction(text)
        found.corrected_by, found.corrected_at = user_id, now
        session.flush()
        return meeting.view_in(session, found)
