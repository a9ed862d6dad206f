"""Resolving objections one at a time: the amended version says how it resolves each open
objection of the previous one, stored in the transaction that opens its round, with a DM to
each objector queued ("Does this resolve your objection?").

Kept apart from `bot.services.consent` (which calls it) so it needs nothing back from it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain import objections as rules
from bot.domain.backlog import NextStep
from bot.domain.consent import Outcome, RoundStatus
from bot.domain.objections import NEEDS_RESOLUTION, Action, ObjectionStatus, Resolution, Resolved
from bot.services import backlog, payloads
from bot.services.views import ObjectionStep, ObjectionView
from bot.store import backlog_repo, consent_repo, objections_repo
from bot.store.models import ConsentRound, Objection

# The backlog item of an objection taken to the meeting: (proposal title, objection, how).
DescribeMeeting = Callable[[str, str, str | None], str]


def open_objections(session: Session, previous: ConsentRound) -> list[Objection]:
    """The previous version's objections that the amendment must answer, in form order."""
    return [
        o
        for o in objections_repo.of_round(session, previous.team_id, previous.id)
        if ObjectionStatus(o.status) in NEEDS_RESOLUTION
    ]


def record(
    session: Session,
    rnd: ConsentRound,
    given: tuple[Resolved, ...],
    now: datetime,
    describe: DescribeMeeting | None = None,
) -> None:
    """Store how the new round's version resolves each open objection of the previous one
    (each must have an answer: the form's hints are checked again here); monitoring joins
    the evaluation criteria, an earlier review date becomes the round's; each objector whose
    objection has a resolution is asked, by DM, whether it resolves it."""
    previous = _previous(session, rnd)
    if previous is None:
        return
    by_id = {r.objection_id: r for r in given}
    for slot, obj in enumerate(open_objections(session, previous)):
        found = by_id.get(obj.id)
        if found is None:
            raise rules.ResolutionChoiceMissing(slot, obj.user_id)
        _store(session, rnd, previous, obj, found, now, describe)


def _previous(session: Session, rnd: ConsentRound) -> ConsentRound | None:
    rounds = consent_repo.rounds_of(session, rnd.team_id, rnd.proposal_id)
    return next((r for r in rounds if r.version == rnd.version - 1), None)


def _store(
    session: Session,
    rnd: ConsentRound,
    previous: ConsentRound,
    obj: Objection,
    given: Resolved,
    now: datetime,
    describe: DescribeMeeting | None,
) -> None:
    how = (given.how or "").strip() or None
    obj.resolution, obj.resolution_how = given.kind.value, how
    obj.resolution_owner = given.owner_id if given.kind is Resolution.DEFERRAL else None
    obj.resolution_date = (
        given.on if given.kind in (Resolution.DEFERRAL, Resolution.REVIEW) else None
    )
    obj.resolved_in, obj.updated_at = rnd.id, now
    if given.kind is Resolution.MONITORING and how:
        rnd.evaluation = f"{rnd.evaluation}\n{how}" if rnd.evaluation else how
    if given.kind is Resolution.REVIEW and given.on and given.on < rnd.review_date:
        rnd.review_date = given.on  # carried to the agreement when it is consented
    meeting = given.kind is Resolution.MEETING
    step = objections_repo.add_event(
        session, obj, action=(Action.TO_MEETING if meeting else Action.AMEND).value,
        actor_id=rnd.author_id, reason=how, now=now,
    )  # fmt: skip
    if meeting:
        text = describe(previous.title, obj.reason, how) if describe else obj.reason
        raised = backlog.raise_in(
            session, team_id=rnd.team_id, channel_id=rnd.channel_id, author_id=rnd.author_id,
            text=text, now=now, next_step=NextStep.DECIDE,
        )  # fmt: skip
        obj.item_id = raised.item.id
        return
    payloads.queue(
        session, team_id=rnd.team_id, key=f"resolution-check:{obj.id}:{step.id}", kind="dm",
        target=obj.user_id, payload=payloads.ResolutionCheck(objection_id=obj.id), now=now,
    )  # fmt: skip


def objection_view(session: Session, rnd: ConsentRound, obj: Objection) -> ObjectionView:
    """An objection as people see it, with its round's essentials and its history."""
    item = backlog_repo.get_item(session, rnd.team_id, obj.item_id) if obj.item_id else None
    latest = consent_repo.latest_round(session, rnd.team_id, rnd.proposal_id)
    return ObjectionView(
        id=obj.id,
        team_id=obj.team_id,
        round_id=rnd.id,
        channel_id=rnd.channel_id,
        user_id=obj.user_id,
        author_id=rnd.author_id,
        reason=obj.reason,
        status=ObjectionStatus(obj.status),
        message_ts=obj.message_ts,
        round_title=rnd.title,
        round_message_ts=rnd.message_ts,
        round_open=rnd.status == RoundStatus.OPEN.value,
        item_number=item.number if item else None,
        history=[
            ObjectionStep(
                e.id, Action(e.action), e.actor_id, ObjectionStatus(e.status), e.reason, e.at
            )
            for e in objections_repo.events(session, rnd.team_id, obj.id)
        ],
        moved_on=rnd.outcome == Outcome.WITHDRAWN.value
        or (latest is not None and latest.id != rnd.id),
        resolution=Resolution(obj.resolution) if obj.resolution else None,
        resolution_how=obj.resolution_how,
        resolution_owner=obj.resolution_owner,
        resolution_date=obj.resolution_date,
        resolved_in=obj.resolved_in,
    )


def of_agreement(session: Session, team_id: str, round_id: int | None) -> list[ObjectionView]:
    """The objections to the earlier versions of the proposal an agreement's round decided,
    each with how it was resolved (what the agreement records)."""
    rnd = consent_repo.get_round(session, team_id, round_id) if round_id else None
    if rnd is None:
        return []
    found: list[ObjectionView] = []
    for earlier in consent_repo.rounds_of(session, team_id, rnd.proposal_id):
        if earlier.version >= rnd.version:
            continue
        for obj in objections_repo.of_round(session, team_id, earlier.id):
            if obj.resolution or obj.status == ObjectionStatus.RESOLVED.value:
                found.append(objection_view(session, earlier, obj))
    return found
