"""The governance backlog as a circle runs it: drivers, next steps, ranking, dismissing, passing on."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from typing import Any

from pydantic import BaseModel
from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import drivers as views
from bot.blocks import errors, ids
from bot.blocks import selection as selection_views
from bot.blocks.backlog import asks
from bot.blocks.text import readable
from bot.blocks.values import HomeValue, ItemMenuValue, PageValue
from bot.delivery import home, outbox, reach
from bot.deps import Deps
from bot.domain import backlog as rules
from bot.domain.backlog import ItemView, NextStep
from bot.domain.errors import StaleRequest
from bot.i18n import Messages
from bot.runtime.listeners import messages_for, on
from bot.runtime.payload import Form, Where, metadata, request_key, response_url, where
from bot.runtime.replies import open_modal, reply
from bot.services import backlog, roles, selection, structure, welcome

log = logging.getLogger(__name__)

DRIVER_FIELDS = [ids.IN_SITUATION[0], ids.IN_EFFECT[0]]
ITEM_MODALS = {
    "step": views.next_step_modal,
    "dismiss": views.dismiss_modal,
}
MOVES = ("up", "down", "top")


class DriverMeta(BaseModel):
    """State carried through the driver form."""

    channel_id: str
    item_id: int | None = None
    source_link: str | None = None
    response_url: str | None = None  # a hint to reply through (replies.reply), never trusted


class ItemMeta(BaseModel):
    """State carried through an item's forms."""

    item_id: int
    expected_rank: int | None = None
    channel_id: str | None = None
    response_url: str | None = None  # a hint to reply through (replies.reply), never trusted


def register(app: App) -> None:
    """Wire the driver form, the list's item menu and paging, the item forms and the shortcut."""
    on(app.command(ids.CMD_TENSION, matchers=[asks("form")]), lazy=(open_driver_form,))
    on(app.action(ids.ACT_JOIN_FOR_DRIVER), lazy=(join_then_describe,))
    on(app.view(ids.CB_DRIVER_MODAL), ack=submit_driver, lazy=(announce,))
    on(app.action(ids.ACT_PAGE_PREV), lazy=(turn_page,))
    on(app.action(ids.ACT_PAGE_NEXT), lazy=(turn_page,))
    on(app.action(ids.ACT_ITEM_MENU), ack=move_item, lazy=(item_menu,))
    on(app.view(ids.CB_NEXT_STEP_MODAL), ack=submit_next_step, lazy=(refresh_list,))
    on(app.view(ids.CB_POSITION_MODAL), ack=submit_position, lazy=(refresh_list,))
    on(app.view(ids.CB_DISMISS_MODAL), ack=submit_dismiss, lazy=(refresh_list,))
    on(app.view(ids.CB_PASS_ON_MODAL), ack=submit_pass_on, lazy=(tell_passed_on,))
    on(app.shortcut(ids.SHORTCUT_RAISE), lazy=(raise_from_message,))
    on(app.action(ids.ACT_HOME_RAISE), ack=home_welcome_used, lazy=(raise_from_home,))


# ---------------------------------------------------------------- shared steps


def require_member(deps: Deps, client: WebClient, who: Where, channel_id: str) -> None:
    """Only the circle's members change its backlog (the one place this is checked)."""
    if not deps.people.channels.includes_now(client, who.team_id, channel_id, who.user_id or ""):
        rules.require_member(frozenset(), who.user_id or "", channel_id)


def open_form(client: WebClient, trigger_id: str, view: dict) -> None:
    """Open a modal; FormExpired when Slack's trigger expired first."""
    if not open_modal(client, trigger_id, view):
        raise rules.FormExpired()


def open_driver_modal(
    client: WebClient,
    trigger_id: str,
    m: Messages,
    channel_id: str,
    *,
    item_id: int | None = None,
    initial: dict[str, str | None] | None = None,
    source_link: str | None = None,
    reply_to: str | None = None,
    delegate_of: list[str] | None = None,
) -> None:
    """Open S3's driver template, empty or prefilled (carrying the opener's response_url);
    a delegate (`delegate_of`) may raise a new one for the circle they represent."""
    meta = DriverMeta(
        channel_id=channel_id, item_id=item_id, source_link=source_link, response_url=reply_to
    )
    view = views.driver_modal(
        m,
        meta.model_dump_json(),
        {**(initial or {}), "source_link": source_link},
        delegate_of=delegate_of,
    )
    open_form(client, trigger_id, view)


