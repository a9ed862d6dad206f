"""Governance meeting queries: the open meeting of a channel, its steps, attendees, minutes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain.meeting import Evaluation, Outcome
from bot.store import db
from bot.store.models import (
    Agreement,
    BacklogItem,
    Meeting,
    MeetingAttendee,
    MeetingEvaluation,
    MeetingItem,
)

OPEN = "open"
CLOSED = "closed"
OPEN_ITEM_STATUSES = ("new", "backlog", "in_progress")


def open_meeting(session: Session, team_id: str, channel_id: str) -> Meeting | None:
    """The channel's open meeting, if one is running."""
    return session.scalar(
        select(Meeting).where(
            Meeting.team_id == team_id, Meeting.open_channel == channel_id, Meeting.status == OPEN
        )
    )


def open_meetings(session: Session, team_id: str, limit: int) -> list[Meeting]:
    """The workspace's meetings running now, the earliest started first."""
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.team_id == team_id, Meeting.status == OPEN)
            .order_by(Meeting.started_at, Meeting.id)
            .limit(limit)
        )
    )


def get(session: Session, team_id: str, meeting_id: int) -> Meeting | None:
    """One meeting of the workspace."""
    return session.scalar(
        select(Meeting).where(Meeting.team_id == team_id, Meeting.id == meeting_id)
    )


def lock(session: Session, team_id: str, meeting_id: int) -> Meeting | None:
    """One meeting, locked for this transaction (moves serialise per meeting)."""
    return session.scalar(
        select(Meeting)
        .where(Meeting.team_id == team_id, Meeting.id == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def by_thread(session: Session, team_id: str, channel_id: str, thread_ts: str) -> Meeting | None:
    """The open meeting running in this thread."""
    return session.scalar(
        select(Meeting).where(
            Meeting.team_id == team_id,
            Meeting.channel_id == channel_id,
            Meeting.message_ts == thread_ts,
            Meeting.status == OPEN,
        )
    )


def add(session: Session, **fields: Any) -> Meeting:
    """A new open meeting (the unique open channel refuses a second one)."""
    meeting = Meeting(status=OPEN, step=0, **fields)
    meeting.open_channel = meeting.channel_id
    session.add(meeting)
    session.flush()
    return meeting


def move(
    session: Session,
    meeting: Meeting,
    seen_step: int,
    item_id: int | None,
    now: datetime,
    **more: Any,
) -> bool:
    """Compare-and-set the meeting's step (the item taken up now, its time from `now`); False
    when another move got there first."""
    result = session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.step == seen_step, Meeting.status == OPEN)
        .values(
            step=seen_step + 1,
            current_item_id=item_id,
            item_started_at=now,
            item_extra_minutes=0,
            **({"current_agreement_id": None, "current_round_id": None} | more),
        )
    )
    session.refresh(meeting)
    return result.rowcount == 1  # type: ignore[attr-defined]


def close(session: Session, meeting_id: int, ended_by: str | None, now: datetime) -> bool:
    """Close an open meeting; False when it was closed already (by someone, or a sweep)."""
    result = session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.status == OPEN)
        .values(status=CLOSED, open_channel=None, ended_at=now, ended_by=ended_by)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def check_in(session: Session, meeting: Meeting, user_id: str, now: datetime) -> bool:
    """Record someone as present; False when they were already."""
    insert = db.insert_for(session)(MeetingAttendee).values(
        meeting_id=meeting.id, user_id=user_id, team_id=meeting.team_id, checked_in_at=now
    )
    # RETURNING, not rowcount: an ORM insert does not report rowcount on every driver.
    added = session.scalar(insert.on_conflict_do_nothing().returning(MeetingAttendee.user_id))
    return added is not None


def attendees(session: Session, meeting_id: int) -> list[str]:
    """Who checked in, in the order they did."""
    return list(
        session.scalars(
            select(MeetingAttendee.user_id)
            .where(MeetingAttendee.meeting_id == meeting_id)
            .order_by(MeetingAttendee.checked_in_at, MeetingAttendee.user_id)
        )
    )


