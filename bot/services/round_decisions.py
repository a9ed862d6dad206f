"""A round sent to the governance meeting, decided there by a quick consent of the people
present (bot.services.meeting_rounds opens it; bot.services.quick_consent closes it and calls
`agree` here): whether the meeting may decide it, and the paperwork once it consented.

Consented, the proposal becomes an agreement (its number, title and fields the round's, its
text as the meeting amended it, linked to the round), the round closes as decided at the
meeting (its message says so; answering it is refused), its open objections are settled, and
the meeting records it as agreed and moves on, in the caller's transaction. A round amended,
withdrawn or closed since the meeting took it up is refused (RoundMovedOn), nothing stored.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain import consent as consent_rules
from bot.domain import meeting as meeting_rules
from bot.domain.backlog import ItemStatus
from bot.domain.consent import Outcome as RoundOutcome
from bot.domain.consent import RoundStatus
from bot.domain.meeting import Outcome
from bot.domain.objections import Objection as ObjectionRule
from bot.domain.objections import ObjectionStatus
from bot.services import consent, meeting
from bot.services.rhythm import OPEN_OBJECTIONS
from bot.services.views import MeetingView
from bot.store import (
    agreements_repo,
    backlog_repo,
    consent_repo,
    meeting_repo,
    objections_repo,
)
from bot.store.models import Agreement, ConsentRound, Meeting, MeetingConsent, Proposal


def decidable(session: Session, found: Meeting, rnd: ConsentRound | None) -> Proposal:
    """The round's proposal, when the meeting may decide it now; RoundMovedOn (or
    RoundNotFound for a round of another channel) otherwise."""
    if rnd is None or rnd.channel_id != found.channel_id:
        raise consent_rules.RoundNotFound()
    proposal = consent_repo.get_proposal(session, rnd.team_id, rnd.proposal_id)
    if proposal is None:
        raise consent_rules.RoundNotFound()
    latest = consent_repo.latest_round(session, rnd.team_id, rnd.proposal_id)
    meeting_rules.require_decidable(
        latest=latest is not None and latest.id == rnd.id,
        withdrawn=rnd.outcome == RoundOutcome.WITHDRAWN.value
        or bool(rnd.withdraw_requested)
        or proposal.status == "withdrawn",
        is_open=rnd.status == RoundStatus.OPEN.value,
        objections=rnd.outcome == RoundOutcome.OBJECTIONS.value,
        decided=rnd.decided_meeting_id is not None or proposal.status == "agreed",
        subject=proposal.subject is not None,
    )
    return proposal


def agree(
    session: Session, check: MeetingConsent, found: Meeting, answers: list, actor: str,
    now: datetime,
) -> MeetingView | None:  # fmt: skip
    """The consented check (closed in the caller's transaction): the agreement, the round
    closed as decided at the meeting, its open objections settled, its driver done; the
    meeting moves on when it is still at that round. RoundMovedOn rolls it all back."""
    rnd = consent_repo.lock_round(session, check.team_id, check.round_id or 0)
    proposal = decidable(session, found, rnd)
    assert rnd is not None
    agreement = _agreement(session, check, found, rnd, answers, now)
    check.agreement_id = agreement.id
    consent.close_decided_at_meeting(session, rnd, proposal, found.id, now)
    _settle_objections(session, rnd, actor, now)
    item = backlog_repo.get_item(session, rnd.team_id, rnd.item_id) if rnd.item_id else None
    if item is not None and item.status != ItemStatus.DONE.value:
        item.status, item.rank, item.updated_at = ItemStatus.DONE.value, None, now
        backlog_repo.add_history(
            session, item, actor_id=actor, action="agreed", detail=f"A{agreement.number}", now=now
        )
    session.flush()
    if found.current_round_id != rnd.id:  # moved on meanwhile: its line says agreed now
        meeting_repo.settle_handled(session, found, round_id=rnd.id, at=now,
                                    outcome=Outcome.AGREED.value, reason=str(agreement.number))  # fmt: skip
        return None
    meeting_repo.record_round(session, found, rnd.id, proposal.number, rnd.title, at=now,
                              outcome=Outcome.AGREED.value, reason=str(agreement.number))  # fmt: skip
    meeting.advance(session, found, found.step, now)
    return meeting.view_in(session, found)


def _agreement(
    session: Session, check: MeetingConsent, found: Meeting, rnd: ConsentRound, answers: list,
    now: datetime,
) -> Agreement:  # fmt: skip
    """The round's proposal as the meeting consented to it: a new agreement, or the next
    version of the one it evolves."""
    given = json.dumps(
        {
            "participants": meeting_repo.attendees(session, found.id),
            "answers": {a.user_id: {"position": a.answer, "reason": a.reason} for a in answers},
            "meeting_id": found.id,
        }
    )
    fields = {
        "title": rnd.title, "text": check.proposal or rnd.text, "driver": rnd.driver,
        "responsibilities": rnd.responsibilities, "evaluation": rnd.evaluation,
        "concerns": "[]", "answers": given, "review_date": check.review_date or rnd.review_date,
        "responsible_ids": rnd.responsible_ids or "[]",
    }  # fmt: skip
    evolving = (
        agreements_repo.get(session, rnd.team_id, rnd.evolves_agreement_id, lock=True)
        if rnd.evolves_agreement_id
        else None
    )
    if evolving is not None:
        from bot.services.agreements import evolve

        evolve(session, evolving, round_id=rnd.id, actor=rnd.author_id, now=now, **fields)
        return evolving
    circle = backlog_repo.lock_circle(session, rnd.team_id, rnd.channel_id, now)
    agreement = agreements_repo.create(
        session, number=circle.next_agreement_number, now=now, team_id=rnd.team_id,
        channel_id=rnd.channel_id, author_id=rnd.author_id, proposal_id=rnd.proposal_id,
        round_id=rnd.id, round_link=None, **fields,
    )  # fmt: skip
    circle.next_agreement_number += 1
    return agreement


def _settle_objections(session: Session, rnd: ConsentRound, actor: str, now: datetime) -> None:
    """The round's objections still open are settled by the meeting's decision; their
    thread replies say so."""
    for obj in objections_repo.of_round(session, rnd.team_id, rnd.id):
        if ObjectionStatus(obj.status) not in OPEN_OBJECTIONS:
            continue
        change = ObjectionRule(obj.user_id, rnd.author_id, ObjectionStatus(obj.status))
        moved = change.settle_by_decision()
        if moved.status is None:
            continue
        obj.status, obj.updated_at = moved.status.value, now
        step = objections_repo.add_event(
            session, obj, action=moved.action.value, actor_id=actor, reason=None, now=now
        )
        consent.queue_objection_update(session, rnd, obj, step.id, now)
