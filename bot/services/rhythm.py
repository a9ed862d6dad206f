"""Use cases of the governance meeting rhythm: the cadence, the agenda, and the agenda sweep.

The sweep posts each meeting's agenda once: in one transaction it marks the circle's
`agenda_posted_for` with a compare-and-set and queues the message in the outbox, which
delivers it once. Running it again, on another replica or after a restart, finds nothing
left to do.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import rhythm as rules
from bot.domain.errors import DomainError
from bot.domain.meeting import (
    DEFAULT_DURATION_MINUTES,
    Appointed,
    appoint,
    check_duration,
    summarise,
)
from bot.domain.objections import ObjectionStatus
from bot.domain.rhythm import Cadence
from bot.services import payloads, structure
from bot.services.views import (
    Agenda,
    CadenceView,
    DueAgreement,
    Learnings,
    MeetingObjection,
    MeetingRound,
)
from bot.store import (
    agreements_repo,
    backlog_repo,
    consent_repo,
    meeting_repo,
    objections_repo,
    rhythm_repo,
    roles_repo,
    workspace_repo,
)
from bot.store.db import transaction
from bot.store.models import Circle

Factory = sessionmaker[Session]
log = logging.getLogger(__name__)

MAX_AGREEMENTS = 20  # agreements listed on one agenda (the rest: see /agreements)


def _cadence_of(circle: Circle) -> Cadence | None:
    if (
        circle.meeting_every_weeks is None
        or circle.meeting_weekday is None
        or not circle.meeting_time
        or not circle.meeting_tz
    ):
        return None
    return Cadence(
        every_weeks=circle.meeting_every_weeks,
        weekday=circle.meeting_weekday,
        time=circle.meeting_time,
        tz=circle.meeting_tz,
    )


def _circle(session: Session, team_id: str, channel_id: str) -> Circle | None:
    return rhythm_repo.circle_of_channel(session, team_id, channel_id)


def appointed(session: Session, circle: Circle | None, team_id: str, channel_id: str
              ) -> tuple[Appointed, Appointed]:  # fmt: skip
    """Who facilitates and who records the channel's meetings, and why: the holders of its
    Facilitator / Secretary roles, else the settings' choice, else whoever starts it."""
    return appoint(
        roles_repo.holders(session, team_id, channel_id),
        circle.meeting_facilitator_id if circle else None,
        circle.meeting_secretary_id if circle else None,
    )


# ---------------------------------------------------------------- the cadence


def set_cadence(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    every_weeks: int,
    weekday: int,
    time: str,
    tz: str,
    now: datetime,
    actor: str | None = None,
    request_key: str | None = None,
    duration_minutes: int | None = None,
    facilitator_id: str | None = None,
    secretary_id: str | None = None,
    first_on: date | None = None,
) -> CadenceView:
    """Set the channel's governance meeting rhythm (the caller checked membership); the
    channel's notice of it is queued in the same transaction when `actor` is given.

    Raises InvalidEvery / InvalidWeekday / InvalidTime / InvalidTimezone before touching
    the database. Saving the same cadence again keeps the planned next meeting. A meeting
    lasts `duration_minutes` (None: the default; InvalidDuration past 8 hours), and only
    `facilitator_id` starts it (None: anyone in the channel). For a rhythm of every 2 to 4
    weeks, `first_on` is the day of the series' first meeting (FirstMeetingNotOnWeekday /
    FirstMeetingPast when it cannot be); the meetings, their agendas and the calendar's
    series follow from it.
    """
    cadence = rules.check_cadence(every_weeks, weekday, time, tz)
    duration = check_duration(duration_minutes or DEFAULT_DURATION_MINUTES)
    first = None
    if rules.sets_first_meeting(every_weeks, first_on):
        assert first_on is not None
        first = rules.first_meeting(first_on, cadence, now)
    with transaction(factory) as session:
        workspace_repo.claim_request(session, team_id, request_key, now)
        circle = backlog_repo.lock_circle(session, team_id, channel_id, now)
        unchanged = _cadence_of(circle) == cadence
        if first is not None:
            circle.next_meeting_at = first
        elif not (unchanged and circle.next_meeting_at and circle.next_meeting_at > now):
            circle.next_meeting_at = rules.next_meeting(
                now, cadence.every_weeks, cadence.weekday, cadence.time, cadence.tz
            )
        circle.meeting_every_weeks = cadence.every_weeks
        circle.meeting_weekday = cadence.weekday
        circle.meeting_time = cadence.time
        circle.meeting_tz = cadence.tz
        circle.meeting_duration_minutes = duration
        circle.meeting_facilitator_id = facilitator_id
        circle.meeting_secretary_id = secretary_id
        if actor:
            payloads.queue(
                session,
                team_id=team_id,
                key=cadence_notice_key(channel_id, now),
                target=channel_id,
                payload=payloads.CadenceSet(channel_id=channel_id, actor=actor, saved_at=now),
                now=now,
            )
        return _cadence_view(circle, cadence)