def handled(session: Session, meeting_id: int) -> list[MeetingItem]:
    """The items the meeting handled, in the order it did."""
    return list(
        session.scalars(
            select(MeetingItem).where(MeetingItem.meeting_id == meeting_id).order_by(MeetingItem.id)
        )
    )


def record(session: Session, meeting: Meeting, item: BacklogItem, **fields: Any) -> None:
    """What became of an item in the meeting."""
    session.add(
        MeetingItem(
            team_id=meeting.team_id,
            meeting_id=meeting.id,
            item_id=item.id,
            number=item.number,
            text=item.text,
            step=meeting.step,
            **fields,
        )
    )
    session.flush()


def next_item(session: Session, meeting: Meeting) -> BacklogItem | None:
    """The first open item in rank order the meeting has not handled yet."""
    done = select(MeetingItem.item_id).where(
        MeetingItem.meeting_id == meeting.id, MeetingItem.item_id.is_not(None)
    )
    return session.scalar(
        select(BacklogItem)
        .where(
            BacklogItem.team_id == meeting.team_id,
            BacklogItem.channel_id == meeting.channel_id,
            BacklogItem.status.in_(OPEN_ITEM_STATUSES),
            BacklogItem.rank.is_not(None),
            BacklogItem.id.not_in(done),
        )
        .order_by(BacklogItem.rank)
        .limit(1)
    )


def next_review(session: Session, meeting: Meeting) -> Agreement | None:
    """The first agreement in force of the channel whose review is due by the meeting's date,
    soonest first, that the meeting has not handled yet."""
    done = select(MeetingItem.agreement_id).where(
        MeetingItem.meeting_id == meeting.id, MeetingItem.agreement_id.is_not(None)
    )
    return session.scalar(
        select(Agreement)
        .where(
            Agreement.team_id == meeting.team_id,
            Agreement.channel_id == meeting.channel_id,
            Agreement.status == "active",
            Agreement.review_date <= meeting.local_date,
            Agreement.id.not_in(done),
        )
        .order_by(Agreement.review_date, Agreement.number)
        .limit(1)
    )


def record_review(session: Session, meeting: Meeting, agreement: Agreement, **fields: Any) -> None:
    """What became of an agreement's review in the meeting."""
    session.add(
        MeetingItem(
            team_id=meeting.team_id,
            meeting_id=meeting.id,
            item_id=None,
            agreement_id=agreement.id,
            number=agreement.number,
            text=agreement.title,
            step=meeting.step,
            **fields,
        )
    )
    session.flush()


def set_thread(session: Session, team_id: str, meeting_id: int, message_ts: str) -> None:
    """Link a meeting to the channel message whose thread it runs in."""
    session.execute(
        update(Meeting)
        .where(Meeting.team_id == team_id, Meeting.id == meeting_id, Meeting.message_ts.is_(None))
        .values(message_ts=message_ts)
    )


def last_closed(
    session: Session, team_id: str, channel_id: str, day: date | None = None
) -> Meeting | None:
    """The channel's latest closed meeting (on that date, when given)."""
    stmt = select(Meeting).where(
        Meeting.team_id == team_id, Meeting.channel_id == channel_id, Meeting.status == CLOSED
    )
    if day is not None:
        stmt = stmt.where(Meeting.local_date == day)
    return session.scalar(stmt.order_by(Meeting.started_at.desc(), Meeting.id.desc()).limit(1))


def left_open(session: Session, before: datetime, limit: int) -> list[Any]:
    """(team, meeting) of open meetings whose planned end is before `before`."""
    return session.execute(
        select(Meeting.team_id, Meeting.id)
        .where(Meeting.status == OPEN, Meeting.planned_end_at <= before)
        .order_by(Meeting.planned_end_at)
        .limit(limit)
    ).all()


