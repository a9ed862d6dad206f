"""A role's Slack user group (`@release-lead`) brought in line with the role as it stands.

Each step is safe to repeat, so a row tried again after a lost answer or a crash does no
harm: a group the bot made earlier is found again by its handle (and its maker) rather than
made twice; enabling, disabling and setting the members are idempotent in Slack.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.runtime.posting import Attempt
from bot.services import role_groups
from bot.services.payloads import RoleGroupSync
from bot.services.role_groups import RoleGroup

log = logging.getLogger(__name__)

# Slack will not do it for this workspace (plan, scope, an admin's restriction) or for this
# name: give up on the row; retrying would fail the same way. Logged, never a channel post.
REFUSED = frozenset({
    "missing_scope", "paid_teams_only", "plan_upgrade_required", "permission_denied",
    "not_allowed_token_type", "no_permission", "invalid_users", "failed_for_some_users",
    "bad_handle", "forbidden_handle", "name_too_long", "description_too_long",
})  # fmt: skip
TAKEN = frozenset({"name_already_exists", "handle_already_exists"})
DESCRIPTION_MAX = 140


def send_role_group_sync(
    deps: Deps, team_id: str, target: str, payload: RoleGroupSync, attempt: Attempt
) -> None:
    """Put the holder in the role's group (made when missing), or disable it when vacant."""
    group = role_groups.wanted(deps.sessions, team_id=team_id, role_id=payload.role_id)
    if group is None or not group.wanted:
        return  # the role is gone, or the workspace turned the groups off meanwhile
    client = deps.clients.for_team(team_id)
    try:
        _sync(deps, client, team_id, group)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error not in REFUSED:
            raise  # rate limits, server errors: the outbox tries again later
        log.warning("user group of role %s not kept in %s: Slack said %s",
                    group.role_id, team_id, error)  # fmt: skip


def _sync(deps: Deps, client: WebClient, team_id: str, group: RoleGroup) -> None:
    if group.holder_id is None:
        if group.group_id:
            client.usergroups_disable(usergroup=group.group_id)
        return
    group_id = group.group_id
    if group_id is None:
        group_id = _made(deps, client, team_id, group)
        if group_id is None:
            return
        role_groups.remember(deps.sessions, team_id=team_id, role_id=group.role_id,
                             group_id=group_id)  # fmt: skip
    else:
        client.usergroups_enable(usergroup=group_id)  # disabled while the role was vacant
    client.usergroups_users_update(usergroup=group_id, users=[group.holder_id])


def _made(deps: Deps, client: WebClient, team_id: str, group: RoleGroup) -> str | None:
    """The group's id: made now, or the one the bot made on an earlier try. A handle taken
    by a group someone else made is left alone (None)."""
    try:
        made = client.usergroups_create(
            name=group.name, handle=group.handle,
            description=group.purpose[:DESCRIPTION_MAX] or None,
        )  # fmt: skip
        return str(made["usergroup"]["id"])
    except SlackApiError as exc:
        if exc.response.get("error") not in TAKEN:
            raise
    bot_user = deps.people.bot_user_id(client, team_id)
    listed = client.usergroups_list(include_disabled=True)
    for found in listed.get("usergroups") or []:
        if found.get("handle") == group.handle and found.get("created_by") == bot_user:
            return str(found["id"])
    log.warning("user group @%s exists in %s and was not made by the bot: left alone",
                group.handle, team_id)  # fmt: skip
    return None