def _cadence_view(circle: Circle, cadence: Cadence) -> CadenceView:
    return CadenceView(
        circle.team_id,
        circle.channel_id,
        cadence,
        circle.next_meeting_at,
        duration_minutes=circle.meeting_duration_minutes or DEFAULT_DURATION_MINUTES,
        facilitator_id=circle.meeting_facilitator_id,
        secretary_id=circle.meeting_secretary_id,
    )


def stop_meetings(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    now: datetime,
    request_key: str | None = None,
) -> None:
    """No more meetings or agendas for the channel until its rhythm is set again."""
    with transaction(factory) as session:
        workspace_repo.claim_request(session, team_id, request_key, now)
        circle = backlog_repo.lock_circle(session, team_id, channel_id, now)
        circle.meeting_every_weeks = circle.meeting_weekday = None
        circle.meeting_time = circle.meeting_tz = None
        circle.next_meeting_at = None


def cadence_notice_key(channel_id: str, saved_at: datetime) -> str:
    """The outbox key of the channel's notice that its rhythm was set at that moment."""
    return f"cadence:{channel_id}:{saved_at.timestamp():.6f}"


def get_cadence(factory: Factory, *, team_id: str, channel_id: str) -> CadenceView | None:
    """The channel's meeting rhythm, if it has one."""
    with transaction(factory) as session:
        circle = _circle(session, team_id, channel_id)
        cadence = _cadence_of(circle) if circle else None
        if circle is None or cadence is None:
            return None
        return _cadence_view(circle, cadence)


# ---------------------------------------------------------------- the agenda


def _upcoming(circle: Circle, cadence: Cadence | None, now: datetime) -> datetime | None:
    """The circle's next meeting; computed when the stored one has passed (sweep not run)."""
    if cadence is None:
        return None
    if circle.next_meeting_at and circle.next_meeting_at > now:
        return circle.next_meeting_at
    return rules.next_meeting(
        now,
        cadence.every_weeks,
        cadence.weekday,
        cadence.time,
        cadence.tz,
        anchor=circle.next_meeting_at,
    )


def _build(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    meeting_at: datetime | None,
    cadence: Cadence | None,
    now: datetime,
) -> Agenda:
    tz = cadence.tz if cadence else None
    cutoff = rules.review_cutoff(meeting_at, tz, now)
    items = backlog_repo.open_views(session, team_id, channel_id, limit=rules.AGENDA_ITEMS)
    due = agreements_repo.active(
        session, team_id, channel_id, limit=MAX_AGREEMENTS, review_by=cutoff
    )
    due_count = agreements_repo.active_count(session, team_id, channel_id, review_by=cutoff)
    ending, selections = structure.for_agenda(
        session, team_id=team_id, channel_id=channel_id, by=cutoff
    )
    chairs, records = appointed(session, _circle(session, team_id, channel_id), team_id, channel_id)
    return Agenda(
        team_id=team_id,
        channel_id=channel_id,
        meeting_at=meeting_at,
        cadence=cadence,
        items=items,
        open_count=backlog_repo.open_count(session, team_id, channel_id),
        agreements=[DueAgreement(a.id, a.number, a.title, a.review_date) for a in due],
        more_agreements=due_count - len(due),
        review_cutoff=cutoff,
        today=rules.review_cutoff(None, tz, now),
        terms_ending=ending,
        selections=selections,
        learnings=_learnings(session, team_id, channel_id),
        rounds=meeting_rounds(session, team_id, channel_id),
        facilitator=chairs,
        secretary=records,
    )


OPEN_OBJECTIONS = frozenset(
    {
        ObjectionStatus.RAISED,
        ObjectionStatus.QUALIFIED,
        ObjectionStatus.REFRAMED,
        ObjectionStatus.NOT_QUALIFIED,
        ObjectionStatus.CONTESTED,
    }
)
MAX_ROUNDS = 10  # rounds listed on one agenda


def meeting_rounds(session: Session, team_id: str, channel_id: str) -> list[MeetingRound]:
    """The rounds the meeting takes up (sent by their author, or with a contested objection),
    each with its open objections; a round amended into a newer version is left out."""
    found: list[MeetingRound] = []
    contested = ObjectionStatus.CONTESTED.value
    for rnd in consent_repo.rounds_for_meeting(session, team_id, channel_id, contested, 50):
        latest = consent_repo.latest_round(session, team_id, rnd.proposal_id)
        proposal = consent_repo.get_proposal(session, team_id, rnd.proposal_id)
        if latest is None or latest.id != rnd.id or proposal is None:
            continue
        objections = [
            MeetingObjection(o.user_id, o.reason or "", o.status == contested)
            for o in objections_repo.of_round(session, team_id, rnd.id)
            if ObjectionStatus(o.status) in OPEN_OBJECTIONS
        ]
        found.append(
            MeetingRound(
                rnd.id, proposal.number, rnd.version, rnd.title, rnd.author_id,
                rnd.sent_to_meeting_at is not None, objections,
            )
        )  # fmt: skip
    return found[:MAX_ROUNDS]