def evaluate(
    session: Session, meeting: Meeting, user_id: str, evaluation: Evaluation, now: datetime
) -> None:
    """Store someone's evaluation of the meeting; a second one replaces the first."""
    fields = {
        "rating": evaluation.rating,
        "more_of": evaluation.more_of,
        "less_of": evaluation.less_of,
        "keep": evaluation.keep,
        "submitted_at": now,
    }
    insert = db.insert_for(session)(MeetingEvaluation).values(
        meeting_id=meeting.id, user_id=user_id, team_id=meeting.team_id, **fields
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[MeetingEvaluation.meeting_id, MeetingEvaluation.user_id], set_=fields
        )
    )


def evaluations(session: Session, meeting_id: int) -> list[Evaluation]:
    """A meeting's evaluations, in the order they were (last) given."""
    rows = session.scalars(
        select(MeetingEvaluation)
        .where(MeetingEvaluation.meeting_id == meeting_id)
        .order_by(MeetingEvaluation.submitted_at, MeetingEvaluation.user_id)
    )
    return [Evaluation(r.rating, r.more_of, r.less_of, r.keep) for r in rows]


def last_evaluated(session: Session, team_id: str, channel_id: str) -> Meeting | None:
    """The channel's latest closed meeting, if anyone evaluated it."""
    last = last_closed(session, team_id, channel_id)
    if last is None:
        return None
    any_given = session.scalar(
        select(MeetingEvaluation.user_id).where(MeetingEvaluation.meeting_id == last.id).limit(1)
    )
    return last if any_given is not None else None


def closed_in(session: Session, team_id: str, channel_id: str | None) -> list[Meeting]:
    """The workspace's closed meetings (or one channel's), by channel and date."""
    stmt = select(Meeting).where(Meeting.team_id == team_id, Meeting.status == CLOSED)
    if channel_id:
        stmt = stmt.where(Meeting.channel_id == channel_id)
    return list(session.scalars(stmt.order_by(Meeting.channel_id, Meeting.started_at, Meeting.id)))


def rounds_handled(session: Session, team_id: str, channel_id: str, meeting_id: int) -> set[int]:
    """The rounds sent to the meeting that this meeting handled, or an earlier meeting of the
    channel discussed (a skipped one comes up again)."""
    rows = session.execute(
        select(MeetingItem.round_id, MeetingItem.meeting_id, MeetingItem.outcome)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .where(
            Meeting.team_id == team_id,
            Meeting.channel_id == channel_id,
            MeetingItem.round_id.is_not(None),
        )
    )
    return {r.round_id for r in rows if r.meeting_id == meeting_id or r.outcome != "skipped"}


def settle_handled(
    session: Session,
    meeting: Meeting,
    *,
    item_id: int | None = None,
    round_id: int | None = None,
    **fields: Any,
) -> bool:
    """A decision closed after the meeting moved on from its item (or round): what was
    recorded when it moved on (discussed, skipped) becomes the decision, so the minutes list
    the item once, with its outcome."""
    stmt = update(MeetingItem).where(
        MeetingItem.team_id == meeting.team_id,
        MeetingItem.meeting_id == meeting.id,
        MeetingItem.outcome.in_((Outcome.DISCUSSED.value, Outcome.SKIPPED.value)),
    )
    if item_id is not None:
        stmt = stmt.where(MeetingItem.item_id == item_id)
    elif round_id is not None:
        stmt = stmt.where(MeetingItem.round_id == round_id)
    else:
        return False
    result = session.execute(stmt.values(**fields))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_round(
    session: Session, meeting: Meeting, round_id: int, number: int, title: str, **fields: Any
) -> None:
    """What became of a round sent to the meeting (the proposal's number and title)."""
    session.add(
        MeetingItem(
            team_id=meeting.team_id, meeting_id=meeting.id, item_id=None, round_id=round_id,
            number=number, text=title, step=meeting.step, **fields,
        )
    )  # fmt: skip
    session.flush()
