"""What a decided round on a nominee does to the selection and the role (`Subject.NOMINEE`).

Kept apart from `bot.services.selection`, which opens rounds through the consent service:
this module is imported by `bot.services.subjects`, which the consent service imports.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain import selection as rules
from bot.domain.roles import RoleStatus
from bot.domain.selection import Phase
from bot.services import payloads, role_groups
from bot.store import roles_repo, selection_repo
from bot.store.models import Agreement, ConsentRound, Proposal, RoleTerm, Selection


def queue_notice(
    session: Session, sel: Selection, event: str, now: datetime, *,
    nominee_id: str | None = None, actor: str | None = None,
) -> None:  # fmt: skip
    """Tell the selection's channel about this step (once per step: the key has the step)."""
    payloads.queue(
        session, team_id=sel.team_id, key=f"selection:{sel.id}:{event}:{sel.step}",
        target=sel.channel_id,
        payload=payloads.SelectionNotice(selection_id=sel.id, event=event,  # type: ignore[arg-type]
                                         nominee_id=nominee_id, actor=actor),
        now=now,
    )  # fmt: skip


def _selection(session: Session, rnd: ConsentRound, proposal: Proposal) -> Selection | None:
    sel = selection_repo.get(session, rnd.team_id, proposal.subject_id or 0, lock=True)
    if sel is None or sel.status != Phase.CONSENT.value:
        return None  # cancelled meanwhile, or decided already
    if sel.proposal_id is not None and sel.proposal_id != proposal.id:
        return None  # a round on an earlier nominee
    return sel


def consented(
    session: Session, rnd: ConsentRound, proposal: Proposal, agreement: Agreement | None,
    now: datetime,
) -> None:  # fmt: skip
    """The nominee holds the role from today for a term (a new term row, the term-end
    notices armed again); the selection is done and the channel told."""
    sel = _selection(session, rnd, proposal)
    if sel is None or not sel.nominee_id:
        return
    nominee = sel.nominee_id
    role = roles_repo.get(session, rnd.team_id, sel.role_id, lock=True)
    if role is None or role.status != RoleStatus.ACTIVE.value:
        selection_repo.advance(
            session, sel, Phase.CANCELLED, closed_at=now, proposal_id=proposal.id
        )
        return  # the role was dropped while the round ran
    today = now.date()
    if role.holder_id:  # the term before ends now (the same person's too: a new term starts)
        before = roles_repo.open_term(session, rnd.team_id, role.id, role.holder_id)
        if before is not None:
            before.ended_at = now
    end = rules.term_end(today, role.term_months, role.term_until)
    role.holder_id, role.term_start, role.term_end = nominee, today, end
    role.notice_sent_for, role.vacated_for, role.updated_at = None, None, now
    session.add(
        RoleTerm(
            team_id=role.team_id,
            role_id=role.id,
            holder_id=nominee,
            starts=today,
            ends=end,
            selection_id=sel.id,
            created_at=now,
        )  # fmt: skip
    )
    role_groups.queue_sync(session, role, now)  # @role-name: the new holder
    if selection_repo.advance(session, sel, Phase.DONE, closed_at=now, proposal_id=proposal.id):
        queue_notice(session, sel, "selected", now, nominee_id=nominee)


def not_consented(
    session: Session, rnd: ConsentRound, proposal: Proposal, outcome: str, now: datetime
) -> None:
    """No consent (objections, no quorum, withdrawn): the starter may propose another
    nominee (or the same one again, changed by what was learnt); the channel told."""
    sel = _selection(session, rnd, proposal)
    if sel is None:
        return
    nominee = sel.nominee_id
    # the nominee stays on record (whose round it was) until another is proposed
    if selection_repo.advance(session, sel, Phase.PROPOSING):
        queue_notice(session, sel, "not_selected", now, nominee_id=nominee)


def nominee(session: Session, rnd: ConsentRound, proposal: Proposal) -> str | None:
    """The nominee the round is about: their answer and objection are shown first."""
    sel = selection_repo.get(session, rnd.team_id, proposal.subject_id or 0)
    if sel is None or sel.proposal_id not in (None, proposal.id):
        return None  # a round on an earlier nominee
    return sel.nominee_id
