"""Consent round queries: rounds, proposals, participants, answers. Scoped by team_id."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.consent import COUNTED, Answer, Position, RoundStatus
from bot.store.db import insert_for
from bot.store.models import (
    ConsentRound,
    Proposal,
    RoundAnswer,
    RoundParticipant,
    RoundWatcher,
)


def lock_round(
    session: Session,
    team_id: str,
    round_id: int,
    *,
    skip_locked: bool = False,
    shared: bool = False,
) -> ConsentRound | None:
    """The round, locked for this transaction (PostgreSQL row lock; SQLite locks on BEGIN).

    `shared` takes FOR KEY SHARE: answers lock the round together, and only
    exclude the close sweep's FOR UPDATE.
    """
    stmt = (
        select(ConsentRound)
        .where(ConsentRound.team_id == team_id, ConsentRound.id == round_id)
        .with_for_update(skip_locked=skip_locked, read=shared, key_share=shared)
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).first()


def participant_count(session: Session, team_id: str, round_id: int) -> int:
    """How many people were asked to answer."""
    return (
        session.scalar(
            select(func.count())
            .select_from(RoundParticipant)
            .where(RoundParticipant.team_id == team_id, RoundParticipant.round_id == round_id)
        )
        or 0
    )


def get_round(session: Session, team_id: str, round_id: int) -> ConsentRound | None:
    """The round, unlocked."""
    return session.scalar(
        select(ConsentRound).where(ConsentRound.team_id == team_id, ConsentRound.id == round_id)
    )


def round_by_message(
    session: Session, team_id: str, channel_id: str, ts: str
) -> ConsentRound | None:
    """The round whose channel message has this ts."""
    return session.scalar(
        select(ConsentRound).where(
            ConsentRound.team_id == team_id,
            ConsentRound.channel_id == channel_id,
            ConsentRound.message_ts == ts,
        )
    )


def latest_round(session: Session, team_id: str, proposal_id: int) -> ConsentRound | None:
    """The proposal's newest version."""
    return session.scalar(
        select(ConsentRound)
        .where(ConsentRound.team_id == team_id, ConsentRound.proposal_id == proposal_id)
        .order_by(ConsentRound.version.desc())
        .limit(1)
    )


def rounds_of(session: Session, team_id: str, proposal_id: int) -> list[ConsentRound]:
    """Every version of a proposal, oldest first."""
    return list(
        session.scalars(
            select(ConsentRound)
            .where(ConsentRound.team_id == team_id, ConsentRound.proposal_id == proposal_id)
            .order_by(ConsentRound.version)
        )
    )


def get_proposal(session: Session, team_id: str, proposal_id: int) -> Proposal | None:
    """A proposal in the workspace."""
    return session.scalar(
        select(Proposal).where(Proposal.team_id == team_id, Proposal.id == proposal_id)
    )


def participants(session: Session, team_id: str, round_id: int) -> list[str]:
    """The round's participants, in a stable order."""
    return list(
        session.scalars(
            select(RoundParticipant.user_id)
            .where(RoundParticipant.team_id == team_id, RoundParticipant.round_id == round_id)
            .order_by(RoundParticipant.user_id)
        )
    )


def is_participant(session: Session, team_id: str, round_id: int, user_id: str) -> bool:
    """Whether the person was asked to answer."""
    return (
        session.scalar(
            select(RoundParticipant.user_id).where(
                RoundParticipant.team_id == team_id,
                RoundParticipant.round_id == round_id,
                RoundParticipant.user_id == user_id,
            )
        )
        is not None
    )


def add_participants(session: Session, team_id: str, round_id: int, users: list[str]) -> None:
    """Ask these people to answer."""
    session.add_all(RoundParticipant(round_id=round_id, user_id=u, team_id=team_id) for u in users)


def add_watcher(session: Session, team_id: str, round_id: int, user_id: str, now: datetime) -> None:
    """Remember that this person asked to be told when answers open (once, however often)."""
    insert = insert_for(session)
    session.execute(
        insert(RoundWatcher)
        .values(round_id=round_id, user_id=user_id, team_id=team_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["round_id", "user_id"])
    )


def watchers(session: Session, team_id: str, round_id: int) -> list[str]:
    """Who asked to be told when the round's answers open."""
    return list(
        session.scalars(
            select(RoundWatcher.user_id)
            .where(RoundWatcher.team_id == team_id, RoundWatcher.round_id == round_id)
            .order_by(RoundWatcher.user_id)
        )
    )


