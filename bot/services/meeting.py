"""Use cases of the governance meeting run in Slack: start, check in, take up the items one by
one, end with minutes; the sweep that closes a meeting left open.

Every move locks the channel's backlog, then the meeting, and is a compare-and-set on the
meeting's step, so two presses of "next item" on the same step move it once. What the
channel must see (the meeting's message, each item in its thread, the minutes) is queued in
the outbox in the same transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import meeting as rules
from bot.domain.backlog import OPEN_STATUSES, ItemNotFound, ItemView, NextStep
from bot.domain.meeting import Outcome
from bot.domain.rhythm import InvalidTimezone, zone
from bot.domain.selection import Overview
from bot.services import agreements, backlog, objections, payloads, rhythm, selection
from bot.services.views import (
    HandledItem,
    MeetingOverview,
    MeetingRound,
    MeetingView,
    QuickAnswerView,
    QuickConsentView,
    RunningMeeting,
    StartedRound,
)
from bot.store import (
    agreements_repo,
    backlog_repo,
    consent_repo,
    meeting_repo,
    quick_consent_repo,
    rhythm_repo,
    workspace_repo,
)
from bot.store.db import transaction
from bot.store.models import BacklogItem, ConsentRound, Meeting, MeetingConsent

Factory = sessionmaker[Session]
AGENDA_AHEAD = timedelta(days=1)  # a meeting started early still takes up its agenda's objections
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemSeen:
    """An item as the meeting showed it: what an outcome is recorded against."""

    item_id: int
    status: str | None
    next_step: str | None
    due_date: date | None


# ---------------------------------------------------------------- reading


def _rules(meeting: Meeting) -> rules.Meeting:
    return rules.Meeting(
        facilitator_id=meeting.facilitator_id,
        started_at=meeting.started_at,
        step=meeting.step,
        is_open=meeting.status == meeting_repo.OPEN,
        current_item_id=meeting.current_item_id,
        extra_minutes=meeting.item_extra_minutes or 0,
        current_agreement_id=meeting.current_agreement_id,
        current_round_id=meeting.current_round_id,
    )


def rules_of(meeting: Meeting) -> rules.Meeting:
    """The meeting's state as the rules need it."""
    return _rules(meeting)


def _agreed_title(
    session: Session, meeting: Meeting, outcome: str, reason: str | None
) -> str | None:
    """The title of the agreement an item became by quick consent (its number the reason)."""
    if outcome != Outcome.AGREED or not (reason or "").isdigit():
        return None
    found = agreements_repo.by_number(
        session, meeting.team_id, meeting.channel_id, int(reason or 0)
    )
    return found.title if found else None


def _view(session: Session, meeting: Meeting) -> MeetingView:
    current = None
    if meeting.current_item_id is not None:
        item = backlog_repo.get_item(session, meeting.team_id, meeting.current_item_id)
        current = backlog_repo.view_of(session, item) if item else None
    reviewing = None
    if meeting.current_agreement_id is not None:
        agreement = agreements_repo.get(session, meeting.team_id, meeting.current_agreement_id)
        reviewing = agreements.view_in(session, agreement) if agreement else None
    sent = _current_round(session, meeting)
    return MeetingView(
        current_round=sent[0] if sent else None,
        current_round_text=sent[1] if sent else None,
        secretary_id=meeting.secretary_id or meeting.facilitator_id,
        correction=meeting.correction,
        corrected_by=meeting.corrected_by,
        corrected_at=meeting.corrected_at,
        minutes_consented=quick_consent_repo.minutes_consented(session, meeting.id),
        **_parts(session, meeting),
        agenda_objections=[
            QuickAnswerView(o.user_id, "objection", o.reason)
            for o in quick_consent_repo.agenda_objections(session, meeting.id)
        ],
        current_agreement=reviewing,
        id=meeting.id,
        team_id=meeting.team_id,
        channel_id=meeting.channel_id,
        facilitator_id=meeting.facilitator_id,
        started_at=meeting.started_at,
        planned_end_at=meeting.planned_end_at,
        local_date=meeting.local_date,
        tz=meeting.tz,
        step=meeting.step,
        is_open=meeting.status == meeting_repo.OPEN,
        message_ts=meeting.message_ts,
        current=current,
        attendees=meeting_repo.attendees(session, meeting.id),
        handled=[
            HandledItem(
                h.number,
                h.text,
                h.outcome,
                h.next_step,
                h.due_date,
                h.reason,
                agreement=h.agreement_id is not None,
                proposal=h.round_id is not None,
                title=_agreed_title(session, meeting, h.outcome, h.reason),
            )  # fmt: skip
            for h in meeting_repo.handled(session, meeting.id)
        ],
        ended_at=meeting.ended_at,
        ended_by=meeting.ended_by,
        item_started_at=meeting.item_started_at,
        item_extra_minutes=meeting.item_extra_minutes or 0,
        closing_at=meeting.closing_at,
        evaluation=rules.summarise(meeting_repo.evaluations(session, meeting.id)),
        checks=[
            check_view(session, c, meeting)
            for c in quick_consent_repo.of_meeting(session, meeting.id)
        ],
        rounds_started=[
            StartedRound(r.id, r.number, r.title, r.message_ts)
            for r in consent_repo.started_in_meeting(session, meeting.team_id, meeting.id)
        ],
    )


