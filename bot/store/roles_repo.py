"""Roles, their description versions, terms and selections. Every query is scoped by team_id."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.domain.domains import DescriptionStatus, Subject
from bot.domain.roles import LIVE, RoleStatus, name_key
from bot.store.models import (
    ConsentRound,
    DomainDescription,
    Proposal,
    Role,
    RoleTerm,
    Selection,
    Workspace,
)


def role_named(session: Session, team_id: str, channel_id: str, name: str) -> Role | None:
    """The circle's role of that name (proposed or active; case-insensitive), if any."""
    return session.scalars(
        select(Role)
        .where(
            Role.team_id == team_id,
            Role.channel_id == channel_id,
            Role.name_key == name_key(name),
            Role.status.in_(LIVE),
        )
        .order_by(Role.id.desc())
        .limit(1)
    ).first()


def get(session: Session, team_id: str, role_id: int, *, lock: bool = False) -> Role | None:
    """A role of this workspace by id (locked for the transaction when asked)."""
    stmt = select(Role).where(Role.team_id == team_id, Role.id == role_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def active_roles(session: Session, team_id: str) -> list[Role]:
    """Every active role of the workspace, in every circle."""
    return list(
        session.scalars(
            select(Role)
            .where(Role.team_id == team_id, Role.status == RoleStatus.ACTIVE.value)
            .order_by(Role.id)
        )
    )


def roles_of(
    session: Session, team_id: str, channel_id: str, statuses: tuple[str, ...]
) -> list[Role]:
    """The circle's roles in these statuses."""
    return list(
        session.scalars(
            select(Role).where(
                Role.team_id == team_id, Role.channel_id == channel_id, Role.status.in_(statuses)
            )
        )
    )


def holders(session: Session, team_id: str, channel_id: str) -> list[tuple[str, str | None]]:
    """(name, holder) of the circle's active roles, oldest first."""
    rows = session.execute(
        select(Role.name, Role.holder_id)
        .where(
            Role.team_id == team_id,
            Role.channel_id == channel_id,
            Role.status == RoleStatus.ACTIVE.value,
        )
        .order_by(Role.id)
    )
    return [(name, holder) for name, holder in rows]


def names_of(session: Session, team_id: str, channel_id: str) -> list[str]:
    """The names of the circle's roles (proposed or active), alphabetically."""
    roles = roles_of(session, team_id, channel_id, LIVE)
    return sorted((r.name for r in roles), key=str.casefold)


def descriptions(session: Session, team_id: str, role_id: int) -> list[DomainDescription]:
    """Every version of the role's description, the first first."""
    return list(
        session.scalars(
            select(DomainDescription)
            .where(DomainDescription.team_id == team_id, DomainDescription.role_id == role_id)
            .order_by(DomainDescription.version)
        )
    )


def description(session: Session, team_id: str, description_id: int) -> DomainDescription | None:
    """One description version, of a role, by id."""
    return session.scalars(
        select(DomainDescription).where(
            DomainDescription.team_id == team_id,
            DomainDescription.id == description_id,
            DomainDescription.role_id.is_not(None),
        )
    ).first()


def pending_roles(session: Session, team_id: str, role_ids: list[int]) -> set[int]:
    """Of these roles, the ones with a description still in a consent round."""
    if not role_ids:
        return set()
    return set(
        session.scalars(
            select(DomainDescription.role_id).where(
                DomainDescription.team_id == team_id,
                DomainDescription.role_id.in_(role_ids),
                DomainDescription.status == DescriptionStatus.PROPOSED.value,
            )
        )
    )


def current_descriptions(
    session: Session, team_id: str, role_ids: list[int]
) -> dict[int, DomainDescription]:
    """Each role's description in force (else its latest), by role id."""
    if not role_ids:
        return {}
    found: dict[int, DomainDescription] = {}
    rows = session.scalars(
        select(DomainDescription)
        .where(DomainDescription.team_id == team_id, DomainDescription.role_id.in_(role_ids))
        .order_by(DomainDescription.version)
    )
    for d in rows:
        assert d.role_id is not None
        if (
            d.status == DescriptionStatus.CURRENT.value
            or d.role_id not in found
            or found[d.role_id].status != DescriptionStatus.CURRENT.value
        ):
            found[d.role_id] = d
    return found


def rounds_of_descriptions(
    session: Session, team_id: str, description_ids: list[int]
) -> dict[int, tuple[Proposal, ConsentRound | None]]:
    """Each description's proposal and its latest round, by description id."""
    if not description_ids:
        return {}
    found: dict[int, tuple[Proposal, ConsentRound | None]] = {}
    proposals = session.scalars(
        select(Proposal).where(
            Proposal.team_id == team_id,
            Proposal.subject == Subject.ROLE.value,
            Proposal.subject_id.in_(description_ids),
        )
    )
    for p in proposals:
        latest = session.scalars(
            select(ConsentRound)
            .where(ConsentRound.team_id == team_id, ConsentRound.proposal_id == p.id)
            .order_by(ConsentRound.version.desc())
            .limit(1)
        ).first()
        assert p.subject_id is not None
        found[p.subject_id] = (p, latest)
    return found


def terms(session: Session, team_id: str, role_id: int) -> list[RoleTerm]:
    """Who held the role, the latest first."""
    return list(
        session.scalars(
            select(RoleTerm)
            .where(RoleTerm.team_id == team_id, RoleTerm.role_id == role_id)
            .order_by(RoleTerm.starts.desc(), RoleTerm.id.desc())
        )
    )


def open_term(session: Session, team_id: str, role_id: int, holder_id: str) -> RoleTerm | None:
    """The holder's term that has not ended early."""
    return session.scalars(
        select(RoleTerm)
        .where(
            RoleTerm.team_id == team_id,
            RoleTerm.role_id == role_id,
            RoleTerm.holder_id == holder_id,
            RoleTerm.ended_at.is_(None),
        )
        .order_by(RoleTerm.starts.desc(), RoleTerm.id.desc())
        .limit(1)
    ).first()


def selections(session: Session, team_id: str, role_id: int) -> list[Selection]:
    """The role's selections, the latest first."""
    return list(
        session.scalars(
            select(Selection)
            .where(Selection.team_id == team_id, Selection.role_id == role_id)
            .order_by(Selection.created_at.desc(), Selection.id.desc())
        )
    )


def next_version(session: Session, team_id: str, role_id: int) -> int:
    """The number the role's next description version gets."""
    latest = session.scalar(
        select(func.max(DomainDescription.version)).where(
            DomainDescription.team_id == team_id, DomainDescription.role_id == role_id
        )
    )
    return (latest or 0) + 1


def delegates_in(session: Session, team_id: str, channel_id: str) -> list[str]:
    """The holders of the active delegate roles that represent their circle in this channel."""
    return sorted(
        set(
            session.scalars(
                select(Role.holder_id).where(
                    Role.team_id == team_id,
                    Role.represents_channel_id == channel_id,
                    Role.status == RoleStatus.ACTIVE.value,
                    Role.holder_id.is_not(None),
                )
            )
        )
    )


# ---------------------------------------------------------------- the term-end sweep


def held_ending_by(session: Session, horizon: date, limit: int) -> list[tuple[Role, int]]:
    """Active held roles whose term ends by `horizon`, across workspaces, with each
    workspace's notice period; the soonest first."""
    rows = session.execute(
        select(Role, Workspace.term_notice_days)
        .join(Workspace, Workspace.team_id == Role.team_id)
        .where(
            Role.status == RoleStatus.ACTIVE.value,
            Role.holder_id.is_not(None),
            Role.term_end.is_not(None),
            Role.term_end <= horizon,
        )
        .order_by(Role.term_end, Role.id)
        .limit(limit)
    )
    return [(role, days) for role, days in rows]


def claim_notice(session: Session, role: Role, term_end: date, now: datetime) -> bool:
    """Mark the notice for this term end as sent; False when another sweep did it first."""
    result = session.execute(
        update(Role)
        .where(
            Role.team_id == role.team_id,
            Role.id == role.id,
            Role.status == RoleStatus.ACTIVE.value,
            Role.term_end == term_end,
            Role.notice_sent_for.is_distinct_from(term_end),
        )
        .values(notice_sent_for=term_end, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def claim_vacancy(
    session: Session, role: Role, holder_id: str, term_end: date, now: datetime
) -> bool:
    """Make the role vacant for this term end; False when another sweep did, or a newer
    term was consented meanwhile (its holder or term end differ now)."""
    result = session.execute(
        update(Role)
        .where(
            Role.team_id == role.team_id,
            Role.id == role.id,
            Role.status == RoleStatus.ACTIVE.value,
            Role.holder_id == holder_id,
            Role.term_end == term_end,
            Role.vacated_for.is_distinct_from(term_end),
        )
        .values(holder_id=None, vacated_for=term_end, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