def answers(session: Session, team_id: str, round_id: int) -> dict[str, Answer]:
    """The latest answer of each person who answered."""
    rows = session.scalars(
        select(RoundAnswer).where(RoundAnswer.team_id == team_id, RoundAnswer.round_id == round_id)
    )
    return {
        r.user_id: Answer(r.user_id, Position(r.position), r.reason, r.answered_at) for r in rows
    }


def answer_row(session: Session, team_id: str, round_id: int, user_id: str) -> RoundAnswer | None:
    """One person's stored answer."""
    return session.scalar(
        select(RoundAnswer).where(
            RoundAnswer.team_id == team_id,
            RoundAnswer.round_id == round_id,
            RoundAnswer.user_id == user_id,
        )
    )


def upsert_answer(
    session: Session,
    *,
    team_id: str,
    round_id: int,
    user_id: str,
    position: Position,
    reason: str | None,
    source: str,
    reaction: str | None,
    now: datetime,
) -> None:
    """Store the person's answer, replacing an earlier one."""
    values = dict(
        team_id=team_id,
        round_id=round_id,
        user_id=user_id,
        position=position.value,
        reason=reason,
        source=source,
        reaction=reaction,
        answered_at=now,
    )
    stmt = insert_for(session)(RoundAnswer).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["round_id", "user_id"],
        set_={k: v for k, v in values.items() if k not in ("round_id", "user_id", "team_id")},
    )
    session.execute(stmt)


def bump(session: Session, rnd: ConsentRound) -> None:
    """Mark the round's message as needing an update."""
    session.execute(
        update(ConsentRound).where(ConsentRound.id == rnd.id).values(seq=ConsentRound.seq + 1)
    )


def counted_answers(session: Session, round_id: int) -> int:
    """How many answers count (objections without reason do not)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(RoundAnswer)
            .where(
                RoundAnswer.round_id == round_id,
                RoundAnswer.position.in_([p.value for p in COUNTED]),
            )
        )
        or 0
    )


def due_round_ids(session: Session, now: datetime, limit: int) -> list[tuple[str, int]]:
    """Open rounds that should close: deadline passed, close asked, or everyone answered."""
    n_participants = (
        select(func.count()).where(RoundParticipant.round_id == ConsentRound.id).scalar_subquery()
    )
    n_answered = (
        select(func.count())
        .where(
            RoundAnswer.round_id == ConsentRound.id,
            RoundAnswer.position.in_([p.value for p in COUNTED]),
        )
        .scalar_subquery()
    )
    stmt = (
        select(ConsentRound.team_id, ConsentRound.id)
        .where(
            ConsentRound.status == RoundStatus.OPEN.value,
            or_(
                ConsentRound.deadline <= now,
                ConsentRound.close_requested_by.is_not(None),
                ConsentRound.withdraw_requested.is_(True),
                and_(n_participants > 0, n_answered >= n_participants),
            ),
        )
        .order_by(ConsentRound.deadline)
        .limit(limit)
    )
    return [(t, i) for t, i in session.execute(stmt)]


def due_openings(session: Session, now: datetime, limit: int) -> list[tuple[str, int]]:
    """Open rounds whose questions phase has ended and whose answers nobody has opened yet."""
    stmt = (
        select(ConsentRound.team_id, ConsentRound.id)
        .where(
            ConsentRound.status == RoundStatus.OPEN.value,
            ConsentRound.answers_open_at <= now,
            ConsentRound.answers_opened_at.is_(None),
        )
        .order_by(ConsentRound.answers_open_at)
        .limit(limit)
    )
    return [(t, i) for t, i in session.execute(stmt)]


def due_nudges(session: Session, now: datetime, limit: int) -> list[tuple[str, int]]:
    """Open rounds whose nudge time has come and that nobody has nudged yet."""
    stmt = (
        select(ConsentRound.team_id, ConsentRound.id)
        .where(
            ConsentRound.status == RoundStatus.OPEN.value,
            ConsentRound.nudged.is_(False),
            ConsentRound.nudge_at <= now,
            ConsentRound.deadline > now,
        )
        .limit(limit)
    )
    return [(t, i) for t, i in session.execute(stmt)]


def rounds_to_render(
    session: Session, now: datetime, min_interval_s: float, limit: int
) -> list[tuple[str, int]]:
    """Rounds whose message is behind, and not updated within the last interval."""
    stmt = (
        select(ConsentRound.team_id, ConsentRound.id)
        .where(
            ConsentRound.message_ts.is_not(None),
            ConsentRound.seq > ConsentRound.rendered_seq,
            or_(
                ConsentRound.rendered_at.is_(None),
                ConsentRound.rendered_at <= now - timedelta(seconds=min_interval_s),
                ConsentRound.status == RoundStatus.CLOSED.value,  # the final state goes out at once
            ),
            or_(ConsentRound.render_lease_until.is_(None), ConsentRound.render_lease_until < now),
        )
        .limit(limit)
    )
    return [(t, i) for t, i in session.execute(stmt)]


def claim_render(
    session: Session,
    team_id: str,
    round_id: int,
    now: datetime,
    lease_until: datetime,
    min_interval_s: float,
) -> int | None:
    """Take the right to update this round's message; returns the seq to render, or None."""
    result = session.execute(
        update(ConsentRound)
        .where(
            ConsentRound.team_id == team_id,
            ConsentRound.id == round_id,
            or_(ConsentRound.render_lease_until.is_(None), ConsentRound.render_lease_until < now),
            # Re-check here what made the round eligible: another renderer may have updated it
            # between the listing and this claim.
            ConsentRound.seq > ConsentRound.rendered_seq,
            or_(
                ConsentRound.rendered_at.is_(None),
                ConsentRound.rendered_at <= now - timedelta(seconds=min_interval_s),
                ConsentRound.status == RoundStatus.CLOSED.value,
            ),
        )
        .values(render_lease_until=lease_until)
        .returning(ConsentRound.seq)
    )
    return result.scalar()


