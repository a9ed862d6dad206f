"""What a decided round does for the feature its proposal is about (`Proposal.subject`).

A plain proposal becomes an agreement and nothing more. A domain description, a role's
description or a nominee for a role also changes that feature's records, in the same
transaction as the round's close: each feature gives one `Subject` entry in `_table()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy.orm import Session

from bot.domain.domains import Subject as DomainSubject
from bot.store.models import Agreement, ConsentRound, Proposal

Consented = Callable[[Session, ConsentRound, Proposal, Agreement | None, datetime], None]
NotConsented = Callable[[Session, ConsentRound, Proposal, str, datetime], None]
ShownFirst = Callable[[Session, ConsentRound, Proposal], str | None]


@dataclass(frozen=True)
class Subject:
    """One feature's side of a decided round."""

    records_agreement: bool  # the round is also logged as an agreement (reviewed, evolved)
    consented: Consented
    not_consented: NotConsented | None = None  # outcome: objections | no_quorum | withdrawn ...
    shown_first: ShownFirst | None = None  # whose answer and objection the round lists first


@cache
def _table() -> dict[str, Subject]:
    """Each subject and its feature (imported here: those services import the consent one)."""
    # roles (issue 10): a role's description; consented, the role is active
    from bot.services import domain_subject as domains
    from bot.services import role_subject as roles

    # role selection (issue 10): a nominee; consented, they hold the role for a term. No
    # agreement is logged: the term (role_terms) is the record, and it ends rather than
    # being reviewed.
    from bot.services import selection_subject as nominees

    return {
        # a circle's domain description (issue 10); consented, it is the circle's
        DomainSubject.DOMAIN.value: Subject(True, domains.consented, domains.not_consented),
        DomainSubject.ROLE.value: Subject(True, roles.consented, roles.not_consented),
        DomainSubject.NOMINEE.value: Subject(
            False, nominees.consented, nominees.not_consented, nominees.nominee
        ),
    }


def of(proposal: Proposal | None) -> Subject | None:
    """The subject entry of a proposal, None for a plain one (or a subject no longer known)."""
    if proposal is None or not proposal.subject:
        return None
    return _table().get(proposal.subject)


def shown_first(session: Session, rnd: ConsentRound, proposal: Proposal | None) -> str | None:
    """The person whose answer (and objection) the round shows first, if its feature says."""
    subject = of(proposal)
    if subject is None or subject.shown_first is None or proposal is None:
        return None
    return subject.shown_first(session, rnd, proposal)


def consented(
    session: Session,
    rnd: ConsentRound,
    proposal: Proposal,
    agreement: Agreement | None,
    now: datetime,
) -> None:
    """Tell the proposal's feature that its round was consented."""
    subject = of(proposal)
    if subject is not None:
        subject.consented(session, rnd, proposal, agreement, now)


def not_consented(
    session: Session, rnd: ConsentRound, proposal: Proposal, outcome: str, now: datetime
) -> None:
    """Tell the proposal's feature that its round closed without consent (or was withdrawn)."""
    subject = of(proposal)
    if subject is not None and subject.not_consented is not None:
        subject.not_consented(session, rnd, proposal, outcome, now)