def _sent_rounds(session: Session, meeting: Meeting) -> list[MeetingRound]:
    """The rounds sent to the meeting by their author (their latest version), with their open
    objections."""
    found = rhythm.meeting_rounds(session, meeting.team_id, meeting.channel_id)
    return [r for r in found if r.sent]


def _current_round(session: Session, meeting: Meeting) -> tuple[MeetingRound, str] | None:
    """The round the meeting takes up now, and its proposal's text."""
    if meeting.current_round_id is None:
        return None
    rnd = consent_repo.get_round(session, meeting.team_id, meeting.current_round_id)
    if rnd is None:
        return None
    shown = next((r for r in _sent_rounds(session, meeting) if r.round_id == rnd.id), None)
    if shown is None:  # amended or withdrawn since the meeting took it up: as it stood
        proposal = consent_repo.get_proposal(session, meeting.team_id, rnd.proposal_id)
        number = proposal.number if proposal else 0
        shown = MeetingRound(rnd.id, number, rnd.version, rnd.title, rnd.author_id, True, [])
    return shown, rnd.text


def _next_round(session: Session, meeting: Meeting) -> MeetingRound | None:
    """The first round sent to the meeting that it (or an earlier one) has not taken up."""
    done = meeting_repo.rounds_handled(session, meeting.team_id, meeting.channel_id, meeting.id)
    return next((r for r in _sent_rounds(session, meeting) if r.round_id not in done), None)


def _record_round(session: Session, meeting: Meeting, skip: bool, now: datetime) -> None:
    """Moving on from a round sent to the meeting: discussed (or skipped)."""
    sent = _current_round(session, meeting)
    if sent is None:
        return
    outcome = Outcome.SKIPPED if skip else Outcome.DISCUSSED
    meeting_repo.record_round(session, meeting, sent[0].round_id, sent[0].proposal_number,
                              sent[0].title, outcome=outcome.value, at=now)  # fmt: skip


def _parts(session: Session, meeting: Meeting) -> dict[str, rules.Appointed]:
    """Why the facilitator and the secretary of a running meeting have their part."""
    if meeting.status != meeting_repo.OPEN:
        return {}
    circle = rhythm_repo.circle_of_channel(session, meeting.team_id, meeting.channel_id)
    chairs, records = rhythm.appointed(session, circle, meeting.team_id, meeting.channel_id)
    secretary = meeting.secretary_id or meeting.facilitator_id
    return {
        "facilitator_as": rules.as_run(chairs, meeting.facilitator_id, rules.Why.STARTED),
        "secretary_as": rules.as_run(records, secretary, rules.Why.FACILITATOR),
    }