def show_page(
    deps: Deps,
    client: WebClient,
    reply_to: str | None,
    who: Where,
    channel_id: str,
    offset: int,
    note: str | None = None,
) -> None:
    """Show one page of the channel's backlog to the person, replacing the list they acted on
    (through its response_url `reply_to`; ephemeral when there is none)."""
    m = deps.people.user_messages(client, who.team_id, who.user_id or "")
    items, total = _page(deps, who.team_id, channel_id, offset)
    if offset and not items and total:
        offset = max(total - views.PAGE_SIZE, 0)
        items, total = _page(deps, who.team_id, channel_id, offset)
    text, blocks = views.backlog_page(m, channel_id, items, total, offset)
    blocks = views.with_note(blocks, note)
    reply(
        client, response_url=reply_to, allowed=deps.settings.response_url_prefixes,
        channel=channel_id, user=who.user_id or "", text=text, blocks=blocks,
        replace_original=True,
    )  # fmt: skip


def _page(deps: Deps, team_id: str, channel_id: str, offset: int) -> tuple[list[ItemView], int]:
    return backlog.backlog_page(
        deps.sessions, team_id=team_id, channel_id=channel_id, limit=views.PAGE_SIZE, offset=offset
    )


def _page_of(rank: int | None) -> int:
    """The offset of the list page on which a place was shown."""
    return ((rank or 1) - 1) // views.PAGE_SIZE * views.PAGE_SIZE


# ---------------------------------------------------------------- the driver form


def open_driver_form(command: dict[str, Any], client: WebClient, deps: Deps, args: Args) -> None:
    """A bare `/tension` opens S3's driver template; `/tension <text>` stays quick capture."""
    who = where(command)
    channel_id = who.channel_id or ""
    if reach.refuse_unreachable(
        args, deps, client, who.team_id, channel_id, join_action=ids.ACT_JOIN_FOR_DRIVER
    ):
        return  # said before anything is typed, with how to add the bot
    open_driver_modal(
        client, command["trigger_id"], messages_for(args), channel_id,
        reply_to=response_url(command), delegate_of=_delegate_of(deps, who, channel_id),
    )  # fmt: skip


def join_then_describe(body: dict[str, Any], client: WebClient, deps: Deps, args: Args) -> None:
    """ "Add the bot to this channel": join it, then open the driver form there."""
    who = where(body)
    joined = reach.join_from_button(args, deps, client, who.team_id)
    if joined is None:
        return
    open_driver_modal(
        client, body["trigger_id"], messages_for(args), joined.channel_id,
        reply_to=response_url(body), delegate_of=_delegate_of(deps, who, joined.channel_id),
    )  # fmt: skip


def _delegate_of(deps: Deps, who: Where, channel_id: str | None) -> list[str]:
    """The circles this person represents in the channel (one indexed query, no Slack call)."""
    if not channel_id or not who.user_id:
        return []
    return structure.delegate_circles(
        deps.sessions, team_id=who.team_id, user_id=who.user_id, channel_id=channel_id
    )


def submit_driver(
    ack: Ack,
    body: dict,
    view: dict,
    client: WebClient,
    context: BoltContext,
    deps: Deps,
    args: Args,
) -> None:
    """Store the described driver: a new item, or the description of an existing one."""
    who = where(body)
    meta = metadata(view, DriverMeta)
    if meta is None:
        raise StaleRequest()
    form = Form(view)
    situation, effect = form.text(ids.IN_SITUATION), form.text(ids.IN_EFFECT)
    if problems := rules.driver_problems(situation, effect):
        m = messages_for(args)
        ack(response_action="errors", errors=errors.field_errors(m, problems, DRIVER_FIELDS))
        return
    driver = rules.clean_driver(
        situation, effect, form.text(ids.IN_RELEVANCE), form.selected(ids.IN_NATURE)
    )
    channel_id = meta.channel_id
    if meta.item_id is not None:
        channel_id = backlog.get(
            deps.sessions, team_id=who.team_id, item_id=meta.item_id
        ).channel_id
    if gone := reach.unreachable_now(deps, client, who.team_id, channel_id, who.user_id):
        ack(response_action="errors", errors={ids.IN_SITUATION[0]: gone})  # nothing typed is lost
        return
    require_member(deps, client, who, channel_id)  # checked at submit, not only at opening
    chosen = form.selected(ids.IN_ON_BEHALF)
    on_behalf_of = chosen if chosen and chosen != ids.ON_BEHALF_SELF else None
    item = backlog.describe(
        deps.sessions,
        team_id=who.team_id,
        channel_id=channel_id,
        actor=who.user_id,
        driver=driver,
        now=deps.clock(),
        item_id=meta.item_id,
        source_link=meta.source_link,
        request_key=request_key(body),
        on_behalf_of=on_behalf_of,
    )
    ack()
    if meta.item_id is None:
        context["raised"] = item


