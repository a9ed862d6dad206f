"""`/meeting`: the governance meeting run in a channel's thread.

`/meeting` shows the rhythm and the next meeting; `/meeting start`, the controls in the
thread (I'm here, record outcome, next item, skip) and `/meeting end` run it; `/meeting
minutes [YYYY-MM-DD]` shows its minutes. `/meeting settings` and `/meeting agenda` are
handlers.rhythm's. Every change is stored before the ack; what the channel sees follows
from the outbox.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, timedelta
from typing import Any

from pydantic import BaseModel
from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import ids
from bot.blocks import meeting as views
from bot.blocks import selection as selection_views
from bot.blocks.drivers import passed_on_notice
from bot.blocks.rhythm import cannot_post
from bot.blocks.values import MeetingStepValue
from bot.delivery import outbox
from bot.deps import Deps
from bot.domain import meeting as rules
from bot.domain.backlog import BotNotInChannel, FormExpired, NextStep
from bot.domain.errors import StaleRequest
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, Where, metadata, request_key, response_url, where
from bot.runtime.replies import open_modal
from bot.services import backlog, meeting, roles, selection

log = logging.getLogger(__name__)

STARTED = "s3bot_meeting_started"
ENDED = "s3bot_meeting_ended"
MOVED = "s3bot_meeting_moved"
CHECKED_IN = "s3bot_meeting_checked_in"
MORE_TIME = "s3bot_meeting_more_time"
CLOSING = "s3bot_meeting_closing"
EVALUATED = "s3bot_meeting_evaluated"
PASSED = "s3bot_meeting_passed_on"
MORE_TIME_BY_ACTION = {ids.ACT_MEETING_MORE_5: 5, ids.ACT_MEETING_MORE_10: 10}


class OutcomeMeta(BaseModel):
    """State carried through the outcome form: the step and the item as the meeting showed it."""

    meeting_id: int
    step: int
    item_id: int
    status: str | None = None
    next_step: str | None = None
    due_date: date | None = None
    response_url: str | None = None  # a hint to reply through (replies.reply), never trusted


class EvaluationMeta(BaseModel):
    """State carried through the evaluation form: which meeting (a hint, checked at submit)."""

    meeting_id: int
    channel_id: str
    response_url: str | None = None  # a hint to reply through (replies.reply), never trusted


def register(app: App) -> None:
    """Wire `/meeting` and the meeting's controls."""
    on(app.command(ids.CMD_MEETING, matchers=[views.asks("start")]), ack=start, lazy=(announce,))
    on(app.command(ids.CMD_MEETING, matchers=[views.asks("end")]), ack=end, lazy=(post_minutes,))
    on(app.command(ids.CMD_MEETING, matchers=[views.asks("minutes")]), lazy=(show_minutes,))
    on(app.command(ids.CMD_MEETING, matchers=[views.asks("show")]), lazy=(show_overview,))
    on(app.action(ids.ACT_MEETING_HERE), ack=check_in, lazy=(confirm_check_in,))
    on(app.action(ids.ACT_MEETING_NEXT), ack=next_item, lazy=(post_step,))
    on(app.action(ids.ACT_MEETING_SKIP), ack=skip_item, lazy=(post_step,))
    on(app.action(ids.ACT_MEETING_OUTCOME), lazy=(open_outcome,))
    on(app.view(ids.CB_MEETING_OUTCOME), ack=submit_outcome, lazy=(post_step, tell_passed_on))
    on(app.action(ids.ACT_MEETING_MORE_5), ack=more_time, lazy=(show_more_time,))
    on(app.action(ids.ACT_MEETING_MORE_10), ack=more_time, lazy=(show_more_time,))
    on(app.action(ids.ACT_MEETING_CLOSING), ack=closing, lazy=(post_closing,))
    on(app.action(ids.ACT_MEETING_EVALUATE), lazy=(open_evaluation,))
    on(app.view(ids.CB_MEETING_EVALUATION), ack=submit_evaluation, lazy=(confirm_evaluation,))
    on(app.event("message"), ack=check_in_from_thread)


# ---------------------------------------------------------------- commands


def show_overview(command: dict[str, Any], deps: Deps, args: Args) -> None:
    """`/meeting`: the rhythm, the next meeting and the one running, only to the person."""
    who = where(command)
    seen = meeting.overview(
        deps.sessions, team_id=who.team_id, channel_id=who.channel_id or "", now=deps.clock()
    )
    tell(args, *views.overview(messages_for(args), seen))