def check_view(session: Session, check: MeetingConsent, meeting: Meeting) -> QuickConsentView:
    """A quick consent of the meeting, with its answers, as the builders read it."""
    subject = (
        meeting_repo.get(session, check.team_id, check.subject_meeting_id)
        if check.subject_meeting_id
        else None
    )
    agreement = (
        agreements_repo.get(session, check.team_id, check.agreement_id)
        if check.agreement_id
        else None
    )
    return QuickConsentView(
        id=check.id,
        team_id=check.team_id,
        meeting_id=meeting.id,
        channel_id=meeting.channel_id,
        facilitator_id=meeting.facilitator_id,
        kind=check.kind,
        status=check.status,
        hidden=check.hidden,
        answers=[
            QuickAnswerView(a.user_id, a.answer, a.reason)
            for a in quick_consent_repo.answers(session, check.id)
        ],
        attendees=meeting_repo.attendees(session, meeting.id),
        thread_ts=meeting.message_ts,
        message_ts=check.message_ts,
        proposal=check.proposal,
        review_date=check.review_date,
        item_number=check.item_number,
        item_text=check.item_text,
        subject_date=subject.local_date if subject else None,
        agreement_number=agreement.number if agreement else None,
        agreement_title=agreement.title if agreement else None,
        title=check.title,
        responsibilities=check.responsibilities,
        evaluation=check.evaluation,
        responsible_ids=json.loads(check.responsible_ids or "[]"),
        round_id=check.round_id,
    )


def view_in(session: Session, meeting: Meeting) -> MeetingView:
    """A meeting as the builders (and the logbook export) read it, in the caller's session."""
    return _view(session, meeting)


def _found(meeting: Meeting | None) -> Meeting:
    if meeting is None:
        raise rules.NoMeetingRunning()
    return meeting


def load(factory: Factory, *, team_id: str, meeting_id: int) -> MeetingView:
    """One meeting (NoMeetingRunning when there is no such meeting)."""
    with transaction(factory) as session:
        return _view(session, _found(meeting_repo.get(session, team_id, meeting_id)))


def overview(factory: Factory, *, team_id: str, channel_id: str, now: datetime) -> MeetingOverview:
    """The channel's rhythm, its next meeting, and the meeting running now."""
    cadence = rhythm.get_cadence(factory, team_id=team_id, channel_id=channel_id)
    upcoming = rhythm.upcoming_meeting(factory, team_id=team_id, channel_id=channel_id, now=now)
    with transaction(factory) as session:
        running = meeting_repo.open_meeting(session, team_id, channel_id)
        circle = rhythm_repo.circle_of_channel(session, team_id, channel_id)
        chairs, records = rhythm.appointed(session, circle, team_id, channel_id)
        return MeetingOverview(
            channel_id=channel_id,
            cadence=cadence,
            next_meeting_at=upcoming if cadence else None,
            running=_view(session, running) if running else None,
            facilitator=chairs,
            secretary=records,
        )


def running(factory: Factory, *, team_id: str, limit: int = 30) -> list[RunningMeeting]:
    """The workspace's meetings running now (for the Home tab of their channels' members)."""
    with transaction(factory) as session:
        return [
            RunningMeeting(m.channel_id, m.facilitator_id, m.message_ts)
            for m in meeting_repo.open_meetings(session, team_id, limit)
        ]


def minutes(
    factory: Factory, *, team_id: str, channel_id: str, day: date | None = None
) -> MeetingView:
    """The minutes of the channel's last meeting (or of its meeting on `day`); NoMinutes else."""
    with transaction(factory) as session:
        found = meeting_repo.last_closed(session, team_id, channel_id, day)
        if found is None:
            raise rules.NoMinutes(day)
        return _view(session, found)


def item_for_outcome(
    factory: Factory, *, team_id: str, meeting_id: int, user_id: str, seen_step: int, item_id: int
) -> tuple[MeetingView, ItemView]:
    """The meeting and its current item, for the facilitator's outcome form; NotTheFacilitator
    or MeetingMoved when this person may not, or the meeting is no longer at that item;
    ItemChangedMeanwhile when the item was closed since it was posted."""
    with transaction(factory) as session:
        meeting = _found(meeting_repo.get(session, team_id, meeting_id))
        _rules(meeting).record(user_id, seen_step, item_id)
        view = _view(session, meeting)
        if view.current is None:
            raise ItemNotFound()
        if view.current.status not in OPEN_STATUSES:
            raise rules.ItemChangedMeanwhile(view.current)  # closed meanwhile: say how
        return view, view.current


