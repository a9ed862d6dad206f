"""What a decided round on a circle's domain description does (the `Subject.DOMAIN` entry).

Kept apart from `bot.services.circle_domain`, which opens rounds through the consent
service: this module is imported by `bot.services.subjects`, which that service imports.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.domains import DescriptionStatus
from bot.store import circle_domain_repo
from bot.store.models import Agreement, ConsentRound, Proposal


def consented(
    session: Session, rnd: ConsentRound, proposal: Proposal, agreement: Agreement | None,
    now: datetime,
) -> None:  # fmt: skip
    """The description is the circle's now; the one before it is superseded."""
    desc = circle_domain_repo.description(session, rnd.team_id, proposal.subject_id or 0)
    if desc is None or desc.status != DescriptionStatus.PROPOSED.value:
        return
    for other in circle_domain_repo.versions(session, rnd.team_id, desc.channel_id):
        if other.id != desc.id and other.status == DescriptionStatus.CURRENT.value:
            other.status = DescriptionStatus.SUPERSEDED.value
    desc.status, desc.decided_at, desc.proposal_id = (
        DescriptionStatus.CURRENT.value,
        now,
        proposal.id,
    )
    desc.agreement_id = agreement.id if agreement is not None else None


def not_consented(
    session: Session, rnd: ConsentRound, proposal: Proposal, outcome: str, now: datetime
) -> None:
    """Declined: the circle keeps the description it had."""
    desc = circle_domain_repo.description(session, rnd.team_id, proposal.subject_id or 0)
    if desc is None or desc.status != DescriptionStatus.PROPOSED.value:
        return
    desc.status, desc.decided_at, desc.proposal_id = (
        DescriptionStatus.DECLINED.value,
        now,
        proposal.id,
    )
