"""Use cases of a circle's domain: show it, propose (a first or next) description by
consent, and link the circle to the circle that delegated its domain (its parent).

`propose` stores the description (proposed) in the round's own transaction; the
`Subject.DOMAIN` entry (`bot.services.domain_subject`) finishes it when the round is decided.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import consent as consent_rules
from bot.domain import domains as rules
from bot.domain.domains import DescriptionStatus, DomainFields, Subject
from bot.domain.errors import DomainError
from bot.services import consent
from bot.services.views import DomainView, RoundView
from bot.store import backlog_repo, circle_domain_repo
from bot.store.db import transaction
from bot.store.models import Circle, DomainDescription

Factory = sessionmaker[Session]


def _fields(d: DomainDescription) -> DomainFields:
    return DomainFields(**{n: getattr(d, n) for n in DomainFields.names()})


def show(factory: Factory, *, team_id: str, channel_id: str) -> DomainView:
    """The circle's description in force, whether a new one is pending, and its links."""
    with factory() as session:
        current = circle_domain_repo.current(session, team_id, channel_id)
        circle = circle_domain_repo.circle(session, team_id, channel_id)
        return DomainView(
            channel_id=channel_id,
            fields=_fields(current) if current else None,
            review_date=circle_domain_repo.review_date(session, current) if current else None,
            version=current.version if current else None,
            agreement_id=current.agreement_id if current else None,
            pending=circle_domain_repo.pending(session, team_id, channel_id) is not None,
            parent_channel_id=circle.parent_channel_id if circle else None,
            children=circle_domain_repo.children(session, team_id, channel_id),
        )


def purpose_of(factory: Factory, *, team_id: str, channel_id: str) -> str | None:
    """The purpose of the circle's domain in force (what objections are weighed against)."""
    with factory() as session:
        current = circle_domain_repo.current(session, team_id, channel_id)
        return current.purpose if current else None


def problems(fields_: DomainFields, review_date: date | None, *, today: date) -> list[DomainError]:
    """Every rule the form breaks, in form order."""
    found: list[DomainError] = []
    try:
        fields_.cleaned()
    except DomainError as exc:
        found.append(exc)
    try:
        if review_date is None:
            raise consent_rules.ReviewDateMissing()
        rules.check_review_date(review_date, today)
    except DomainError as exc:
        found.append(exc)
    return found


def propose(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    author_id: str,
    fields: DomainFields,
    review_date: date,
    title: str,
    text: str,
    deadline: datetime,
    now: datetime,
    today: date,
    request_key: str | None = None,
) -> RoundView:
    """The circle's next description and its consent round (the whole channel), one commit.

    A description in force is evolved: its agreement is the one the round evolves, so the
    logbook keeps one entry, versioned. One pending description at a time.
    """
    for problem in problems(fields, review_date, today=today):
        raise problem
    cleaned = fields.cleaned()

    def store(session: Session, circle: Circle) -> tuple[str, int]:
        if circle_domain_repo.pending(session, team_id, channel_id) is not None:
            raise rules.DomainChangePending()
        desc = DomainDescription(
            team_id=team_id, channel_id=channel_id, role_id=None,
            version=circle_domain_repo.next_version(session, team_id, channel_id),
            status=DescriptionStatus.PROPOSED.value, review_date=review_date,
            author_id=author_id, created_at=now,
            **{n: getattr(cleaned, n) for n in DomainFields.names()},
        )  # fmt: skip
        session.add(desc)
        session.flush()
        return Subject.DOMAIN.value, desc.id

    draft = consent.Draft(
        title=title, text=text, driver=None, item_id=None,
        responsibilities=cleaned.responsibilities, evaluation=cleaned.evaluation,
        review_date=review_date, deadline=deadline, hidden=False, quorum=None,
        participants=["(channel)"],
    )  # fmt: skip
    with factory() as session:
        current = circle_domain_repo.current(session, team_id, channel_id)
        if current is not None and current.agreement_id is not None:
            draft = replace(draft, evolves_agreement_id=current.agreement_id)
    return consent.open_round(
        factory, team_id=team_id, channel_id=channel_id, author_id=author_id, draft=draft,
        now=now, today=today, whole_channel=True, request_key=request_key, subject=store,
    )  # fmt: skip


def set_parent(
    factory: Factory, *, team_id: str, channel_id: str, parent_id: str | None, now: datetime
) -> str | None:
    """Name the circle that delegated this one's domain (None: no parent); no loops."""
    with transaction(factory) as session:
        circle = backlog_repo.lock_circle(session, team_id, channel_id, now)
        parents = circle_domain_repo.parents(session, team_id)
        parents.pop(channel_id, None)
        circle.parent_channel_id = rules.check_parent(channel_id, parent_id, parents)
        return circle.parent_channel_id