def start(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """`/meeting start`: open the meeting (stored before the ack), its message queued."""
    who = where(command)
    channel_id, user_id = who.channel_id or "", who.user_id or ""
    is_member = deps.people.channels.includes_now(client, who.team_id, channel_id, user_id)
    context[STARTED] = meeting.start(
        deps.sessions,
        team_id=who.team_id,
        channel_id=channel_id,
        user_id=user_id,
        is_member=is_member,
        tz=deps.people.timezone(client, who.team_id, user_id),
        now=deps.clock(),
        request_key=request_key(command),
    )
    ack()


def announce(context: BoltContext, deps: Deps, args: Args) -> None:
    """Post the meeting's message and check-in now; tell the starter."""
    view = context.get(STARTED)
    if view is None:
        return
    told = outbox.deliver_key(deps, view.team_id, meeting.started_key(view.id))
    m = messages_for(args)
    if told.outcome is outbox.Outcome.UNDELIVERABLE:
        tell(args, cannot_post(m))
    else:
        tell(args, views.started(m))


def end(ack: Ack, command: dict[str, Any], context: BoltContext, deps: Deps) -> None:
    """`/meeting end`: the facilitator closes the meeting; its minutes are stored and queued."""
    who = where(command)
    context[ENDED] = meeting.end(
        deps.sessions,
        team_id=who.team_id,
        channel_id=who.channel_id or "",
        user_id=who.user_id or "",
        now=deps.clock(),
    )
    ack()


def post_minutes(context: BoltContext, deps: Deps, args: Args) -> None:
    """Post the minutes in the channel now; tell the facilitator."""
    view = context.get(ENDED)
    if view is None:
        return
    outbox.deliver_key(deps, view.team_id, meeting.minutes_key(view.id))
    tell(args, views.ended(messages_for(args)))


def show_minutes(command: dict[str, Any], deps: Deps, args: Args) -> None:
    """`/meeting minutes [YYYY-MM-DD]`: the last (or that day's) minutes, only to the person."""
    who = where(command)
    words = (command.get("text") or "").split()
    day = rules.parse_minutes_date(words[1]) if len(words) > 1 else None
    view = meeting.minutes(
        deps.sessions, team_id=who.team_id, channel_id=who.channel_id or "", day=day
    )
    tell(args, *views.minutes_message(messages_for(args), view))


# ---------------------------------------------------------------- the controls in the thread


def _control(action: dict[str, Any]) -> MeetingStepValue:
    return MeetingStepValue.parse(action.get("value"))


def check_in(ack: Ack, body: dict, action: dict, context: BoltContext, deps: Deps) -> None:
    """ "I'm here": recorded as present, before the ack."""
    who = where(body)
    value = _control(action)
    context[CHECKED_IN] = meeting.check_in(
        deps.sessions,
        team_id=who.team_id,
        meeting_id=value.meeting_id,
        user_id=who.user_id or "",
        now=deps.clock(),
    )
    ack()


def confirm_check_in(context: BoltContext, args: Args) -> None:
    """Tell the person they are checked in."""
    if CHECKED_IN in context:
        tell(args, views.checked_in(messages_for(args), context[CHECKED_IN]))


def _move(ack: Ack, body: dict, action: dict, context: BoltContext, deps: Deps, skip: bool) -> None:
    who = where(body)
    value = _control(action)
    context[MOVED] = meeting.move_on(
        deps.sessions,
        team_id=who.team_id,
        meeting_id=value.meeting_id,
        user_id=who.user_id or "",
        seen_step=value.step,
        skip=skip,
        now=deps.clock(),
    )
    ack()


def next_item(ack: Ack, body: dict, action: dict, context: BoltContext, deps: Deps) -> None:
    """ "Next item" (the facilitator): on to the next item, once however many press it."""
    _move(ack, body, action, context, deps, skip=False)


def skip_item(ack: Ack, body: dict, action: dict, context: BoltContext, deps: Deps) -> None:
    """ "Skip" (the facilitator): the item is recorded as skipped; on to the next."""
    _move(ack, body, action, context, deps, skip=True)


def post_step(context: BoltContext, deps: Deps) -> None:
    """Post what the meeting takes up now in its thread (the sweep retries a refusal)."""
    view = context.get(MOVED)
    if view is not None:
        outbox.deliver_key(deps, view.team_id, meeting.step_key(view.id, view.step))


def open_outcome(body: dict, action: dict, client: WebClient, deps: Deps, args: Args) -> None:
    """ "Record outcome" (the facilitator): the form, for the item as the meeting shows it."""
    who = where(body)
    value = _control(action)
    view, item = meeting.item_for_outcome(
        deps.sessions, team_id=who.team_id, meeting_id=value.meeting_id, user_id=who.user_id or "",
        seen_step=value.step, item_id=value.item_id or 0,
    )  # fmt: skip
    meta = OutcomeMeta(
        meeting_id=view.id,
        step=view.step,
        item_id=item.id,
        status=item.status.value,
        next_step=item.next_step.value if item.next_step else None,
        due_date=item.due_date,
        response_url=response_url(body),
    )
    contested = meeting.is_contested(deps.sessions, team_id=who.team_id, item_id=item.id)
    modal = views.outcome_modal(
        messages_for(args), item, meta.model_dump_json(), contested=contested
    )
    if not open_modal(client, body["trigger_id"], modal):
        raise FormExpired()


def submit_outcome(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """Record the outcome (the backlog's rules) and move on; refused when the item changed.
    "Select someone for a role" turns the form into the selection's (when the circle has
    roles); passing on needs the bot in the receiving channel."""
    who = where(body)
    meta = metadata(view, OutcomeMeta)
    if meta is None:
        raise StaleRequest()
    form = Form(view)
    step = form.selected(ids.IN_OUTCOME_STEP)
    next_step = NextStep(step) if step in set(NextStep) else None
    reason = (form.text(ids.IN_OUTCOME_REASON) or "").strip() or None
    pass_to = form.conversation(ids.IN_OUTCOME_PASS)
    resolved = bool(form.selected_all(ids.IN_OUTCOME_RESOLVED))
    rules.require_outcome(next_step, reason, pass_to, resolved)
    if pass_to and not deps.people.reach.of(client, who.team_id, pass_to, fresh=True).postable:
        raise BotNotInChannel(pass_to)
    if next_step is NextStep.SELECT and not (reason or pass_to or resolved):
        selecting = _selection_form(deps, client, who, meta)
        if selecting is not None:
            ack(response_action="update", view=selecting)
            return
    context[MOVED] = meeting.record_outcome(
        deps.sessions,
        team_id=who.team_id,
        meeting_id=meta.meeting_id,
        user_id=who.user_id or "",
        seen_step=meta.step,
        seen=meeting.ItemSeen(meta.item_id, meta.status, meta.next_step, meta.due_date),
        next_step=next_step,
        due=form.date(ids.IN_OUTCOME_DUE),
        reason=reason,
        pass_to=pass_to,
        resolved=resolved,
        now=deps.clock(),
    )
    ack()
    if pass_to:
        context[PASSED] = (context[MOVED].channel_id, meta.item_id)


def _selection_form(deps: Deps, client: WebClient, who: Where, meta: OutcomeMeta) -> dict | None:
    """The selection's start form for one of the circle's roles, the item as its driver and
    the meeting's step carried; None when the circle has no role yet. Only cached people and
    zones: this runs before the ack."""
    found = meeting.load(deps.sessions, team_id=who.team_id, meeting_id=meta.meeting_id)
    channel_id = found.channel_id
    choices = [
        (r.id, r.name)
        for r in roles.list_roles(deps.sessions, team_id=who.team_id, channel_id=channel_id)
    ]
    if not choices:
        return None
    m = deps.people.cached_messages(who.team_id, who.user_id)
    zone = deps.people.cached_zone(who.team_id, who.user_id or "") or UTC
    bot_user = deps.people.bot_user_id(client, who.team_id)
    known = deps.people.channels.known(client, who.team_id, channel_id) or frozenset()
    until = deps.clock().astimezone(zone) + timedelta(hours=selection.NOMINATE_HOURS)
    start_meta = selection_views.StartMeta(
        channel_id=channel_id, item_id=meta.item_id, response_url=meta.response_url,
        meeting_id=meta.meeting_id, meeting_step=meta.step, item_status=meta.status,
        item_next_step=meta.next_step, item_due=meta.due_date,
    )  # fmt: skip
    return selection_views.start_modal(
        m, start_meta, role_name=None, purpose=None, roles=choices,
        people=sorted(u for u in known if u != bot_user), nominate_until=until,
        change_until=until + timedelta(hours=selection.CHANGE_HOURS),
    )  # fmt: skip


def tell_passed_on(body: dict, client: WebClient, context: BoltContext, deps: Deps) -> None:
    """Tell the receiving channel what the meeting passed on to it, and from where."""
    passed = context.get(PASSED)
    if passed is None:
        return
    source, item_id = passed
    who = where(body)
    item = backlog.get(deps.sessions, team_id=who.team_id, item_id=item_id)
    text = passed_on_notice(deps.people.workspace_messages(who.team_id), who.user_id or "",
                            source, item)  # fmt: skip
    try:
        client.chat_postMessage(channel=item.channel_id, text=text)
    except SlackApiError as exc:
        log.info("pass-on notice not posted in %s: %s", item.channel_id, exc.response.get("error"))


# ---------------------------------------------------------------- the item's time


def more_time(ack: Ack, body: dict, action: dict, context: BoltContext, deps: Deps) -> None:
    """ "More time" (the facilitator): 5 or 10 minutes added to the item, stored before the ack."""
    who = where(body)
    value = _control(action)
    context[MORE_TIME] = meeting.more_time(
        deps.sessions,
        team_id=who.team_id,
        meeting_id=value.meeting_id,
        user_id=who.user_id or "",
        seen_step=value.step,
        item_id=value.item_id or 0,
        minutes=MORE_TIME_BY_ACTION.get(action.get("action_id") or "", 0),
        now=deps.clock(),
    )
    ack()


def show_more_time(body: dict, client: WebClient, context: BoltContext, deps: Deps,
                   args: Args) -> None:  # fmt: skip
    """The item's message shows its new time (from what is stored); tell the facilitator."""
    view = context.get(MORE_TIME)
    if view is None:
        return
    ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
    if ts:
        text, blocks = views.step_message(deps.people.workspace_messages(view.team_id), view)
        try:
            client.chat_update(channel=view.channel_id, ts=ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.info("meeting %s item not updated: %s", view.id, exc.response.get("error"))
    tell(args, views.more_time_given(messages_for(args), view))


# ---------------------------------------------------------------- closing: evaluation, check-out


def closing(ack: Ack, body: dict, action: dict, context: BoltContext, deps: Deps) -> None:
    """ "Evaluate and check out" (the facilitator, past the last item): the closing step."""
    who = where(body)
    value = _control(action)
    context[CLOSING] = meeting.start_closing(
        deps.sessions,
        team_id=who.team_id,
        meeting_id=value.meeting_id,
        user_id=who.user_id or "",
        seen_step=value.step,
        now=deps.clock(),
    )
    ack()


def post_closing(context: BoltContext, deps: Deps) -> None:
    """Post the closing step in the thread now (the sweep retries a refusal)."""
    view = context.get(CLOSING)
    if view is not None:
        outbox.deliver_key(deps, view.team_id, meeting.closing_key(view.id))


def open_evaluation(body: dict, action: dict, client: WebClient, deps: Deps, args: Args) -> None:
    """ "Evaluate this meeting" (anyone): the form, while the meeting is open."""
    who = where(body)
    view = meeting.evaluation_form(
        deps.sessions, team_id=who.team_id, meeting_id=_control(action).meeting_id
    )
    meta = EvaluationMeta(
        meeting_id=view.id, channel_id=view.channel_id, response_url=response_url(body)
    )
    modal = views.evaluation_modal(messages_for(args), view, meta.model_dump_json())
    if not open_modal(client, body["trigger_id"], modal):
        raise FormExpired()


def submit_evaluation(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """Store the person's evaluation (their latest counts) before the ack; a rating is needed,
    and only the channel's members evaluate (checked now, not when the form opened)."""
    who = where(body)
    meta = metadata(view, EvaluationMeta)
    if meta is None:
        raise StaleRequest()
    form = Form(view)
    evaluation = rules.clean_evaluation(
        form.selected(ids.IN_EVAL_RATING),
        form.text(ids.IN_EVAL_MORE),
        form.text(ids.IN_EVAL_LESS),
        form.text(ids.IN_EVAL_KEEP),
    )
    user_id = who.user_id or ""
    found = meeting.load(deps.sessions, team_id=who.team_id, meeting_id=meta.meeting_id)
    is_member = deps.people.channels.includes_now(client, who.team_id, found.channel_id, user_id)
    context[EVALUATED] = meeting.evaluate(
        deps.sessions,
        team_id=who.team_id,
        meeting_id=found.id,
        user_id=user_id,
        is_member=is_member,
        evaluation=evaluation,
        now=deps.clock(),
    )
    ack()


def confirm_evaluation(context: BoltContext, args: Args) -> None:
    """Tell the person their evaluation is recorded."""
    if EVALUATED in context:
        tell(args, views.evaluated(messages_for(args)), channel=context[EVALUATED].channel_id)


# ---------------------------------------------------------------- replies in the thread


def check_in_from_thread(ack: Ack, event: dict[str, Any], body: dict, deps: Deps) -> None:
    """A person's reply in a running meeting's thread checks them in (stored before the ack)."""
    thread_ts, user = event.get("thread_ts"), event.get("user")
    person = not event.get("bot_id") and event.get("subtype") in (None, "thread_broadcast")
    if thread_ts and user and person and thread_ts != event.get("ts"):
        meeting.check_in_from_thread(
            deps.sessions,
            team_id=where(body).team_id,
            channel_id=event.get("channel") or "",
            thread_ts=str(thread_ts),
            user_id=str(user),
            now=deps.clock(),
        )
    ack()