# ---------------------------------------------------------------- starting and checking in


def started_key(meeting_id: int) -> str:
    """The outbox key of a meeting's "in progress" message (and its check-in)."""
    return f"meeting:{meeting_id}:started"


def step_key(meeting_id: int, step: int) -> str:
    """The outbox key of what a meeting takes up at a step, in its thread."""
    return f"meeting:{meeting_id}:step:{step}"


def closing_key(meeting_id: int) -> str:
    """The outbox key of a meeting's closing step (evaluation, check-out), in its thread."""
    return f"meeting:{meeting_id}:closing"


def minutes_key(meeting_id: int) -> str:
    """The outbox key of a meeting's minutes: once per meeting, whoever closes it."""
    return f"meeting:{meeting_id}:minutes"


def _tz(stored: str | None, fallback: str) -> str:
    for tz in (stored, fallback):
        try:
            zone(tz or "")
            return tz or "UTC"
        except InvalidTimezone:
            continue
    return "UTC"


def start(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    is_member: bool,
    tz: str,
    now: datetime,
    request_key: str | None = None,
) -> MeetingView:
    """Open the channel's meeting with its starter as facilitator (checked in), the "in
    progress" message queued. MeetingRunning when one runs; NotTheFacilitator /
    NotAMemberOfCircle when this person may not start it."""
    with transaction(factory) as session:
        workspace_repo.claim_request(session, team_id, request_key, now)
        circle = backlog_repo.lock_circle(session, team_id, channel_id, now)
        running = meeting_repo.open_meeting(session, team_id, channel_id)
        rules.require_not_running(_rules(running) if running else None)
        chairs, records = rhythm.appointed(session, circle, team_id, channel_id)
        rules.require_may_start(chairs.user_id, user_id, is_member, channel_id)
        minutes_ = circle.meeting_duration_minutes or rules.DEFAULT_DURATION_MINUTES
        meeting_tz = _tz(circle.meeting_tz, tz)
        meeting = meeting_repo.add(
            session,
            team_id=team_id,
            channel_id=channel_id,
            circle_id=circle.id,
            facilitator_id=user_id,
            started_at=now,
            planned_end_at=now + timedelta(minutes=minutes_),
            local_date=now.astimezone(zone(meeting_tz)).date(),
            tz=meeting_tz,
            secretary_id=records.user_id or user_id,
        )
        meeting_repo.check_in(session, meeting, user_id, now)
        quick_consent_repo.claim_agenda_objections(session, meeting, now + AGENDA_AHEAD)
        payloads.queue(
            session,
            team_id=team_id,
            key=started_key(meeting.id),
            target=channel_id,
            payload=payloads.MeetingStarted(meeting_id=meeting.id),
            now=now,
        )
        return _view(session, meeting)


def remember_thread(factory: Factory, *, team_id: str, meeting_id: int, message_ts: str) -> None:
    """Link the meeting to its "in progress" message, whose thread it runs in."""
    with transaction(factory) as session:
        meeting_repo.set_thread(session, team_id, meeting_id, message_ts)


def check_in(
    factory: Factory, *, team_id: str, meeting_id: int, user_id: str, now: datetime
) -> bool:
    """Someone is present ("I'm here"); False when they had checked in already."""
    with transaction(factory) as session:
        meeting = _found(meeting_repo.get(session, team_id, meeting_id))
        _rules(meeting).check_in()
        return meeting_repo.check_in(session, meeting, user_id, now)


def check_in_from_thread(
    factory: Factory, *, team_id: str, channel_id: str, thread_ts: str, user_id: str, now: datetime
) -> bool:
    """A reply in a running meeting's thread checks its author in; False when it is no
    meeting's thread, or they had checked in already."""
    with transaction(factory) as session:
        meeting = meeting_repo.by_thread(session, team_id, channel_id, thread_ts)
        if meeting is None:
            return False
        return meeting_repo.check_in(session, meeting, user_id, now)


