"""What a decided round on a role's description does to the role (the `Subject.ROLE` entry).

Kept apart from `bot.services.roles`, which opens rounds through the consent service: this
module is imported by `bot.services.subjects`, which the consent service imports.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain import roles as rules
from bot.domain.domains import DescriptionStatus
from bot.domain.roles import RoleStatus
from bot.store import roles_repo
from bot.store.models import Agreement, ConsentRound, Proposal


def consented(
    session: Session, rnd: ConsentRound, proposal: Proposal, agreement: Agreement | None,
    now: datetime,
) -> None:  # fmt: skip
    """The description is the role's now (the one before superseded); a new role is
    active, vacant until someone is selected; linked to its agreement."""
    desc = roles_repo.description(session, rnd.team_id, proposal.subject_id or 0)
    if desc is None or desc.status != DescriptionStatus.PROPOSED.value:
        return
    role = roles_repo.get(session, rnd.team_id, desc.role_id or 0, lock=True)
    desc.decided_at, desc.proposal_id = now, proposal.id
    if role is None or role.status not in rules.LIVE:
        desc.status = DescriptionStatus.DECLINED.value  # dropped while its round ran
        return
    for other in roles_repo.descriptions(session, rnd.team_id, role.id):
        if other.id != desc.id and other.status == DescriptionStatus.CURRENT.value:
            other.status = DescriptionStatus.SUPERSEDED.value
    desc.status = DescriptionStatus.CURRENT.value
    desc.agreement_id = agreement.id if agreement is not None else None
    role.status, role.updated_at = RoleStatus.ACTIVE.value, now


def not_consented(
    session: Session, rnd: ConsentRound, proposal: Proposal, outcome: str, now: datetime
) -> None:
    """The description is declined: a new role with it (its name is free again); an
    evolved role keeps the description it had."""
    desc = roles_repo.description(session, rnd.team_id, proposal.subject_id or 0)
    if desc is None or desc.status != DescriptionStatus.PROPOSED.value:
        return
    desc.status, desc.decided_at, desc.proposal_id = (
        DescriptionStatus.DECLINED.value,
        now,
        proposal.id,
    )
    role = roles_repo.get(session, rnd.team_id, desc.role_id or 0, lock=True)
    if role is not None and role.status == RoleStatus.PROPOSED.value:
        role.status, role.updated_at = RoleStatus.DECLINED.value, now