def announce(context: BoltContext, deps: Deps) -> None:
    """Tell the channel about a newly described driver now (the sweep retries a refusal)."""
    item: ItemView | None = context.get("raised")
    if item is not None:
        outbox.deliver_key(deps, item.team_id, backlog.announcement_key(item.id))


# ---------------------------------------------------------------- the list: paging and the item menu


def turn_page(body: dict, action: dict, client: WebClient, deps: Deps) -> None:
    """Show the previous or next page of the list."""
    page = PageValue.parse(action.get("value"))
    who = where(body)
    require_member(deps, client, who, page.channel_id)  # a page value names a channel: check it
    show_page(deps, client, response_url(body), who, page.channel_id, page.offset)


MOVED = "s3bot_item_moved"  # context: the channel whose list to show after a move
CHANGED = "s3bot_item_changed"  # context: the item changed since the person saw it


def move_item(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
              deps: Deps) -> None:  # fmt: skip
    """A move in an item's menu is stored before the ack; other choices open a form after."""
    who = where(body)
    chosen = ItemMenuValue.parse((action.get("selected_option") or {}).get("value"))
    if chosen.action in MOVES:
        try:
            item = backlog.get(deps.sessions, team_id=who.team_id, item_id=chosen.item_id)
            require_member(deps, client, who, item.channel_id)
            backlog.move(
                deps.sessions, team_id=who.team_id, item_id=item.id, actor=who.user_id,
                expected_rank=chosen.rank, to=chosen.action, now=deps.clock(),
            )  # fmt: skip
            context[MOVED] = item.channel_id
        except rules.ItemChanged as exc:
            if not who.channel_id:
                raise
            context[CHANGED] = exc  # not only a refusal: the list as it is now follows
    ack()


def item_menu(
    body: dict, action: dict, client: WebClient, context: BoltContext, deps: Deps, args: Args,
) -> None:  # fmt: skip
    """After the ack: the list after a move, or the form for what was chosen."""
    who = where(body)
    chosen = ItemMenuValue.parse((action.get("selected_option") or {}).get("value"))
    changed: rules.ItemChanged | None = context.get(CHANGED)
    if chosen.action in MOVES and changed is None:
        if context.get(MOVED):  # else the ack part refused, and said why
            show_page(deps, client, response_url(body), who, context[MOVED], _page_of(chosen.rank))
        return
    if changed is None:
        item = backlog.get(deps.sessions, team_id=who.team_id, item_id=chosen.item_id)
        require_member(deps, client, who, item.channel_id)
        if rules.is_open_at(item, chosen.rank):
            open_item_form(body, client, deps, messages_for(args), chosen.action, item)
            return
    # The item changed since the person saw it: the list as it is now, the reason on top.
    note = errors.explain(messages_for(args), changed or rules.ItemChanged())
    show_page(deps, client, response_url(body), who, who.channel_id or "", 0, note=note)


