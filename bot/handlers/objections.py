"""Testing an objection, in its thread reply and the objector's DMs: "I think this is a
concern", keep, refine, turn into a concern, "not qualified", contest, accept.

Each step is stored before the ack; what it tells people goes through the outbox. A refusal
(not your objection, not the author, settled already) reaches the person through the
button's response_url, or as a field error in the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args

from bot.blocks import ids
from bot.blocks import objections as views
from bot.blocks import resolutions as resolution_views
from bot.blocks.consent import slow_form
from bot.blocks.objections import ObjectionMeta
from bot.blocks.values import ObjectionValue
from bot.deps import Deps
from bot.domain.errors import StaleRequest
from bot.domain.objections import Action
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, metadata, request_key, response_url, where
from bot.runtime.replies import open_modal
from bot.scheduler import kick
from bot.services import objections
from bot.services.objections import Target, Tested

TESTED = "s3bot_objection_tested"  # context: the step that was stored, for after the ack


def register(app: App) -> None:
    """Wire the objection's buttons and its reason form."""
    on(app.action(ids.ACT_OBJ_THINK_CONCERN), lazy=(ask_concern_view,))
    on(app.action(ids.ACT_OBJ_REFINE), lazy=(ask_refined,))
    on(app.action(ids.ACT_OBJ_NOT_QUALIFIED), lazy=(ask_not_qualified,))
    on(app.action(ids.ACT_OBJ_DEFER), lazy=(ask_deferral,))
    on(app.action(ids.ACT_OBJ_KEEP), ack=keep, lazy=(confirm,))
    on(app.action(ids.ACT_OBJ_TO_CONCERN), ack=to_concern, lazy=(confirm,))
    on(app.action(ids.ACT_OBJ_CONTEST), ack=contest, lazy=(confirm,))
    on(app.action(ids.ACT_OBJ_ACCEPT), ack=accept, lazy=(confirm,))
    on(app.view(ids.CB_OBJ_REASON_MODAL), ack=submit_reason, lazy=(confirm,))
    on(app.action(ids.ACT_RES_YES), ack=resolved_yes, lazy=(confirm,))
    on(app.action(ids.ACT_RES_NO), lazy=(ask_not_resolved,))
    on(app.view(ids.CB_RES_NO_MODAL), ack=submit_not_resolved, lazy=(confirm,))


@dataclass(frozen=True)
class Done:
    """A stored step, and where to confirm it."""

    tested: Tested
    channel_id: str | None


# ---------------------------------------------------------------- forms


def ask_concern_view(args: Args) -> None:
    """The form for why a participant thinks the objection is a concern."""
    _ask(args, Action.THINK_CONCERN)


def ask_refined(args: Args) -> None:
    """The form for the objector's refined objection (prefilled)."""
    _ask(args, Action.REFINE)


def ask_not_qualified(args: Args) -> None:
    """The form for why the author thinks the objection does not qualify."""
    _ask(args, Action.NOT_QUALIFIED)


def ask_deferral(args: Args) -> None:
    """The form for the author's deferral: who takes it on, and by when."""
    _ask(args, Action.DEFER)


def _ask(args: Args, action: Action) -> None:
    deps: Deps = args.context["deps"]
    who = where(args.body)
    assert who.user_id
    value = ObjectionValue.parse(args.action.get("value"))
    target = Target(who.team_id, value.round_id, value.objection_id, _channel(who.channel_id))
    view = objections.check(deps.sessions, target, action=action, user_id=who.user_id)
    meta = ObjectionMeta(
        round_id=view.round_id, objection_id=view.id, action=action, channel_id=view.channel_id,
        response_url=response_url(args.body),
    )  # fmt: skip
    m = messages_for(args)
    if not open_modal(args.client, args.body["trigger_id"], views.reason_modal(m, view, meta)):
        tell(args, slow_form(m))


