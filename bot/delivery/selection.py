"""A role selection's notices in its channel: started (its message), revealed, the change
round over, a nominee proposed, selected or not."""

from __future__ import annotations

from bot.blocks import selection as views
from bot.delivery.language import channel_messages
from bot.deps import Deps
from bot.domain.selection import SelectionNotFound
from bot.runtime.posting import Attempt, post
from bot.services import roles, selection
from bot.services.payloads import SelectionNotice

BROADCAST = ("revealed", "selected", "not_selected")


def send_selection_notice(
    deps: Deps, team_id: str, target: str, payload: SelectionNotice, attempt: Attempt
) -> None:
    """Tell the channel what happened in the selection (the start's post is its message)."""
    try:  # as the channel sees it: the nominations only once revealed
        ov = selection.overview(
            deps.sessions, team_id=team_id, selection_id=payload.selection_id, viewer_id=None
        )
    except SelectionNotFound:
        return
    term_end = None
    if payload.event == "selected":
        role = roles.notice_view(deps.sessions, team_id=team_id, role_id=ov.role_id)
        term_end = role.term_end if role else None
    m = channel_messages(deps, team_id, target)
    text = views.notice_text(m, ov, payload.event, nominee_id=payload.nominee_id,
                             actor=payload.actor, term_end=term_end)  # fmt: skip
    client = deps.clients.for_team(team_id)
    if payload.event == "started" or not ov.message_ts:
        _, ts = post(client, attempt, channel=target, text=text,
                     blocks=views.notice_blocks(m, ov, payload.event, text))  # fmt: skip
        if payload.event == "started":
            selection.set_message(deps.sessions, team_id=team_id, selection_id=ov.id, ts=ts)
        return
    # the later steps in the selection's thread (where questions are asked); the reveal and
    # the outcome shown in the channel too
    post(client, attempt, channel=target, text=text, thread_ts=ov.message_ts,
         blocks=views.notice_blocks(m, ov, payload.event, text),
         reply_broadcast=payload.event in BROADCAST)  # fmt: skip