# ---------------------------------------------------------------- moving through the items


def _locked(session: Session, team_id: str, meeting_id: int, now: datetime) -> Meeting:
    """The meeting, with its channel's backlog and then itself locked (always in that order)."""
    meeting = _found(meeting_repo.get(session, team_id, meeting_id))
    backlog_repo.lock_circle(session, team_id, meeting.channel_id, now)
    return _found(meeting_repo.lock(session, team_id, meeting_id))


def locked(session: Session, team_id: str, meeting_id: int, now: datetime) -> Meeting:
    """The meeting, locked after its channel's backlog (for a move in the caller's session)."""
    return _locked(session, team_id, meeting_id, now)


def advance(session: Session, meeting: Meeting, seen_step: int, now: datetime) -> None:
    """Take up the next item, in the caller's session; MeetingMoved when another move won."""
    _advance(session, meeting, seen_step, now)


def _advance(session: Session, meeting: Meeting, seen_step: int, now: datetime) -> None:
    """Take up the next open item in rank order not handled yet, then the agreements due for
    review by the meeting's date; its post queued."""
    following = meeting_repo.next_item(session, meeting)
    review = meeting_repo.next_review(session, meeting) if following is None else None
    sent = _next_round(session, meeting) if following is None and review is None else None
    moved = meeting_repo.move(
        session, meeting, seen_step, following.id if following else None, now,
        current_agreement_id=review.id if review else None,
        current_round_id=sent.round_id if sent else None,
    )  # fmt: skip
    if not moved:
        raise rules.MeetingMoved()
    payloads.queue(
        session,
        team_id=meeting.team_id,
        key=step_key(meeting.id, meeting.step),
        target=meeting.channel_id,
        payload=payloads.MeetingStep(meeting_id=meeting.id, step=meeting.step),
        now=now,
    )


def round_started_key(meeting_id: int, round_id: int) -> str:
    """The outbox key of the note, in a meeting's thread, that a round started from it."""
    return f"meeting:{meeting_id}:round-started:{round_id}"


def started_from(meeting_id: int) -> Callable[..., bool]:
    """What links a round opened from the form of this meeting's item (consent.open_round's
    `started_from`): `link_started_round`, the meeting id a hint it checks."""
    return partial(link_started_round, meeting_id=meeting_id)


def link_started_round(
    session: Session, rnd: ConsentRound, number: int, item: BacklogItem | None,
    now: datetime, *, meeting_id: int,
) -> bool:  # fmt: skip
    """A round opened from a meeting's "Proposal formed: start a consent round", in the
    caller's transaction (its channel's backlog locked). The meeting id is the form's hint,
    never trusted: the round is linked to the meeting (and its thread told) only when that
    meeting is open in the round's channel and the author checked in. When the author is its
    facilitator and the meeting is still at the round's driver, the item's outcome is the
    proposal formed, and the meeting moves on. False when the hint is ignored."""
    found = meeting_repo.lock(session, rnd.team_id, meeting_id)
    if found is None or found.status != meeting_repo.OPEN or found.channel_id != rnd.channel_id:
        return False
    if rnd.author_id not in meeting_repo.attendees(session, found.id):
        return False
    rnd.meeting_id = found.id
    payloads.queue(
        session, team_id=rnd.team_id, key=round_started_key(found.id, rnd.id),
        target=found.channel_id, now=now,
        payload=payloads.MeetingRoundStarted(meeting_id=found.id, round_id=rnd.id),
    )  # fmt: skip
    if (
        item is not None
        and found.current_item_id == item.id
        and rnd.author_id == found.facilitator_id
    ):
        meeting_repo.record(session, found, item, at=now, outcome=Outcome.PROPOSED.value,
                            reason=str(number))  # fmt: skip
        _advance(session, found, found.step, now)
    session.flush()
    return True


