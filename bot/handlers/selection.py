"""`/role select <name>`: select someone for a role by consent, S3's way, asynchronously:
hidden nominations with reasons, the reveal, a change round, then the starter proposes a
nominee and the circle (and the nominee) decide by consent.

Registered before `/role` itself, so `select …` reaches this listener first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.blocks import consent as consent_views
from bot.blocks import ids
from bot.blocks import roles as role_views
from bot.blocks import selection as views
from bot.delivery import home, opened
from bot.deps import Deps
from bot.domain import roles as role_rules
from bot.domain import selection as rules
from bot.domain.errors import StaleRequest
from bot.domain.selection import Phase
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, metadata, request_key, response_url, where
from bot.runtime.replies import open_modal
from bot.scheduler import kick
from bot.services import meeting, roles, selection

SELECT_WORDS = {"select", "kies", "selecteer"}
STORED = "s3bot_selection_stored"  # context: what the ack stored, for the part after it
FROM_HOME = "s3bot_selection_from_home"  # context: the form was opened on the Home tab


def asks_to_select(command: dict[str, Any]) -> bool:
    """A listener matcher: `/role select <name>`."""
    first = (command.get("text") or "").split(maxsplit=1)
    return (
        command.get("command") == ids.CMD_ROLE and bool(first) and first[0].lower() in SELECT_WORDS
    )


def register(app: App) -> None:
    """Wire `/role select`, its three forms and the buttons on its messages."""
    on(app.command(ids.CMD_ROLE, matchers=[asks_to_select]), lazy=(open_start,))
    on(app.action(ids.ACT_SEL_OPEN), lazy=(open_from_button,))
    on(app.view(ids.CB_SEL_START), ack=start, lazy=(confirm,))
    on(app.action(ids.ACT_SEL_NOMINATE), lazy=(open_nominate,))
    on(app.view(ids.CB_SEL_NOMINATE), ack=nominate, lazy=(confirm,))
    on(app.action(ids.ACT_SEL_PROPOSE), lazy=(open_propose,))
    on(app.view(ids.CB_SEL_PROPOSE), ack=propose, lazy=(post_round,))


def _show_form(args: Args, view: dict[str, Any]) -> None:
    if not open_modal(args.client, args.body["trigger_id"], view):
        tell(args, consent_views.slow_form(messages_for(args)))


def _require_member(deps: Deps, client: WebClient, team_id: str, channel_id: str,
                    user_id: str) -> None:  # fmt: skip
    if not deps.people.channels.includes_now(client, team_id, channel_id, user_id):
        raise role_rules.NotAMember(channel_id)


def _local(deps: Deps, client: WebClient, team_id: str, user_id: str) -> datetime:
    return deps.clock().astimezone(deps.people.zone(client, team_id, user_id))


# ---------------------------------------------------------------- starting


def open_start(args: Args, command: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """The form that starts a selection: who nominates (the channel's people), until when."""
    who = where(command)
    team_id, channel_id = who.team_id, who.channel_id or ""
    name = " ".join((command.get("text") or "").split()[1:])
    if not name:
        tell(args, role_views.role_usage(messages_for(args)))
        return
    detail = roles.detail(deps.sessions, team_id=team_id, channel_id=channel_id, name=name)
    _open_for(args, deps, client, who.user_id or "", detail, response_url(command))


def open_from_button(args: Args, body: dict[str, Any], action: dict[str, Any],
                     client: WebClient, deps: Deps) -> None:  # fmt: skip
    """ "Start the selection" under a term-ending or vacancy notice: the same form."""
    value = action.get("value") or ""
    if not value.isdigit():
        raise StaleRequest()
    who = where(body)
    detail = roles.detail_by_id(deps.sessions, team_id=who.team_id, role_id=int(value))
    _open_for(args, deps, client, who.user_id or "", detail, response_url(body))


def _open_for(args: Args, deps: Deps, client: WebClient, user_id: str,
              detail: role_rules.RoleDetail, reply_url: str | None) -> None:  # fmt: skip
    team_id, channel_id = where(args.body).team_id, detail.summary.channel_id
    if detail.status != role_rules.RoleStatus.ACTIVE.value:
        raise role_rules.RoleNotActive(detail.summary.name)
    for under_way in selection.open_in_channel(
        deps.sessions, team_id=team_id, channel_id=channel_id
    ):
        if under_way.role_id == detail.summary.id:
            raise rules.SelectionAlreadyOpen(under_way.channel_id, under_way.message_ts)
    _require_member(deps, client, team_id, channel_id, user_id)
    bot_user = deps.people.bot_user_id(client, team_id)
    people = sorted(
        u for u in deps.people.channels.of(client, team_id, channel_id) if u != bot_user
    )
    now = _local(deps, client, team_id, user_id)
    meta = views.StartMeta(channel_id=channel_id, role_id=detail.summary.id,
                           response_url=reply_url)  # fmt: skip
    _show_form(args, views.start_modal(
        messages_for(args), meta, role_name=detail.summary.name,
        purpose=detail.fields.purpose or None, people=people,
        nominate_until=now + timedelta(hours=selection.NOMINATE_HOURS),
        change_until=now + timedelta(hours=selection.NOMINATE_HOURS + selection.CHANGE_HOURS),
    ))  # fmt: skip


def start(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
          deps: Deps, args: Args) -> None:  # fmt: skip
    """Store the selection and its participants (its message queued), then close the form.

    The channel and role the form carries are hints: the starter must be a member of the
    channel now, and the role an active one of that channel in this workspace.
    """
    who = where(body)
    meta = metadata(view, views.StartMeta)
    if meta is None or not who.user_id:
        raise StaleRequest()
    _require_member(deps, args.client, who.team_id, meta.channel_id, who.user_id)
    form, now = Form(view), deps.clock()
    until, change = form.moment(ids.IN_SEL_NOMINATE_UNTIL), form.moment(ids.IN_SEL_CHANGE_UNTIL)
    if until is None or change is None:
        raise rules.SelectionDeadlines()
    role = meta.role_id if meta.role_id is not None else form.selected(ids.IN_SEL_ROLE)
    if role is None or not str(role).isdigit():
        raise StaleRequest()
    if meta.meeting_id is not None and meta.item_id is not None:
        _, ov = meeting.start_selection(
            deps.sessions, team_id=who.team_id, meeting_id=meta.meeting_id, user_id=who.user_id,
            seen_step=meta.meeting_step or 0, role=int(role),
            seen=meeting.ItemSeen(meta.item_id, meta.item_status, meta.item_next_step,
                                  meta.item_due),
            participants=form.users(ids.IN_SEL_PEOPLE), now=now,
            nominate_hours=(until - now).total_seconds() / 3600,
            change_hours=(change - until).total_seconds() / 3600,
        )  # fmt: skip
        ack()
        context[STORED] = views.started(deps.people.cached_messages(who.team_id, who.user_id),
                                        ov.role_name)  # fmt: skip
        return
    ov = selection.start(
        deps.sessions, team_id=who.team_id, channel_id=meta.channel_id, role=int(role),
        started_by=who.user_id, participants=form.users(ids.IN_SEL_PEOPLE), now=now,
        nominate_hours=(until - now).total_seconds() / 3600,
        change_hours=(change - until).total_seconds() / 3600, item_id=meta.item_id,
    )  # fmt: skip
    ack()
    context[STORED] = views.started(deps.people.cached_messages(who.team_id, who.user_id),
                                    ov.role_name)  # fmt: skip


def confirm(args: Args, context: BoltContext, deps: Deps) -> None:
    """Tell the person what was stored, and send what it queued now."""
    text = context.get(STORED)
    if text is None:
        return
    if not home.refresh_if_home(deps, args.client, args.body, text,
                                home=bool(context.get(FROM_HOME))):  # fmt: skip
        tell(args, text)
    kick(deps)


# ---------------------------------------------------------------- nominating


def _selection_id(action: dict[str, Any]) -> int:
    value = action.get("value") or ""
    if not value.isdigit():
        raise StaleRequest()
    return int(value)


def open_nominate(args: Args, body: dict[str, Any], action: dict[str, Any], deps: Deps) -> None:
    """The nomination form, for a participant while nominations or changes are open."""
    who = where(body)
    ov = selection.overview(deps.sessions, team_id=who.team_id,
                            selection_id=_selection_id(action), viewer_id=who.user_id)  # fmt: skip
    if who.user_id not in ov.participants:
        raise rules.NotAParticipant()
    if ov.phase not in (Phase.NOMINATING, Phase.CHANGING):
        raise rules.NominationClosed(ov.change_until)
    meta = views.SelectionMeta(selection_id=ov.id, response_url=response_url(body),
                               home=home.from_home(body))  # fmt: skip
    _show_form(args, views.nominate_modal(messages_for(args), ov, meta))


def _check_person(deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
    """The nominee is a person of this workspace (from the cache when known)."""
    info = deps.people.cached(team_id, user_id) or deps.people.user_info(client, team_id, user_id)
    if not info or info.get("is_bot") or info.get("deleted"):
        raise rules.NotAPerson(user_id)


def nominate(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
             deps: Deps, args: Args) -> None:  # fmt: skip
    """Store the nomination (the latest counts), then close the form."""
    who = where(body)
    meta = metadata(view, views.SelectionMeta)
    if meta is None or not who.user_id:
        raise StaleRequest()
    form = Form(view)
    passes = "pass" in form.selected_all(ids.IN_SEL_PASS)
    nominee = None if passes else form.user(ids.IN_SEL_NOMINEE)
    if not passes and nominee is None:
        raise rules.NomineeRequired()
    if nominee is not None:
        _check_person(deps, args.client, who.team_id, nominee)
    ov = selection.nominate(
        deps.sessions, team_id=who.team_id, selection_id=meta.selection_id, user_id=who.user_id,
        nominee_id=nominee, reason=form.text(ids.IN_SEL_REASON), now=deps.clock(),
    )  # fmt: skip
    ack()
    context[STORED] = views.nominated(deps.people.cached_messages(who.team_id, who.user_id), ov)
    context[FROM_HOME] = meta.home


# ---------------------------------------------------------------- proposing a nominee


def open_propose(args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                 deps: Deps) -> None:  # fmt: skip
    """The propose form, for the starter once the nominations are revealed."""
    who = where(body)
    ov = selection.overview(deps.sessions, team_id=who.team_id,
                            selection_id=_selection_id(action), viewer_id=who.user_id)  # fmt: skip
    if who.user_id != ov.started_by:
        raise rules.NotTheStarter(ov.started_by)
    if ov.revealed_at is None:
        raise rules.NominationsStillHidden()
    if ov.phase not in (Phase.CHANGING, Phase.PROPOSING):
        raise rules.NotProposing()
    meta = views.SelectionMeta(selection_id=ov.id, response_url=response_url(body))
    deadline = _local(deps, client, who.team_id, who.user_id or "") + selection.CONSENT_FOR
    _show_form(args, views.propose_modal(messages_for(args), ov, meta, deadline))


def propose(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
            deps: Deps, args: Args) -> None:  # fmt: skip
    """Open the consent round on the nominee (stored), then close the form."""
    who = where(body)
    meta = metadata(view, views.SelectionMeta)
    if meta is None or not who.user_id:
        raise StaleRequest()
    form = Form(view)
    nominee = form.user(ids.IN_SEL_NOMINEE)
    if nominee is None:
        raise rules.NomineeRequired()
    _check_person(deps, args.client, who.team_id, nominee)
    m = deps.people.cached_messages(who.team_id, who.user_id)
    ov = selection.overview(deps.sessions, team_id=who.team_id,
                            selection_id=meta.selection_id, viewer_id=who.user_id)  # fmt: skip
    term = role_views.term_label(m, ov.term_months, ov.term_until)

    def name(user_id: str) -> str:  # from the cache: no Slack call before the commit
        info = deps.people.cached(who.team_id, user_id) or {}
        profile = info.get("profile") or {}
        return profile.get("display_name") or info.get("real_name") or info.get("name") or user_id

    title, text = views.nominee_round(m, ov, nominee, term, name)
    round_ = selection.propose(
        deps.sessions, team_id=who.team_id, selection_id=meta.selection_id, user_id=who.user_id,
        nominee_id=nominee, now=deps.clock(),
        today=deps.people.cached_today(who.team_id, who.user_id, deps.clock()), text=text,
        title=title, deadline=form.moment(ids.IN_DEADLINE), request_key=request_key(body),
    )  # fmt: skip
    ack()
    context[opened.OPENED] = round_


def post_round(args: Args, client: WebClient, context: BoltContext, deps: Deps) -> None:
    """Post the round on the nominee, now that the form has closed."""
    opened.post_opened(args, deps, client, context.get(opened.OPENED))
