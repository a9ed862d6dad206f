"""Answering a consent round: the consent, concern and objection buttons, the reason form,
and reactions on the round's message.

An answer is stored before the ack: once Slack hears "ok" (and, for a reaction event,
will not retry), the answer is safe. The confirmation and the sweeps come after.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.blocks import consent as views
from bot.blocks import ids
from bot.blocks.consent import ReasonMeta
from bot.blocks.values import RoundValue
from bot.delivery import home
from bot.deps import Deps
from bot.domain.consent import REACTIONS, Position
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, dm_message, metadata, response_url, where
from bot.runtime.replies import dm, open_modal, reply, update_message
from bot.scheduler import kick, kick_soon
from bot.services import circle_domain, consent

log = logging.getLogger(__name__)

ANSWERED = "s3bot_consent_answered"  # context: the stored answer, for the part after the ack
WATCHING = "s3bot_consent_watching"  # context: the person will be told when answers open
REACTED = "s3bot_consent_reacted"  # context: what a reaction changed


def register(app: App) -> None:
    """Wire the answer buttons, the reason form and reactions."""
    on(app.action(ids.ACT_ANSWER_CONSENT), ack=give_consent, lazy=(confirm,))
    on(app.action(ids.ACT_ANSWER_CONCERN), lazy=(ask_concern,))
    on(app.action(ids.ACT_ANSWER_OBJECTION), lazy=(ask_objection,))
    on(app.action(ids.ACT_GIVE_REASON), lazy=(ask_objection,))
    on(app.action(ids.ACT_TELL_WHEN_OPEN), ack=watch_opening, lazy=(confirm_watching,))
    on(app.view(ids.CB_REASON_MODAL), ack=answer_with_reason, lazy=(confirm,))
    on(app.event("reaction_added"), ack=record_reaction, lazy=(follow_up_reaction,))
    on(app.event("reaction_removed"), ack=record_reaction, lazy=(follow_up_reaction,))


@dataclass(frozen=True)
class Answered:
    """An answer that was stored, and where to confirm it."""

    position: Position
    brief: consent.RoundBrief
    channel_id: str | None
    dm: tuple[str, str] | None = None  # the reminder DM answered from: shown answered after
    home: bool = False  # answered on the Home tab (or in a form opened there)


@dataclass(frozen=True)
class Reacted:
    """What a reaction did: gave an answer (brief), or withdrew one (None); on a round with
    hidden answers it gives none (`counted` False) and the person is told why."""

    brief: consent.RoundBrief | None
    position: Position | None
    channel_id: str
    user_id: str
    counted: bool = True
    reaction: str = ""
    too_early: bool = False  # not counted: the round is still in its questions phase


# ---------------------------------------------------------------- buttons and the reason form


def give_consent(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """Store the consent, then acknowledge."""
    who = where(body)
    assert who.user_id
    brief = consent.answer(
        deps.sessions, team_id=who.team_id, round_id=RoundValue.parse(action.get("value")).round_id, user_id=who.user_id,
        position=Position.CONSENT, now=deps.clock(),
    )  # fmt: skip
    ack()
    reminder = dm_message(body, ids.BLOCK_NUDGE_ACTIONS)
    context[ANSWERED] = Answered(
        Position.CONSENT, brief, who.channel_id, reminder, home=home.from_home(body)
    )


def ask_concern(args: Args) -> None:
    """The reason form for a concern (the reason is optional)."""
    _ask_reason(args, Position.CONCERN)


def ask_objection(args: Args) -> None:
    """The reason form for an objection (the reason is required)."""
    _ask_reason(args, Position.OBJECTION)


def _ask_reason(args: Args, position: Position) -> None:
    deps: Deps = args.context["deps"]
    who = where(args.body)
    assert who.user_id
    round_id = RoundValue.parse(args.action.get("value")).round_id
    brief = consent.answerable(
        deps.sessions, team_id=who.team_id, round_id=round_id, user_id=who.user_id,
        now=deps.clock(),
    )  # fmt: skip
    meta = ReasonMeta(
        round_id=round_id, position=position, channel_id=who.channel_id or brief.channel_id,
        response_url=response_url(args.body), dm=dm_message(args.body, ids.BLOCK_NUDGE_ACTIONS),
        home=home.from_home(args.body),
    )  # fmt: skip
    m = messages_for(args)
    purpose = circle_domain.purpose_of(
        deps.sessions, team_id=who.team_id, channel_id=brief.channel_id
    )
    view = views.reason_modal(m, brief, position, meta.model_dump_json(), purpose)
    if not open_modal(args.client, args.body["trigger_id"], view):
        tell(args, views.slow_form(m))


def answer_with_reason(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """Store the concern or objection with its reason, then close the form."""
    who = where(body)
    assert who.user_id
    meta = metadata(view, ReasonMeta)
    if meta is None:
        raise ValueError("the reason form carries no state")
    brief = consent.answer(
        deps.sessions, team_id=who.team_id, round_id=meta.round_id, user_id=who.user_id,
        position=meta.position, reason=Form(view).text(ids.IN_REASON), now=deps.clock(),
    )  # fmt: skip
    ack()
    reminder = meta.dm if meta.dm and meta.dm[0].startswith("D") else None  # only ever a DM
    context[ANSWERED] = Answered(meta.position, brief, meta.channel_id, reminder, home=meta.home)


def confirm(
    body: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps, args: Args
) -> None:
    """Tell the person their answer is recorded (through the button's response_url, the one
    the reason form carries); the round's message catches up."""
    done: Answered | None = context.get(ANSWERED)
    if done is None:
        return
    who = where(body)
    assert who.user_id
    m = deps.people.user_messages(client, who.team_id, who.user_id)
    text = views.answer_recorded(m, done.position, done.brief)
    if not home.refresh_if_home(deps, client, body, text, home=done.home):
        tell(args, text, channel=done.channel_id)
    if done.dm is not None:  # the reminder shows the answer, its buttons gone
        update_message(client, *done.dm, *views.nudge_answered(m, done.position, done.brief))
    kick_soon(deps, urgent=done.brief.complete)