def submit_reason(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """Store the step with its reason (the form says what is missing), then close the form."""
    who = where(body)
    assert who.user_id
    meta = metadata(view, ObjectionMeta)
    if meta is None or meta.action not in (
        Action.THINK_CONCERN, Action.REFINE, Action.NOT_QUALIFIED, Action.DEFER
    ):  # fmt: skip
        raise StaleRequest()
    target = Target(who.team_id, meta.round_id, meta.objection_id, channel_id=meta.channel_id)
    tested = objections.act(
        deps.sessions, target, action=meta.action, user_id=who.user_id, now=deps.clock(),
        reason=Form(view).text(ids.IN_OBJ_REASON), request_key=request_key(body),
    )  # fmt: skip
    ack()
    context[TESTED] = Done(tested, meta.channel_id)


# ---------------------------------------------------------------- buttons


def keep(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps) -> None:  # fmt: skip
    """The objector keeps it as an objection: stored, then acknowledged."""
    _step(ack, body, action, context, deps, Action.KEEP)


def to_concern(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps) -> None:  # fmt: skip
    """The objector turns it into a concern: stored, then acknowledged."""
    _step(ack, body, action, context, deps, Action.TO_CONCERN)


def contest(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps) -> None:  # fmt: skip
    """The objector contests "not qualified": on the backlog for the meeting, then acknowledged."""
    _step(ack, body, action, context, deps, Action.CONTEST)


def accept(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps) -> None:  # fmt: skip
    """The objector accepts "not qualified": stored, then acknowledged."""
    _step(ack, body, action, context, deps, Action.ACCEPT)


def _step(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps,
    step: Action,
) -> None:  # fmt: skip
    who = where(body)
    assert who.user_id
    value = ObjectionValue.parse(action.get("value"))
    m = deps.people.workspace_messages(who.team_id)  # the backlog item is the channel's
    target = Target(who.team_id, value.round_id, value.objection_id, _channel(who.channel_id))
    tested = objections.act(
        deps.sessions, target, action=step,
        user_id=who.user_id, now=deps.clock(), request_key=request_key(body),
        describe=lambda view: views.contested_item_text(m, view),
    )  # fmt: skip
    ack()
    context[TESTED] = Done(tested, who.channel_id)


def _channel(channel_id: str | None) -> str | None:
    """The channel a button was clicked in, to be checked against the round's; a DM's (the
    objector's buttons come there too) names no channel to check."""
    return None if not channel_id or channel_id.startswith("D") else channel_id


def confirm(context: BoltContext, deps: Deps, args: Args) -> None:
    """Tell the person what their step did; the messages and DMs go out now."""
    done: Done | None = context.get(TESTED)
    if done is None:
        return
    tested = done.tested
    m = messages_for(args)
    if tested.action in (Action.CONFIRM, Action.NOT_RESOLVED):
        text = resolution_views.done(m, tested.action, tested.changed)
    else:
        text = views.done(m, tested.action, tested.objection, agreed=tested.agreed)
    tell(args, text, channel=done.channel_id)
    kick(deps)


# ---------------------------------------------------------------- "Does this resolve it?"


def resolved_yes(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps) -> None:  # fmt: skip
    """The objector: yes, the amendment resolves it (stored, then acknowledged)."""
    who = where(body)
    assert who.user_id
    value = ObjectionValue.parse(action.get("value"))
    tested = objections.answer_resolution(
        deps.sessions, team_id=who.team_id, objection_id=value.objection_id, user_id=who.user_id,
        resolved=True, now=deps.clock(), request_key=request_key(body),
    )  # fmt: skip
    ack()
    context[TESTED] = Done(tested, None)


def ask_not_resolved(args: Args) -> None:
    """The objector's "no": the form for why the amendment does not resolve it."""
    deps: Deps = args.context["deps"]
    who = where(args.body)
    assert who.user_id
    value = ObjectionValue.parse(args.action.get("value"))
    view = objections.check_answer(
        deps.sessions, team_id=who.team_id, objection_id=value.objection_id, user_id=who.user_id
    )
    meta = ObjectionMeta(
        round_id=view.round_id, objection_id=view.id, action=Action.NOT_RESOLVED,
        channel_id=view.channel_id, response_url=response_url(args.body),
    )  # fmt: skip
    m = messages_for(args)
    if not open_modal(
        args.client, args.body["trigger_id"], resolution_views.no_modal(m, view, meta)
    ):
        tell(args, slow_form(m))


def submit_not_resolved(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """Store the objector's "no" with its reason (required), then close the form."""
    who = where(body)
    assert who.user_id
    meta = metadata(view, ObjectionMeta)
    if meta is None or meta.action is not Action.NOT_RESOLVED:
        raise StaleRequest()
    tested = objections.answer_resolution(
        deps.sessions, team_id=who.team_id, objection_id=meta.objection_id, user_id=who.user_id,
        resolved=False, now=deps.clock(), reason=Form(view).text(ids.IN_RES_NO_REASON),
        request_key=request_key(body),
    )  # fmt: skip
    ack()
    context[TESTED] = Done(tested, None)