def finish_render(
    session: Session, team_id: str, round_id: int, seq: int | None, now: datetime
) -> None:
    """Release the render lease; record what was rendered when it worked."""
    values: dict[str, Any] = {"render_lease_until": None, "rendered_at": now}
    if seq is not None:
        values["rendered_seq"] = seq
    session.execute(
        update(ConsentRound)
        .where(ConsentRound.team_id == team_id, ConsentRound.id == round_id)
        .values(**values)
    )


def open_rounds_awaiting(
    session: Session, team_id: str, user_id: str, limit: int
) -> list[ConsentRound]:
    """Open rounds where the person takes part and has not given an answer that counts."""
    answered = select(RoundAnswer.round_id).where(
        RoundAnswer.team_id == team_id,
        RoundAnswer.user_id == user_id,
        RoundAnswer.position.in_([p.value for p in COUNTED]),
    )
    return list(
        session.scalars(
            select(ConsentRound)
            .join(RoundParticipant, RoundParticipant.round_id == ConsentRound.id)
            .where(
                ConsentRound.team_id == team_id,
                ConsentRound.status == RoundStatus.OPEN.value,
                RoundParticipant.user_id == user_id,
                ConsentRound.id.not_in(answered),
            )
            .order_by(ConsentRound.deadline)
            .limit(limit)
        )
    )


def rounds_for_meeting(
    session: Session, team_id: str, channel_id: str, contested: str, limit: int
) -> list[ConsentRound]:
    """Rounds of the channel whose proposal is still open and that go to the governance
    meeting: sent there by their author, or holding an objection with status `contested`."""
    from bot.store.models import Objection

    has_contested = (
        select(Objection.id)
        .where(
            Objection.team_id == team_id,
            Objection.round_id == ConsentRound.id,
            Objection.status == contested,
        )
        .exists()
    )
    stmt = (
        select(ConsentRound)
        .join(Proposal, Proposal.id == ConsentRound.proposal_id)
        .where(
            ConsentRound.team_id == team_id,
            ConsentRound.channel_id == channel_id,
            Proposal.status == "open",
            or_(ConsentRound.sent_to_meeting_at.is_not(None), has_contested),
        )
        .order_by(ConsentRound.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def started_in_meeting(session: Session, team_id: str, meeting_id: int) -> list[Any]:
    """The rounds started from a meeting (round id, proposal number, title, message), in
    the order they were."""
    return session.execute(
        select(ConsentRound.id, Proposal.number, ConsentRound.title, ConsentRound.message_ts)
        .join(Proposal, Proposal.id == ConsentRound.proposal_id)
        .where(ConsentRound.team_id == team_id, ConsentRound.meeting_id == meeting_id)
        .order_by(ConsentRound.id)
    ).all()