def watch_opening(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """The "tell me when answers open" button: stored, then acknowledged."""
    who = where(body)
    assert who.user_id
    brief = consent.watch_opening(
        deps.sessions, team_id=who.team_id, round_id=RoundValue.parse(action.get("value")).round_id,
        user_id=who.user_id, now=deps.clock(),
    )  # fmt: skip
    ack()
    context[WATCHING] = brief


def confirm_watching(context: BoltContext, args: Args) -> None:
    """Tell the person they will get a DM when answers open."""
    brief: consent.RoundBrief | None = context.get(WATCHING)
    if brief is not None:
        tell(args, views.watching(messages_for(args), brief))


# ---------------------------------------------------------------- reactions


def record_reaction(
    ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """Store the answer a reaction on a round's message gives (or withdraws); others mean nothing."""
    item = event.get("item") or {}
    user, channel, ts = event.get("user"), item.get("channel"), item.get("ts")
    if item.get("type") == "message" and user and channel and ts:
        context[REACTED] = _record(deps, where(body).team_id, user, channel, ts, event)
    ack()


def _record(
    deps: Deps, team_id: str, user: str, channel: str, ts: str, event: dict[str, Any]
) -> Reacted | None:
    reaction = event.get("reaction") or ""
    if reaction not in REACTIONS:
        return None
    round_id = consent.round_at_message(deps.sessions, team_id=team_id, channel_id=channel, ts=ts)
    if round_id is None:
        return None
    if event.get("type") == "reaction_removed":
        withdrawn = consent.withdraw_reaction(
            deps.sessions, team_id=team_id, round_id=round_id, user_id=user, reaction=reaction,
            now=deps.clock(),
        )  # fmt: skip
        return Reacted(None, None, channel, user) if withdrawn else None
    given = consent.answer_by_reaction(
        deps.sessions, team_id=team_id, round_id=round_id, user_id=user, reaction=reaction,
        now=deps.clock(),
    )  # fmt: skip
    if given is None:
        return None
    return Reacted(
        given.brief, REACTIONS[reaction], channel, user, given.counted, reaction, given.too_early
    )


def follow_up_reaction(
    body: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """After a reaction: ask a raised hand for its reason; the round's message catches up."""
    done: Reacted | None = context.get(REACTED)
    if done is None:
        return
    if done.brief is None:
        kick(deps)
        return
    if not done.counted:
        _say_not_counted(deps, client, where(body).team_id, done)
        return
    if done.position is Position.OBJECTION_STARTED:
        _ask_for_the_reason(deps, client, where(body).team_id, done)
    kick_soon(deps, urgent=done.brief.complete)


def _ask_for_the_reason(deps: Deps, client: WebClient, team_id: str, done: Reacted) -> None:
    assert done.brief is not None
    m = deps.people.user_messages(client, team_id, done.user_id)
    text, blocks = views.ask_reason(m, done.brief)
    # A reaction is an event: no response_url, so ephemeral, else a DM.
    if not reply(
        client, response_url=None, allowed=(), channel=done.channel_id, user=done.user_id,
        text=text, blocks=blocks,
    ):  # fmt: skip
        dm(client, done.user_id, text, blocks)


def _say_not_counted(deps: Deps, client: WebClient, team_id: str, done: Reacted) -> None:
    """A reaction that did not count: answers are hidden (and a reaction is seen by all), or
    they are not open yet."""
    assert done.brief is not None
    m = deps.people.user_messages(client, team_id, done.user_id)
    say = views.reaction_too_early if done.too_early else views.reaction_not_counted
    text, blocks = say(m, done.brief, done.reaction)
    # A reaction is an event: no response_url, so ephemeral, else a DM.
    if not reply(
        client, response_url=None, allowed=(), channel=done.channel_id, user=done.user_id,
        text=text, blocks=blocks,
    ):  # fmt: skip
        dm(client, done.user_id, text, blocks)