def _record_review(session: Session, meeting: Meeting, skip: bool, now: datetime) -> None:
    """Moving on from an agreement's review: what was chosen for it (keep, evolve, drop,
    snooze) since the meeting took it up, or that it was discussed (or skipped)."""
    if meeting.current_agreement_id is None:
        return
    agreement = agreements_repo.get(session, meeting.team_id, meeting.current_agreement_id)
    if agreement is None:
        return
    last = agreements_repo.last_review(session, meeting.team_id, agreement.id)
    since = meeting.item_started_at
    if last is not None and since is not None and last.at >= since:
        detail = json.loads(last.detail or "{}")
        kept_until = detail.get("next") if last.action == "kept" else None
        meeting_repo.record_review(
            session, meeting, agreement, outcome=Outcome.REVIEWED.value, next_step=last.action,
            due_date=date.fromisoformat(kept_until) if kept_until else None,
            reason=detail.get("reason"), at=now,
        )  # fmt: skip
        return
    outcome = Outcome.SKIPPED if skip else Outcome.DISCUSSED
    meeting_repo.record_review(session, meeting, agreement, outcome=outcome.value, at=now)


def move_on(
    factory: Factory,
    *,
    team_id: str,
    meeting_id: int,
    user_id: str,
    seen_step: int,
    skip: bool,
    now: datetime,
) -> MeetingView:
    """The facilitator moves to the next item; the current one is recorded as discussed (or
    skipped). MeetingMoved when the meeting is no longer at the step they saw."""
    with transaction(factory) as session:
        meeting = _locked(session, team_id, meeting_id, now)
        _rules(meeting).drive(user_id, seen_step)
        if meeting.current_item_id is not None:
            item = backlog_repo.get_item(session, team_id, meeting.current_item_id)
            if item is not None:
                outcome = Outcome.SKIPPED if skip else Outcome.DISCUSSED
                meeting_repo.record(session, meeting, item, outcome=outcome.value, at=now)
        _record_review(session, meeting, skip, now)
        _record_round(session, meeting, skip, now)
        _advance(session, meeting, seen_step, now)
        return _view(session, meeting)


def record_outcome(
    factory: Factory,
    *,
    team_id: str,
    meeting_id: int,
    user_id: str,
    seen_step: int,
    seen: ItemSeen,
    next_step: NextStep | None,
    due: date | None,
    reason: str | None,
    now: datetime,
    pass_to: str | None = None,
    resolved: bool = False,
) -> MeetingView:
    """The facilitator records the current item's outcome through the backlog's own rules (a
    next step, dismissed with its reason, passed on to another circle's channel, or the
    contested objection it came from resolved), and the meeting moves on to the next item.

    ItemChangedMeanwhile (with the item as it is) when it was closed or changed since the
    meeting showed it; nothing is recorded then. OutcomeMissing without any outcome,
    OutcomeAmbiguous with two; NotContested when there is no contested objection to resolve.
    """
    rules.require_outcome(next_step, reason, pass_to, resolved)
    with transaction(factory) as session:
        meeting, item = _outcome_target(session, team_id, meeting_id, user_id, seen_step, seen,
                                        now, also=pass_to)  # fmt: skip
        if resolved:
            outcome = _resolve(session, item, user_id, now)
        elif pass_to:
            backlog.pass_on_in(session, item, actor=user_id, to_channel=pass_to, now=now)
            outcome = {"outcome": Outcome.PASSED_ON.value, "reason": pass_to}
        elif reason is not None:
            kept = backlog.take_off(session, item, actor=user_id, reason=reason, now=now)
            outcome = {"outcome": Outcome.DISMISSED.value, "reason": kept}
        else:
            assert next_step is not None  # require_outcome
            backlog.give_next_step(
                session, item, actor=user_id, next_step=next_step, due=due, now=now
            )
            outcome = {
                "outcome": Outcome.NEXT_STEP.value,
                "next_step": next_step.value,
                "due_date": due,
            }
        meeting_repo.record(session, meeting, item, at=now, **outcome)
        _advance(session, meeting, seen_step, now)
        return _view(session, meeting)