def open_item_form(
    body: dict, client: WebClient, deps: Deps, m: Messages, what: str, item: ItemView
) -> None:
    """Open the form the menu choice asks for, about this item."""
    trigger = body["trigger_id"]
    if what == "describe":
        initial = {
            "situation": item.situation or item.text,
            "effect": item.effect,
            "relevance": item.relevance,
            "nature": item.nature,
        }
        open_driver_modal(
            client,
            trigger,
            m,
            item.channel_id,
            item_id=item.id,
            initial=initial,
            source_link=item.source_link,
            reply_to=response_url(body),
        )
        return
    meta = ItemMeta(
        item_id=item.id,
        expected_rank=item.rank,
        channel_id=where(body).channel_id,
        response_url=response_url(body),
    ).model_dump_json()
    if what == "position":
        _, total = backlog.backlog_page(
            deps.sessions, team_id=item.team_id, channel_id=item.channel_id, limit=1
        )
        open_form(client, trigger, views.position_modal(m, item, total, meta))
    elif what == "pass":
        hints = backlog.pass_on_suggestions(deps.sessions, team_id=item.team_id, item=item)
        open_form(client, trigger, views.pass_on_modal(m, item, meta, hints))
    elif what in ITEM_MODALS:
        open_form(client, trigger, ITEM_MODALS[what](m, item, meta))


# ---------------------------------------------------------------- the item forms


def _form_item(view: dict, client: WebClient, deps: Deps, who: Where) -> tuple[ItemMeta, ItemView]:
    """The item a form is about, once the person may change it."""
    meta = metadata(view, ItemMeta)
    if meta is None:
        raise StaleRequest()
    item = backlog.get(deps.sessions, team_id=who.team_id, item_id=meta.item_id)
    require_member(deps, client, who, item.channel_id)
    return meta, item


def _done(ack: Ack, context: BoltContext, meta: ItemMeta, item: ItemView) -> None:
    """Close the form; the list the person acted from is refreshed after the ack."""
    ack()
    if meta.response_url:
        context["refresh"] = (meta.response_url, item.channel_id, item.rank)


