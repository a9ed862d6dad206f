"""A role's notices: dropped, its term ending soon (the circle, and its holder by DM), vacant."""

from __future__ import annotations

from bot.blocks import roles as views
from bot.delivery.language import channel_messages
from bot.deps import Deps
from bot.runtime.posting import Attempt, direct_post, post
from bot.services import roles
from bot.services.payloads import RoleNotice


def send_role_notice(
    deps: Deps, team_id: str, target: str, payload: RoleNotice, attempt: Attempt
) -> None:
    """Tell the circle (or the holder) what happened to the role."""
    role = roles.notice_view(deps.sessions, team_id=team_id, role_id=payload.role_id)
    if role is None:
        return
    m = channel_messages(deps, team_id, target)
    text = views.notice_text(m, role.name, payload.event, payload.actor, payload.holder_id,
                             payload.term_end)  # fmt: skip
    client = deps.clients.for_team(team_id)
    if payload.event == "term_ending_dm":
        direct_post(client, attempt, target, text)
    else:
        blocks = views.notice_blocks(m, text, payload.event, role.id)
        post(client, attempt, channel=target, text=text, blocks=blocks)
