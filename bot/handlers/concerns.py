"""After consent: "should your concern be heard?" answered from its DM (issue 11, part 6)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args

from bot.blocks import concerns as views
from bot.blocks import ids
from bot.blocks.concerns import HearingMeta
from bot.blocks.values import HearingValue
from bot.delivery import outbox
from bot.deps import Deps
from bot.domain.errors import StaleRequest
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, metadata, request_key, where
from bot.runtime.replies import open_modal
from bot.services import concerns

ANSWERED = "s3bot_concern_answered"  # context: (the concern as it stands, whether this changed it)


def register(app: App) -> None:
    """Wire the concern's two buttons and the "what should happen?" form."""
    on(app.action(ids.ACT_CONCERN_RECORDED), ack=recorded, lazy=(update_dm,))
    on(app.action(ids.ACT_CONCERN_HEAR), lazy=(show_hear_form,))
    on(app.view(ids.CB_CONCERN_HEAR), ack=hear, lazy=(update_dm,))


def _hearing_id(action: dict[str, Any]) -> int:
    return HearingValue.parse(action.get("value")).hearing_id


def recorded(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """ "No, recorded is enough": stored (once), then acknowledged."""
    who = where(body)
    assert who.user_id
    context[ANSWERED] = concerns.answer(
        deps.sessions, team_id=who.team_id, hearing_id=_hearing_id(action), user_id=who.user_id,
        hear=False, now=deps.clock(), request_key=request_key(body),
    )  # fmt: skip
    ack()


def show_hear_form(body: dict[str, Any], action: dict[str, Any], deps: Deps, args: Args) -> None:
    """ "Yes, let's hear it": the small form asking what should happen (optional)."""
    who = where(body)
    assert who.user_id
    view = concerns.check_open(
        deps.sessions, team_id=who.team_id, hearing_id=_hearing_id(action), user_id=who.user_id
    )
    if not open_modal(args.client, body["trigger_id"], views.hear_modal(messages_for(args), view)):
        tell(args, views.slow_form(messages_for(args)))


def hear(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, deps: Deps,
    args: Args,
) -> None:  # fmt: skip
    """The concern is to be heard: stored with what should happen and its backlog item."""
    who = where(body)
    assert who.user_id
    meta = metadata(view, HearingMeta)
    if meta is None:
        raise StaleRequest()
    m = deps.people.cached_messages(who.team_id, who.user_id)
    context[ANSWERED] = concerns.answer(
        deps.sessions, team_id=who.team_id, hearing_id=meta.hearing_id, user_id=who.user_id,
        hear=True, follow_up=Form(view).text(ids.IN_CONCERN_FOLLOW_UP), now=deps.clock(),
        describe=lambda v, follow_up: views.item_text(m, v, follow_up),
        request_key=request_key(body),
    )  # fmt: skip
    ack()


def update_dm(context: BoltContext, deps: Deps, args: Args) -> None:
    """After the ack: the DM shows the answer (its buttons gone); a second click is told."""
    answered = context.get(ANSWERED)
    if answered is None:
        return
    view, changed = answered
    if not changed:
        tell(args, views.already(messages_for(args), view))
        return
    key = concerns.hearing_key(view.id) + ":answered"
    outbox.deliver_key(deps, where(args.body).team_id, key)
