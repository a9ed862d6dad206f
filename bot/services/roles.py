"""Use cases of a circle's roles: list, show, propose (new or evolved), drop, and terms ending.

A role's description is decided by consent: `propose` stores the role and its description
(both proposed) in the round's own transaction; `consented` / `not_consented` (the
`Subject.ROLE` entry in `bot.services.subjects`) finish it when the round is decided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import consent as consent_rules
from bot.domain import roles as rules
from bot.domain.backlog import NextStep
from bot.domain.domains import DescriptionStatus, DomainFields, Subject, check_review_date
from bot.domain.errors import DomainError
from bot.domain.roles import RoleDetail, RoleNoticeView, RoleStatus, RoleSummary
from bot.services import backlog, consent, payloads, role_groups
from bot.services.role_subject import consented, not_consented
from bot.services.views import RoundView
from bot.store import agreements_repo, circle_domain_repo, roles_repo
from bot.store.db import transaction
from bot.store.models import Circle, DomainDescription, Role

Factory = sessionmaker[Session]
__all__ = ["consented", "not_consented"]  # the ROLE subject's hooks, re-exported

SWEEP_LIMIT = 200
NOTICE_HORIZON_DAYS = 400  # no workspace gives notice further ahead than this


@dataclass(frozen=True)
class RoleDraft:
    """What the role form submitted."""

    name: str
    fields: DomainFields
    review_date: date | None
    term_months: int | None = None
    term_until: date | None = None
    represents_channel_id: str | None = None


@dataclass(frozen=True)
class RoundText:
    """How the round on the role reads (phrased by the caller, in the author's language)."""

    title: str
    text: str


def role_named(session: Session, team_id: str, channel_id: str, name: str) -> Role | None:
    """The circle's role of that name (proposed or active, case-insensitive): the one
    finder every role feature uses (selection too)."""
    return roles_repo.role_named(session, team_id, channel_id, name)


def problems(
    factory: Factory, draft: RoleDraft, *, team_id: str, channel_id: str, today: date,
    role_id: int | None = None,
) -> list[DomainError]:  # fmt: skip
    """Every rule the form breaks, in form order (none: the round may open)."""
    found: list[DomainError] = []
    try:
        name = rules.clean_name(draft.name)
        if role_id is None:
            with factory() as session:
                existing = roles_repo.role_named(session, team_id, channel_id, name)
            if existing is not None:
                found.append(rules.RoleNameTaken(existing.name))
    except DomainError as exc:
        found.append(exc)
    checks = (
        lambda: draft.fields.cleaned(),
        lambda: rules.check_term(draft.term_months, draft.term_until, today),
        lambda: _check_review(draft.review_date, today),
    )
    for check in checks:
        try:
            check()
        except DomainError as exc:
            found.append(exc)
    return found


def _check_review(review_date: date | None, today: date) -> date:
    if review_date is None:
        raise consent_rules.ReviewDateMissing()
    return check_review_date(review_date, today)


def _description(role: Role, fields_: DomainFields, review_date: date, version: int,
                 author_id: str, now: datetime) -> DomainDescription:  # fmt: skip
    return DomainDescription(
        team_id=role.team_id, channel_id=role.channel_id, role_id=role.id, version=version,
        status=DescriptionStatus.PROPOSED.value, review_date=review_date, author_id=author_id,
        created_at=now, **{n: getattr(fields_, n) for n in DomainFields.names()},
    )  # fmt: skip


def propose(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    author_id: str,
    draft: RoleDraft,
    text: RoundText,
    deadline: datetime,
    now: datetime,
    today: date,
    role_id: int | None = None,
    request_key: str | None = None,
) -> RoundView:
    """A new role (or the next description of `role_id`) and its consent round, one commit.

    The whole channel answers, with the usual deadline; the name is checked again under
    the circle's lock, so two people proposing one name at once get one role.
    """
    for problem in problems(
        factory, draft, team_id=team_id, channel_id=channel_id, today=today, role_id=role_id
    ):
        raise problem
    assert draft.review_date is not None
    cleaned = draft.fields.cleaned()
    name = rules.clean_name(draft.name)
    months, until = rules.check_term(draft.term_months, draft.term_until, today)

    def store(session: Session, circle: Circle) -> tuple[str, int]:
        if role_id is None:
            existing = roles_repo.role_named(session, team_id, channel_id, name)
            if existing is not None:
                raise rules.RoleNameTaken(existing.name)
            role = Role(
                team_id=team_id, channel_id=channel_id, name=name, name_key=rules.name_key(name),
                status=RoleStatus.PROPOSED.value, term_months=months, term_until=until,
                represents_channel_id=draft.represents_channel_id or None, created_by=author_id,
                created_at=now,
            )  # fmt: skip
            session.add(role)
            session.flush()
            version = 1
        else:
            role = _active_role(session, team_id, channel_id, role_id)
            if roles_repo.pending_roles(session, team_id, [role.id]):
                raise rules.RoleChangePending(role.name)
            version = roles_repo.next_version(session, team_id, role.id)
        desc = _description(role, cleaned, draft.review_date, version, author_id, now)
        session.add(desc)
        session.flush()
        return Subject.ROLE.value, desc.id

    # An evolved description evolves the role's agreement: one logbook entry, versioned.
    round_draft = consent.Draft(
        title=text.title, text=text.text, driver=None, item_id=None,
        responsibilities=cleaned.responsibilities, evaluation=cleaned.evaluation,
        review_date=draft.review_date, deadline=deadline, hidden=False, quorum=None,
        participants=["(channel)"],
    )  # fmt: skip
    if role_id is not None:
        with factory() as session:
            role = _active_role(session, team_id, channel_id, role_id)
            current = roles_repo.current_descriptions(session, team_id, [role.id]).get(role.id)
            if current is not None and current.agreement_id is not None:
                round_draft = _evolving(round_draft, current.agreement_id)
    return consent.open_round(
        factory, team_id=team_id, channel_id=channel_id, author_id=author_id, draft=round_draft,
        now=now, today=today, whole_channel=True, request_key=request_key, subject=store,
    )  # fmt: skip


def _evolving(draft: consent.Draft, agreement_id: int) -> consent.Draft:
    values = {f.name: getattr(draft, f.name) for f in fields(draft)}
    values["evolves_agreement_id"] = agreement_id
    return consent.Draft(**values)


def _active_role(session: Session, team_id: str, channel_id: str, role_id: int, *,
                 lock: bool = False) -> Role:  # fmt: skip
    role = roles_repo.get(session, team_id, role_id, lock=lock)
    if role is None or role.channel_id != channel_id:
        raise rules.RoleNotFound("", roles_repo.names_of(session, team_id, channel_id))
    if role.status != RoleStatus.ACTIVE.value:
        raise rules.RoleNotActive(role.name)
    return role


# ---------------------------------------------------------------- reading


def _summaries(session: Session, team_id: str, roles: list[Role]) -> list[RoleSummary]:
    ids_ = [r.id for r in roles]
    current = roles_repo.current_descriptions(session, team_id, ids_)
    pending = roles_repo.pending_roles(session, team_id, ids_)
    found = [
        RoleSummary(
            id=r.id,
            channel_id=r.channel_id,
            name=r.name,
            purpose=current[r.id].purpose if r.id in current else "",
            holder_id=r.holder_id,
            term_end=r.term_end if r.holder_id else None,
            proposed=r.id in pending,
            represents_channel_id=r.represents_channel_id,
        )  # fmt: skip
        for r in roles
    ]
    return sorted(found, key=lambda s: rules.list_order(s.holder_id, s.name))


def list_roles(factory: Factory, *, team_id: str, channel_id: str) -> list[RoleSummary]:
    """The circle's active roles, vacant ones first."""
    with factory() as session:
        roles = roles_repo.roles_of(session, team_id, channel_id, (RoleStatus.ACTIVE.value,))
        return _summaries(session, team_id, roles)


def detail(factory: Factory, *, team_id: str, channel_id: str, name: str) -> RoleDetail:
    """One role of the circle in full, with its history; RoleNotFound lists the names."""
    with factory() as session:
        role = roles_repo.role_named(session, team_id, channel_id, name)
        if role is None:
            raise rules.RoleNotFound(name, roles_repo.names_of(session, team_id, channel_id))
        return _detail(session, team_id, role)


def detail_by_id(factory: Factory, *, team_id: str, role_id: int) -> RoleDetail:
    """A role by id (from a button), in full."""
    with factory() as session:
        role = roles_repo.get(session, team_id, role_id)
        if role is None:
            raise rules.RoleNotFound("", [])
        return _detail(session, team_id, role)


def _detail(session: Session, team_id: str, role: Role) -> RoleDetail:
    [summary] = _summaries(session, team_id, [role])
    versions = roles_repo.descriptions(session, team_id, role.id)
    current = roles_repo.current_descriptions(session, team_id, [role.id]).get(role.id)
    rounds = roles_repo.rounds_of_descriptions(session, team_id, [d.id for d in versions])
    entries = []
    for d in reversed(versions):
        proposal, rnd = rounds.get(d.id, (None, None))
        entries.append(
            rules.VersionEntry(
                version=d.version,
                status=d.status,
                proposal_number=proposal.number if proposal else None,
                round_outcome=rnd.outcome if rnd is not None else None,
                decided_at=d.decided_at,
            )  # fmt: skip
        )
    shown = current or (versions[-1] if versions else None)
    return RoleDetail(
        summary=summary, status=role.status,
        fields=DomainFields(**{n: getattr(shown, n) for n in DomainFields.names()})
        if shown
        else DomainFields(purpose=""),
        review_date=circle_domain_repo.review_date(session, shown) if shown else None,
        term_months=role.term_months,
        term_until=role.term_until, term_start=role.term_start if role.holder_id else None,
        agreement_id=current.agreement_id if current else None, versions=entries,
        terms=[
            rules.TermEntry(t.holder_id, t.starts, t.ends, t.ended_at)
            for t in roles_repo.terms(session, team_id, role.id)
        ],
        selections=[
            rules.SelectionEntry(s.status, s.started_by, s.nominee_id, s.created_at)
            for s in roles_repo.selections(session, team_id, role.id)
        ],
    )  # fmt: skip


def check_changeable(
    factory: Factory, *, team_id: str, channel_id: str, role_id: int
) -> RoleDetail:
    """The role, if it may be evolved or dropped now (active, no new description pending)."""
    with factory() as session:
        role = _active_role(session, team_id, channel_id, role_id)
        if roles_repo.pending_roles(session, team_id, [role.id]):
            raise rules.RoleChangePending(role.name)
        return _detail(session, team_id, role)


def notice_view(factory: Factory, *, team_id: str, role_id: int) -> RoleNoticeView | None:
    """A role as its notices show it (None when it is gone)."""
    with factory() as session:
        role = roles_repo.get(session, team_id, role_id)
        if role is None:
            return None
        return RoleNoticeView(role.id, role.channel_id, role.name, role.holder_id, role.term_end)


# ---------------------------------------------------------------- dropping


def drop(factory: Factory, *, team_id: str, channel_id: str, role_id: int, actor: str,
         now: datetime) -> RoleNoticeView:  # fmt: skip
    """End the role: dropped, its holder's term ended, its agreement dropped; the channel told."""
    with transaction(factory) as session:
        role = _active_role(session, team_id, channel_id, role_id, lock=True)
        role.status, role.updated_at = RoleStatus.DROPPED.value, now
        if role.holder_id:
            term = roles_repo.open_term(session, team_id, role.id, role.holder_id)
            if term is not None:
                term.ended_at = now
        holder = role.holder_id
        role.holder_id = None
        role_groups.queue_sync(session, role, now)  # @role-name: disabled
        for d in roles_repo.descriptions(session, team_id, role.id):
            if d.status == DescriptionStatus.CURRENT.value:
                d.status = DescriptionStatus.DROPPED.value
                agreement = (
                    agreements_repo.get(session, team_id, d.agreement_id, lock=True)
                    if d.agreement_id
                    else None
                )
                if agreement is not None and agreement.status != "dropped":
                    agreement.status, agreement.updated_at = "dropped", now
                    agreements_repo.cancel_pending(session, team_id, agreement.id, now)
        payloads.queue(
            session, team_id=team_id, key=f"role-dropped:{role.id}", target=role.channel_id,
            payload=payloads.RoleNotice(role_id=role.id, event="dropped", actor=actor,
                                        holder_id=holder),
            now=now,
        )  # fmt: skip
        return RoleNoticeView(role.id, role.channel_id, role.name, holder, role.term_end)


# ---------------------------------------------------------------- terms ending (a sweep)


def term_notices_due(
    factory: Factory, *, now: datetime, item_text: Callable[[str], str] | None = None
) -> int:
    """Sweep: a notice period before a term ends, tell the holder (DM) and the circle, and
    put "select someone for the role" on its backlog; once per term, across replicas."""
    today = now.date()
    with factory() as session:
        due = [
            (r.team_id, r.id, r.term_end)
            for r, days in roles_repo.held_ending_by(
                session, today + timedelta(days=NOTICE_HORIZON_DAYS), SWEEP_LIMIT
            )
            if r.term_end
            and r.notice_sent_for != r.term_end
            and rules.notice_due(r.term_end, today, days)
        ]
    done = 0
    for team_id, role_id, end in due:
        with transaction(factory) as session:
            role = roles_repo.get(session, team_id, role_id)
            if role is None or not roles_repo.claim_notice(session, role, end, now):
                continue  # another sweep gave this notice, or the term changed meanwhile
            holder = role.holder_id
            notice = dict(role_id=role.id, holder_id=holder, term_end=end)
            payloads.queue(
                session, team_id=team_id, key=f"role-term-ending:{role.id}:{end}",
                target=role.channel_id, payload=payloads.RoleNotice(event="term_ending", **notice),
                now=now,
            )  # fmt: skip
            if holder:
                payloads.queue(
                    session, team_id=team_id, key=f"role-term-ending-dm:{role.id}:{end}",
                    target=holder, kind="dm",
                    payload=payloads.RoleNotice(event="term_ending_dm", **notice), now=now,
                )  # fmt: skip
            backlog.raise_in(
                session, team_id=team_id, channel_id=role.channel_id,
                author_id=holder or role.created_by,
                text=(item_text(team_id) if item_text else "Select someone for the role {name}").format(
                    name=role.name
                ),
                now=now, next_step=NextStep.SELECT,
            )  # fmt: skip
            done += 1
    return done


def vacate_due(factory: Factory, *, now: datetime) -> int:
    """Sweep: on the day a term ends, the role falls vacant (unless a newer term was
    consented: then its term end lies ahead), its term closed, the circle told; once."""
    today = now.date()
    with factory() as session:
        due = [
            (r.team_id, r.id, r.holder_id, r.term_end)
            for r, _ in roles_repo.held_ending_by(session, today, SWEEP_LIMIT)
            if r.term_end and r.vacated_for != r.term_end
        ]
    done = 0
    for team_id, role_id, holder, end in due:
        with transaction(factory) as session:
            role = roles_repo.get(session, team_id, role_id)
            if role is None or not holder:
                continue
            if not roles_repo.claim_vacancy(session, role, holder, end, now):
                continue
            term = roles_repo.open_term(session, team_id, role_id, holder)
            if term is not None:
                term.ended_at = now
            role_groups.queue_sync(session, role, now)  # @role-name: disabled
            payloads.queue(
                session, team_id=team_id, key=f"role-vacant:{role_id}:{end}",
                target=role.channel_id,
                payload=payloads.RoleNotice(role_id=role_id, event="vacant", holder_id=holder,
                                            term_end=end),
                now=now,
            )  # fmt: skip
            done += 1
    return done


def delegates_in(session: Session, team_id: str, channel_id: str) -> list[str]:
    """The delegates who take part in this channel's rounds (their circles' representatives)."""
    return roles_repo.delegates_in(session, team_id, channel_id)