def _outcome_target(
    session: Session, team_id: str, meeting_id: int, user_id: str, seen_step: int,
    seen: ItemSeen, now: datetime, also: str | None = None,
) -> tuple[Meeting, BacklogItem]:  # fmt: skip
    """The meeting (locked after the backlogs: its channel's, and `also`'s, in channel order)
    and its current item, unchanged since the meeting showed it."""
    meeting = _found(meeting_repo.get(session, team_id, meeting_id))
    for channel in sorted({meeting.channel_id, also or meeting.channel_id}):
        backlog_repo.lock_circle(session, team_id, channel, now)
    meeting = _found(meeting_repo.lock(session, team_id, meeting_id))
    _rules(meeting).record(user_id, seen_step, seen.item_id)
    item = backlog_repo.get_item(session, team_id, seen.item_id)
    if item is None:
        raise ItemNotFound()
    session.refresh(item)
    rules.require_unchanged(
        backlog_repo.view_of(session, item), seen.status, seen.next_step, seen.due_date
    )
    return meeting, item


def _resolve(session: Session, item: BacklogItem, user_id: str, now: datetime) -> dict:
    """The contested objection the item came from, resolved by the meeting; the item done."""
    settled = objections.settle_in_meeting(session, item.team_id, item.id, actor=user_id, now=now)
    if settled is None:
        raise rules.NotContested()
    backlog.settle(session, item, actor=user_id, now=now)
    return {"outcome": Outcome.RESOLVED.value, "reason": settled.reason}


def is_contested(factory: Factory, *, team_id: str, item_id: int) -> bool:
    """Whether the item came from an objection contested at the meeting, still to resolve."""
    with transaction(factory) as session:
        return objections.contested_for_item(session, team_id, item_id) is not None


def start_selection(
    factory: Factory,
    *,
    team_id: str,
    meeting_id: int,
    user_id: str,
    seen_step: int,
    seen: ItemSeen,
    role: int,
    participants: list[str],
    nominate_hours: float,
    change_hours: float,
    now: datetime,
) -> tuple[MeetingView, Overview]:
    """The current item's outcome is a selection for one of the circle's roles: started (its
    message queued) with the item as its driver, recorded as "selection started for <role>",
    and the meeting moves on, in one transaction. ItemChangedMeanwhile as record_outcome."""
    with transaction(factory) as session:
        meeting, item = _outcome_target(session, team_id, meeting_id, user_id, seen_step, seen,
                                        now)  # fmt: skip
        started = selection.start_in(
            session, team_id=team_id, channel_id=meeting.channel_id, role=role,
            started_by=user_id, participants=participants, now=now,
            nominate_hours=nominate_hours, change_hours=change_hours, item_id=item.id,
        )  # fmt: skip
        if item.next_step != NextStep.SELECT.value:
            backlog.give_next_step(session, item, actor=user_id, next_step=NextStep.SELECT,
                                   due=None, now=now)  # fmt: skip
        meeting_repo.record(session, meeting, item, at=now, outcome=Outcome.SELECTION.value,
                            next_step=NextStep.SELECT.value, reason=started.role_name)  # fmt: skip
        _advance(session, meeting, seen_step, now)
        return _view(session, meeting), started


def more_time(
    factory: Factory,
    *,
    team_id: str,
    meeting_id: int,
    user_id: str,
    seen_step: int,
    item_id: int,
    minutes: int,
    now: datetime,
) -> MeetingView:
    """The facilitator gives the current item 5 or 10 more minutes (stored); NotTheFacilitator
    or MeetingMoved when this person may not, or the meeting is at another item now."""
    with transaction(factory) as session:
        meeting = _locked(session, team_id, meeting_id, now)
        meeting.item_extra_minutes = _rules(meeting).more_time(user_id, seen_step, item_id, minutes)
        session.flush()
        return _view(session, meeting)


# ---------------------------------------------------------------- closing: evaluation, check-out


def start_closing(
    factory: Factory, *, team_id: str, meeting_id: int, user_id: str, seen_step: int, now: datetime
) -> MeetingView:
    """Past the last item, the facilitator opens the closing step: the evaluation and the
    check-out, queued in the thread (once: the step moves)."""
    with transaction(factory) as session:
        meeting = _locked(session, team_id, meeting_id, now)
        _rules(meeting).close_items(user_id, seen_step)
        if not meeting_repo.move(session, meeting, seen_step, None, now, closing_at=now):
            raise rules.MeetingMoved()
        payloads.queue(
            session,
            team_id=team_id,
            key=closing_key(meeting.id),
            target=meeting.channel_id,
            payload=payloads.MeetingClosing(meeting_id=meeting.id),
            now=now,
        )
        return _view(session, meeting)


