"""A Slack user group per role (`@release-lead`), kept in line with who holds the role.

The workspace chooses it (an admin, on the Home tab). Each change of a role's holder queues
a sync in the outbox in the transaction of that change; the sender reads the role as it
stands when it runs, so a burst of changes ends in the latest state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.domain.roles import RoleStatus, user_group_handle
from bot.services import payloads
from bot.store import roles_repo, workspace_repo
from bot.store.db import transaction
from bot.store.models import Role

Factory = sessionmaker[Session]


@dataclass(frozen=True)
class RoleGroup:
    """What the role's user group should be now."""

    role_id: int
    name: str
    handle: str
    purpose: str
    holder_id: str | None  # None: vacant or dropped: the group is disabled
    group_id: str | None  # None: not created yet
    wanted: bool  # the workspace keeps user groups per role


def queue_sync(session: Session, role: Role, now: datetime) -> None:
    """Queue bringing the role's group in line, if the workspace keeps groups per role."""
    if not workspace_repo.role_user_groups(session, role.team_id):
        return
    payloads.queue(
        session, team_id=role.team_id,
        key=f"role-group:{role.id}:{role.holder_id or '-'}:{role.status}:{now.isoformat()}",
        target=role.channel_id, payload=payloads.RoleGroupSync(role_id=role.id), now=now,
    )  # fmt: skip


def wanted(factory: Factory, *, team_id: str, role_id: int) -> RoleGroup | None:
    """The role's group as it should be now; None when the role is gone."""
    with factory() as session:
        role = roles_repo.get(session, team_id, role_id)
        if role is None:
            return None
        current = roles_repo.current_descriptions(session, team_id, [role.id]).get(role.id)
        active = role.status == RoleStatus.ACTIVE.value
        return RoleGroup(
            role_id=role.id, name=role.name, handle=user_group_handle(role.name, role.id),
            purpose=current.purpose if current else "",
            holder_id=role.holder_id if active else None, group_id=role.user_group_id,
            wanted=workspace_repo.role_user_groups(session, team_id),
        )  # fmt: skip


def remember(factory: Factory, *, team_id: str, role_id: int, group_id: str) -> None:
    """Keep the id of the group created (or found) for the role."""
    with transaction(factory) as session:
        role = roles_repo.get(session, team_id, role_id, lock=True)
        if role is not None:
            role.user_group_id = group_id


def enabled(factory: Factory, *, team_id: str) -> bool:
    """Whether the workspace keeps a user group per role."""
    with factory() as session:
        return workspace_repo.role_user_groups(session, team_id)


def choose(factory: Factory, *, team_id: str, on: bool, now: datetime) -> int:
    """An admin's choice. Turned on, every active role is synced at once (its holder in its
    group); turned off, the groups are left as they are. Returns the syncs queued."""
    with transaction(factory) as session:
        workspace_repo.set_role_user_groups(session, team_id, on, now)
        if not on:
            return 0
        roles = roles_repo.active_roles(session, team_id)
        for role in roles:
            queue_sync(session, role, now)
        return len(roles)