def submit_next_step(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """Accept the item onto the backlog with its next step (and due date, intended outcome
    and time estimate: a positive whole number of minutes, else a field error)."""
    who = where(body)
    meta, item = _form_item(view, client, deps, who)
    form = Form(view)
    step = NextStep(form.selected(ids.IN_NEXT_STEP))
    plan = rules.clean_plan(form.text(ids.IN_INTENDED_OUTCOME), form.text(ids.IN_ESTIMATE))
    backlog.accept(
        deps.sessions,
        team_id=who.team_id,
        item_id=item.id,
        actor=who.user_id,
        next_step=step,
        due=form.date(ids.IN_DUE),
        now=deps.clock(),
        plan=plan,
    )
    if step is NextStep.SELECT and (selecting := _selection_form(deps, client, who, item, meta)):
        ack(response_action="update", view=selecting)  # the step stored; now start it
        if meta.response_url:
            context["refresh"] = (meta.response_url, item.channel_id, item.rank)
        return
    _done(ack, context, meta, item)


def _selection_form(
    deps: Deps, client: WebClient, who: Where, item: ItemView, meta: ItemMeta
) -> dict | None:
    """ "Select someone for a role" as the next step turns the form into the selection's
    form (which role, who nominates, until when); None when the circle has no role yet.
    Only cached people and zones: this runs before the ack."""
    choices = [
        (r.id, r.name)
        for r in roles.list_roles(deps.sessions, team_id=who.team_id, channel_id=item.channel_id)
    ]
    if not choices:
        return None
    m = deps.people.cached_messages(who.team_id, who.user_id)
    zone = deps.people.cached_zone(who.team_id, who.user_id or "") or UTC
    bot_user = deps.people.bot_user_id(client, who.team_id)
    known = deps.people.channels.known(client, who.team_id, item.channel_id) or frozenset()
    now = deps.clock().astimezone(zone)
    until = now + timedelta(hours=selection.NOMINATE_HOURS)
    return selection_views.start_modal(
        m, selection_views.StartMeta(
            channel_id=item.channel_id, item_id=item.id, response_url=meta.response_url
        ),
        role_name=None, purpose=None, roles=choices,
        people=sorted(u for u in known if u != bot_user), nominate_until=until,
        change_until=until + timedelta(hours=selection.CHANGE_HOURS),
    )  # fmt: skip


def submit_position(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """Move the item to the place typed in."""
    who = where(body)
    meta, item = _form_item(view, client, deps, who)
    backlog.move(
        deps.sessions,
        team_id=who.team_id,
        item_id=item.id,
        actor=who.user_id,
        expected_rank=meta.expected_rank,
        to=rules.parse_position(Form(view).text(ids.IN_POSITION)),
        now=deps.clock(),
    )
    _done(ack, context, meta, item)


def submit_dismiss(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """Dismiss the item, with its reason."""
    who = where(body)
    meta, item = _form_item(view, client, deps, who)
    backlog.dismiss(
        deps.sessions,
        team_id=who.team_id,
        item_id=item.id,
        actor=who.user_id,
        reason=Form(view).text(ids.IN_DISMISS_REASON),
        now=deps.clock(),
    )
    _done(ack, context, meta, item)


def submit_pass_on(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """Pass the item on to another circle's channel (where the bot is)."""
    who = where(body)
    meta, item = _form_item(view, client, deps, who)
    target = rules.require_target(Form(view).conversation(ids.IN_PASS_TO))
    if not bot_is_in(client, target):
        raise rules.BotNotInChannel(target)
    rules.require_unchanged(item, meta.expected_rank)
    moved = backlog.pass_on(
        deps.sessions,
        team_id=who.team_id,
        item_id=item.id,
        actor=who.user_id,
        to_channel=target,
        now=deps.clock(),
    )
    ack()
    context["passed_on"] = (item.channel_id, moved)


def bot_is_in(client: WebClient, channel: str) -> bool:
    """Whether the bot is a member of the channel."""
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except SlackApiError:
        return False
    return bool(info.get("is_member"))


def refresh_list(body: dict, client: WebClient, context: BoltContext, deps: Deps) -> None:
    """Show the list the person acted from as it is now (through its response_url)."""
    if not context.get("refresh"):
        return
    reply_to, channel_id, rank = context["refresh"]
    show_page(deps, client, reply_to, where(body), channel_id, _page_of(rank))


def tell_passed_on(body: dict, client: WebClient, context: BoltContext, deps: Deps) -> None:
    """Tell the receiving channel what was passed on to it, and from where."""
    if not context.get("passed_on"):
        return
    source, item = context["passed_on"]
    who = where(body)
    public = deps.people.workspace_messages(who.team_id)
    text = views.passed_on_notice(public, who.user_id or "", source, item)
    client.chat_postMessage(channel=item.channel_id, text=text)


# ---------------------------------------------------------------- the message shortcut


def raise_from_message(shortcut: dict, client: WebClient, deps: Deps, args: Args) -> None:
    """Open the driver form prefilled with the message the shortcut was used on."""
    who = where(shortcut)
    message = shortcut.get("message") or {}
    link = None
    try:
        link = client.chat_getPermalink(channel=who.channel_id, message_ts=message.get("ts"))[
            "permalink"
        ]
    except SlackApiError:
        log.info("no permalink for the shortcut's message")
    text = readable(message.get("text") or "", lambda user: _name(deps, client, who.team_id, user))
    open_driver_modal(
        client,
        shortcut["trigger_id"],
        messages_for(args),
        who.channel_id or "",
        initial={"situation": text[: rules.MAX_TENSION_LENGTH]},
        source_link=link,
        reply_to=response_url(shortcut),
        delegate_of=_delegate_of(deps, who, who.channel_id),
    )


def _name(deps: Deps, client: WebClient, team_id: str, user_id: str) -> str | None:
    """A person's display name for a quoted mention (users.info, cached); None: unknown."""
    if not user_id[:1].isalpha() or len(user_id) > 32:
        return None
    info = deps.people.user_info(client, team_id, user_id) or {}
    profile = info.get("profile") or {}
    return profile.get("display_name") or info.get("real_name") or info.get("name")


# ---------------------------------------------------------------- the Home tab's welcome


def home_welcome_used(ack: Ack, body: dict, deps: Deps) -> None:
    """The Home welcome's "Raise a tension": the welcome is not shown again (stored first)."""
    who = where(body)
    welcome.home_welcome_done(
        deps.sessions, team_id=who.team_id, user_id=who.user_id or "", now=deps.clock()
    )
    ack()


def raise_from_home(body: dict, action: dict, client: WebClient, deps: Deps, args: Args) -> None:
    """Open the driver form for the circle the button names; then the Home tab again."""
    channel_id = HomeValue.parse(action.get("value") or "").channel_id
    if channel_id is None:
        raise StaleRequest()
    who = where(body)
    open_driver_modal(
        client,
        body["trigger_id"],
        messages_for(args),
        channel_id,
        delegate_of=_delegate_of(deps, who, channel_id),
    )
    home.publish(deps, client, who.team_id, who.user_id or "")