def _learnings(session: Session, team_id: str, channel_id: str) -> Learnings | None:
    """The last meeting's evaluation, for the circle to look at before the next one."""
    last = meeting_repo.last_evaluated(session, team_id, channel_id)
    summary = summarise(meeting_repo.evaluations(session, last.id)) if last else None
    return Learnings(last.local_date, summary) if last and summary else None


def next_meeting_in(
    session: Session, team_id: str, channel_id: str, now: datetime
) -> datetime | None:
    """The channel's next governance meeting, in the caller's transaction (None: no rhythm)."""
    circle = _circle(session, team_id, channel_id)
    return _upcoming(circle, _cadence_of(circle), now) if circle else None


def upcoming_meeting(
    factory: Factory, *, team_id: str, channel_id: str, now: datetime
) -> datetime | None:
    """The channel's next governance meeting, if it has a rhythm."""
    with transaction(factory) as session:
        circle = _circle(session, team_id, channel_id)
        return _upcoming(circle, _cadence_of(circle), now) if circle else None


def agenda(factory: Factory, *, team_id: str, channel_id: str, now: datetime) -> Agenda:
    """The agenda of the channel's next governance meeting (or of today, without a cadence):
    the top of the backlog in rank order with next steps, and the agreements due for review
    on or before the meeting's date."""
    with transaction(factory) as session:
        circle = _circle(session, team_id, channel_id)
        cadence = _cadence_of(circle) if circle else None
        meeting_at = _upcoming(circle, cadence, now) if circle else None
        return _build(
            session,
            team_id=team_id,
            channel_id=channel_id,
            meeting_at=meeting_at,
            cadence=cadence,
            now=now,
        )


def agenda_to_post(
    factory: Factory, *, team_id: str, circle_id: int, meeting_at: datetime, now: datetime
) -> Agenda | None:
    """The agenda an outbox row asks for, or None when it no longer applies.

    It no longer applies once the meeting has started, or when the cadence changed
    after the agenda was queued (the circle no longer plans that meeting).
    """
    with transaction(factory) as session:
        circle = rhythm_repo.circle_by_id(session, team_id, circle_id)
        if circle is None or meeting_at <= now or circle.next_meeting_at != meeting_at:
            return None
        return _build(
            session,
            team_id=team_id,
            channel_id=circle.channel_id,
            meeting_at=meeting_at,
            cadence=_cadence_of(circle),
            now=now,
        )


# ---------------------------------------------------------------- the sweep


def advance_past_meetings(factory: Factory, *, now: datetime, limit: int = 200) -> int:
    """Move circles whose meeting time has passed on to their following meeting.

    A compare-and-set on `next_meeting_at` makes a second run (or replica) a no-op.
    """
    with transaction(factory) as session:
        rows = rhythm_repo.passed_meetings(session, now, limit)
    advanced = 0
    for team_id, circle_id, previous, every, weekday, at, tz in rows:
        try:
            following = rules.next_meeting(now, every, weekday, at, tz, anchor=previous)
        except (DomainError, ValueError, TypeError):
            log.warning("circle %s has an unusable meeting cadence; meetings stopped", circle_id)
            following = None
        with transaction(factory) as session:
            advanced += rhythm_repo.move_meeting(session, team_id, circle_id, previous, following)
    return advanced


def post_due_agendas(factory: Factory, *, now: datetime, limit: int = 200) -> int:
    """Queue the agenda of every meeting starting within a day, once per meeting.

    Meetings that have passed are first moved on to the following one; an agenda is
    never posted for a meeting that has already started.
    """
    advance_past_meetings(factory, now=now, limit=limit)
    with transaction(factory) as session:
        due = rhythm_repo.agendas_due(session, now, rules.AGENDA_LEAD, limit)
    queued = 0
    for team_id, circle_id, channel_id, meeting_at in due:
        with transaction(factory) as session:
            if not rhythm_repo.claim_agenda(session, team_id, circle_id, meeting_at):
                continue  # another sweep got it first
            payloads.queue(
                session,
                team_id=team_id,
                key=agenda_key(circle_id, meeting_at),
                target=channel_id,
                payload=payloads.MeetingAgenda(circle_id=circle_id, meeting_at=meeting_at),
                now=now,
            )
            queued += 1
    return queued


def agenda_key(circle_id: int, meeting_at: datetime) -> str:
    """The outbox key: one agenda per circle and meeting, ever."""
    return f"agenda:{circle_id}:{meeting_at.isoformat()}"
