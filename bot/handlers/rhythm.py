"""The governance meeting rhythm: `/tension meeting` (the cadence form) and `/tension agenda`.

Bolt routes `/tension meeting` to `on_meeting_command` and `/tension agenda` to
`on_agenda_command` (matched on the command's text), after the ack, in the pool.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel
from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import errors, ids
from bot.blocks import rhythm as views
from bot.blocks.backlog import asks
from bot.blocks.meeting import asks as meeting_asks
from bot.blocks.meeting import stopped
from bot.delivery import outbox
from bot.deps import Deps
from bot.domain import meeting as meeting_rules
from bot.domain import rhythm as rules
from bot.domain.backlog import FormExpired
from bot.domain.errors import DomainError, StaleRequest
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, Where, metadata, request_key, response_url, where
from bot.runtime.replies import open_modal
from bot.services import rhythm

log = logging.getLogger(__name__)

CADENCE_FIELDS = [
    ids.IN_MEETING_EVERY[0],
    ids.IN_MEETING_WEEKDAY[0],
    ids.IN_MEETING_TIME[0],
    ids.IN_MEETING_FIRST[0],
    ids.IN_MEETING_DURATION[0],
]
STOPPED = "s3bot_meetings_stopped"


class MeetingMeta(BaseModel):
    """State carried through the cadence form."""

    channel_id: str
    tz: str
    response_url: str | None = None  # a hint to reply through (replies.reply), never trusted


def register(app: App) -> None:
    """Wire `/meeting settings` and `/meeting agenda` (and their older names `/tension meeting`
    and `/tension agenda`) and the cadence form's submission."""
    on(app.command(ids.CMD_TENSION, matchers=[asks("meeting")]), lazy=(on_meeting_command,))
    on(app.command(ids.CMD_TENSION, matchers=[asks("agenda")]), lazy=(on_agenda_command,))
    on(
        app.command(ids.CMD_MEETING, matchers=[meeting_asks("settings")]),
        lazy=(on_meeting_command,),
    )
    on(app.command(ids.CMD_MEETING, matchers=[meeting_asks("agenda")]), lazy=(on_agenda_command,))
    on(app.view(ids.CB_MEETING_MODAL), ack=submit_cadence, lazy=(announce,))


def _number(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def require_member(deps: Deps, client: WebClient, who: Where, channel_id: str) -> None:
    """Only the channel's members set its cadence (the one place this is checked)."""
    members = deps.people.channels.of(client, who.team_id, channel_id)
    rules.require_member(members, who.user_id or "", channel_id)


def on_meeting_command(command: dict[str, Any], client: WebClient, deps: Deps, args: Args) -> None:
    """`/tension meeting`: open the cadence form for a channel member; refuse anyone else."""
    who = where(command)
    channel_id = who.channel_id or ""
    require_member(deps, client, who, channel_id)
    tz = deps.people.timezone(client, who.team_id, who.user_id or "")
    current = rhythm.get_cadence(deps.sessions, team_id=who.team_id, channel_id=channel_id)
    first_on = None
    if current is not None and current.cadence.every_weeks >= 2:
        upcoming = rhythm.upcoming_meeting(
            deps.sessions, team_id=who.team_id, channel_id=channel_id, now=deps.clock()
        )
        first_on = upcoming.astimezone(rules.zone(current.cadence.tz)).date() if upcoming else None
    modal = views.cadence_modal(
        messages_for(args),
        metadata=MeetingMeta(
            channel_id=channel_id, tz=tz, response_url=response_url(command)
        ).model_dump_json(),
        channel_id=channel_id,
        tz=tz,
        current=current,
        first_on=first_on,
    )
    if not open_modal(client, command["trigger_id"], modal):
        raise FormExpired()


def on_agenda_command(command: dict[str, Any], client: WebClient, deps: Deps, args: Args) -> None:
    """`/tension agenda`: post the agenda of the next governance meeting in the channel now."""
    who = where(command)
    channel_id = who.channel_id or ""
    found = rhythm.agenda(
        deps.sessions, team_id=who.team_id, channel_id=channel_id, now=deps.clock()
    )
    text, blocks = views.agenda_message(deps.people.workspace_messages(who.team_id), found)
    try:
        client.chat_postMessage(channel=channel_id, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.info("agenda not posted in %s: %s", channel_id, exc.response.get("error"))
        tell(args, views.cannot_post(messages_for(args)))


def submit_cadence(
    ack: Ack,
    body: dict,
    view: dict,
    client: WebClient,
    context: BoltContext,
    deps: Deps,
    args: Args,
) -> None:
    """Store the channel's meeting rhythm, or say on the form what is refused."""
    who = where(body)
    meta = metadata(view, MeetingMeta)
    if meta is None:
        raise StaleRequest()
    form = Form(view)
    if form.selected_all(ids.IN_MEETING_STOP):
        require_member(deps, client, who, meta.channel_id)
        rhythm.stop_meetings(
            deps.sessions, team_id=who.team_id, channel_id=meta.channel_id, now=deps.clock(),
            request_key=request_key(body),
        )  # fmt: skip
        ack()
        context[STOPPED] = meta.channel_id
        return
    every = _number(form.selected(ids.IN_MEETING_EVERY))
    weekday = _number(form.selected(ids.IN_MEETING_WEEKDAY))
    at = form.time(ids.IN_MEETING_TIME) or ""
    problems = rules.cadence_problems(every, weekday, at, meta.tz)
    first_on = form.date(ids.IN_MEETING_FIRST)
    if not problems and rules.sets_first_meeting(every, first_on):
        assert every is not None and weekday is not None and first_on is not None
        try:
            cadence = rules.check_cadence(every, weekday, at, meta.tz)
            rules.first_meeting(first_on, cadence, deps.clock())
        except DomainError as exc:
            problems.append(exc)
    duration: int | None = None
    try:
        duration = meeting_rules.parse_duration(form.text(ids.IN_MEETING_DURATION))
    except DomainError as exc:
        problems.append(exc)
    if problems:
        m = messages_for(args)
        ack(response_action="errors", errors=errors.field_errors(m, problems, CADENCE_FIELDS))
        return
    require_member(deps, client, who, meta.channel_id)
    assert every is not None and weekday is not None
    now = deps.clock()
    context["cadence"] = rhythm.set_cadence(
        deps.sessions,
        team_id=who.team_id,
        channel_id=meta.channel_id,
        every_weeks=every,
        weekday=weekday,
        time=at,
        tz=meta.tz,
        now=now,
        actor=who.user_id,
        request_key=request_key(body),
        duration_minutes=duration,
        facilitator_id=form.user(ids.IN_MEETING_FACILITATOR),
        secretary_id=form.user(ids.IN_MEETING_SECRETARY),
        first_on=first_on,
    )
    ack()
    context["cadence_saved_at"] = now


def announce(body: dict, client: WebClient, context: BoltContext, deps: Deps, args: Args) -> None:
    """Tell the channel its meeting rhythm now; the person alone (through the response_url
    the form carries) if the bot may not post."""
    if STOPPED in context:
        tell(args, stopped(messages_for(args), context[STOPPED]))
        return
    saved: rhythm.CadenceView | None = context.get("cadence")
    if saved is None:
        return
    who = where(body)
    key = rhythm.cadence_notice_key(saved.channel_id, context["cadence_saved_at"])
    told = outbox.deliver_key(deps, who.team_id, key)
    if told.outcome is outbox.Outcome.UNDELIVERABLE:
        m = deps.people.user_messages(client, who.team_id, who.user_id or "")
        tell(args, views.cannot_post(m), channel=saved.channel_id)