def evaluation_form(factory: Factory, *, team_id: str, meeting_id: int) -> MeetingView:
    """The meeting someone is about to evaluate; EvaluationsClosed once it has ended."""
    with transaction(factory) as session:
        meeting = _found(meeting_repo.get(session, team_id, meeting_id))
        _rules(meeting).evaluate()
        return _view(session, meeting)


def evaluate(
    factory: Factory,
    *,
    team_id: str,
    meeting_id: int,
    user_id: str,
    is_member: bool,
    evaluation: rules.Evaluation,
    now: datetime,
) -> MeetingView:
    """Someone in the circle evaluates the open meeting (whether they checked in or not); their
    latest evaluation counts. NotInCircle for someone outside the channel; EvaluationsClosed
    once the meeting has ended."""
    with transaction(factory) as session:
        meeting = _found(meeting_repo.get(session, team_id, meeting_id))
        if not is_member:
            raise rules.NotInCircle(meeting.channel_id)
        meeting = _found(meeting_repo.lock(session, team_id, meeting_id))
        _rules(meeting).evaluate()
        meeting_repo.evaluate(session, meeting, user_id, evaluation, now)
        return _view(session, meeting)


# ---------------------------------------------------------------- ending


def _close(session: Session, meeting: Meeting, ended_by: str | None, now: datetime) -> bool:
    """Close the meeting (the item it was at counts as discussed); its minutes queued once."""
    if meeting.status != meeting_repo.OPEN:
        return False
    if meeting.current_item_id is not None:
        item = backlog_repo.get_item(session, meeting.team_id, meeting.current_item_id)
        if item is not None:
            meeting_repo.record(session, meeting, item, outcome=Outcome.DISCUSSED.value, at=now)
    _record_review(session, meeting, False, now)
    _record_round(session, meeting, False, now)
    if not meeting_repo.close(session, meeting.id, ended_by, now):
        raise rules.NoMeetingRunning()  # closed meanwhile: roll the record back
    payloads.queue(
        session,
        team_id=meeting.team_id,
        key=minutes_key(meeting.id),
        target=meeting.channel_id,
        payload=payloads.MeetingMinutes(meeting_id=meeting.id),
        now=now,
    )
    return True


def end(
    factory: Factory, *, team_id: str, channel_id: str, user_id: str, now: datetime
) -> MeetingView:
    """The facilitator ends the channel's meeting; its minutes are stored and queued."""
    with transaction(factory) as session:
        backlog_repo.lock_circle(session, team_id, channel_id, now)
        meeting = _found(meeting_repo.open_meeting(session, team_id, channel_id))
        meeting = _found(meeting_repo.lock(session, team_id, meeting.id))
        _rules(meeting).end(user_id)
        if not _close(session, meeting, user_id, now):
            raise rules.NoMeetingRunning()
        session.refresh(meeting)
        return _view(session, meeting)


def close_left_open(factory: Factory, *, now: datetime, limit: int = 100) -> int:
    """Close every meeting left open 12 hours past its planned end, with its minutes.

    The close is a compare-and-set on the meeting's status and the minutes' outbox key is
    the meeting's: a second run, or another replica, finds nothing left to do.
    """
    with transaction(factory) as session:
        due = meeting_repo.left_open(session, now - rules.LEFT_OPEN, limit)
    closed = 0
    for team_id, meeting_id in due:
        try:
            with transaction(factory) as session:
                meeting = meeting_repo.lock(session, team_id, meeting_id)
                if meeting is not None and rules.is_left_open(meeting.planned_end_at, now):
                    closed += _close(session, meeting, None, now)
        except rules.NoMeetingRunning:
            continue  # its facilitator (or another replica) closed it first
    return closed
