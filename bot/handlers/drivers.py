"""The governance backlog as a circle runs it: drivers, next steps, ranking, dismissing, passing on."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.blocks import common, ids
from bot.blocks import drivers as views
from bot.blocks.backlog import tension_raised
from bot.blocks.text import escape, mention, one_line
from bot.domain import backlog as rules
from bot.domain.backlog import NextStep
from bot.domain.errors import DomainError, TextTooLong
from bot.handlers.consent import open_modal
from bot.i18n import Messages
from bot.runtime.replies import ephemeral, later
from bot.services import backlog

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)


class DriverMeta(BaseModel):
    """State carried through the driver form."""

    channel_id: str
    item_id: int | None = None
    source_link: str | None = None


class ItemMeta(BaseModel):
    """State carried through an item's forms."""

    item_id: int
    expected_rank: int | None = None
    channel_id: str | None = None
    response_url: str | None = None


def refusal(m: Messages, exc: DomainError) -> str:
    """What to tell a person whose change to the backlog was refused."""
    if isinstance(exc, rules.ItemChanged):
        return m._(
            "That item changed meanwhile (moved, dismissed or passed on). Here is the backlog as it is now."
        )
    if isinstance(exc, rules.ItemNotFound):
        return m._("I cannot find that item any more.")
    if isinstance(exc, NotMember):
        return m._("Only members of <#{channel}> can change its backlog.", channel=exc.channel)
    return common.unexpected(m)


class NotMember(DomainError):
    """Only the circle's members change its backlog."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


def open_driver_modal(
    deps: Deps,
    client: WebClient,
    trigger_id: str,
    m: Messages,
    team_id: str,
    channel_id: str,
    user_id: str,
    *,
    item_id: int | None = None,
    initial: dict[str, str | None] | None = None,
    source_link: str | None = None,
) -> None:
    """Open S3's driver template, empty or prefilled."""
    meta = DriverMeta(channel_id=channel_id, item_id=item_id, source_link=source_link)
    view = views.driver_modal(
        m, meta.model_dump_json(), {**(initial or {}), "source_link": source_link}
    )
    open_modal(client, trigger_id, view, m, channel_id, user_id)


def _value(values: dict[str, Any], key: tuple[str, str]) -> dict[str, Any]:
    return values.get(key[0], {}).get(key[1], {}) or {}


def register(app: App, deps: Deps) -> None:
    """Wire the driver form, the list's item menu and paging, the item forms and the shortcut."""

    def user_m(client: WebClient, team_id: str, user_id: str) -> Messages:
        return deps.people.user_messages(client, team_id, user_id)

    def require_member(client: WebClient, team_id: str, channel_id: str, user_id: str) -> None:
        if not deps.people.channels.includes(client, team_id, channel_id, user_id):
            raise NotMember(channel_id)

    def show_page(
        client: WebClient,
        respond: Respond | None,
        team_id: str,
        user_id: str,
        channel_id: str,
        offset: int,
        note: str | None = None,
        channel_for_ephemeral: str | None = None,
    ) -> None:
        m = user_m(client, team_id, user_id)
        items, total = backlog.backlog_page(
            deps.sessions,
            team_id=team_id,
            channel_id=channel_id,
            limit=views.PAGE_SIZE,
            offset=offset,
        )
        if offset and not items and total:
            offset = max(total - views.PAGE_SIZE, 0)
            items, total = backlog.backlog_page(
                deps.sessions,
                team_id=team_id,
                channel_id=channel_id,
                limit=views.PAGE_SIZE,
                offset=offset,
            )
        text, blocks = views.backlog_page(m, channel_id, items, total, offset)
        if note:
            blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}, *blocks][
                :50
            ]
        if respond is not None:
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)
        else:
            ephemeral(
                client,
                channel=channel_for_ephemeral or channel_id,
                user=user_id,
                text=text,
                blocks=blocks,
            )

    # ------------------------------------------------------------ the driver form

    @app.view(ids.CB_DRIVER_MODAL)
    def on_driver_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]
        meta = DriverMeta.model_validate_json(view["private_metadata"])
        m = user_m(client, team_id, user_id)
        values = view["state"]["values"]
        try:
            driver = rules.clean_driver(
                _value(values, ids.IN_SITUATION).get("value"),
                _value(values, ids.IN_EFFECT).get("value"),
                _value(values, ids.IN_RELEVANCE).get("value"),
                (_value(values, ids.IN_NATURE).get("selected_option") or {}).get("value"),
            )
        except rules.DriverIncomplete as exc:
            blocks = {"situation": ids.IN_SITUATION[0], "effect": ids.IN_EFFECT[0]}
            ack(
                response_action="errors",
                errors={blocks[f]: m._("Fill this in; it cannot be blank.") for f in exc.fields},
            )
            return
        except TextTooLong as exc:
            ack(
                response_action="errors",
                errors={
                    ids.IN_SITUATION[0]: m._(
                        "Keep each part under {limit} characters.", limit=exc.limit
                    )
                },
            )
            return
        if meta.item_id is not None:
            try:
                item = backlog.get(deps.sessions, team_id=team_id, item_id=meta.item_id)
                require_member(client, team_id, item.channel_id, user_id)
                backlog.describe(
                    deps.sessions,
                    team_id=team_id,
                    channel_id=item.channel_id,
                    actor=user_id,
                    driver=driver,
                    now=deps.clock(),
                    item_id=meta.item_id,
                )
            except DomainError as exc:
                ack(response_action="errors", errors={ids.IN_SITUATION[0]: refusal(m, exc)})
                return
            ack()
            return
        item = backlog.describe(
            deps.sessions,
            team_id=team_id,
            channel_id=meta.channel_id,
            actor=user_id,
            driver=driver,
            now=deps.clock(),
            source_link=meta.source_link,
        )
        ack()
        later(
            deps,
            client,
            {"user_id": user_id, "channel_id": meta.channel_id, "team_id": team_id},
            announce,
            client,
            team_id,
            user_id,
            item,
        )

    def announce(client: WebClient, team_id: str, user_id: str, item: Any) -> None:
        public = deps.people.workspace_messages(team_id)
        items, total = backlog.backlog_page(
            deps.sessions, team_id=team_id, channel_id=item.channel_id, limit=1
        )
        fallback, blocks = tension_raised(public, item, total)
        try:
            posted = client.chat_postMessage(channel=item.channel_id, text=fallback, blocks=blocks)
            backlog.remember_message(
                deps.sessions, team_id=team_id, item_id=item.id, message_ts=posted["ts"]
            )
        except SlackApiError as exc:
            log.warning("driver not announced: %s", exc.response.get("error"))

    # ------------------------------------------------------------ the list: paging and the item menu

    def on_page(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        channel_id, offset = action["value"].rsplit(":", 1)
        later(
            deps,
            client,
            body,
            show_page,
            client,
            respond,
            body["team"]["id"],
            body["user"]["id"],
            channel_id,
            int(offset),
        )

    app.action(f"{ids.ACT_PAGE}_prev")(on_page)
    app.action(f"{ids.ACT_PAGE}_next")(on_page)

    @app.action(ids.ACT_ITEM_MENU)
    def on_item_menu(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        later(deps, client, body, item_menu, body, action, client, respond)

    def item_menu(
        body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        m = user_m(client, team_id, user_id)
        what, item_id, rank = action["selected_option"]["value"].split(":")
        expected = int(rank) if rank not in ("", "None") else None
        try:
            item = backlog.get(deps.sessions, team_id=team_id, item_id=int(item_id))
            require_member(client, team_id, item.channel_id, user_id)
            if what in ("up", "down", "top"):
                backlog.move(
                    deps.sessions,
                    team_id=team_id,
                    item_id=item.id,
                    actor=user_id,
                    expected_rank=expected,
                    to=what,
                    now=deps.clock(),
                )
                show_page(client, respond, team_id, user_id, item.channel_id, _page_of(expected))
                return
            if item.rank != expected or item.status not in rules.OPEN_STATUSES:
                raise rules.ItemChanged()
        except DomainError as exc:
            note = refusal(m, exc)
            if isinstance(exc, rules.ItemChanged) and channel:
                show_page(client, respond, team_id, user_id, channel, 0, note=note)
            else:
                ephemeral(client, channel=channel, user=user_id, text=note, respond=respond)
            return
        meta = ItemMeta(
            item_id=item.id,
            expected_rank=item.rank,
            channel_id=channel,
            response_url=body.get("response_url"),
        ).model_dump_json()
        trigger = body["trigger_id"]
        if what == "describe":
            initial = {
                "situation": item.situation or item.text,
                "effect": item.effect,
                "relevance": item.relevance,
                "nature": item.nature,
            }
            open_driver_modal(
                deps,
                client,
                trigger,
                m,
                team_id,
                item.channel_id,
                user_id,
                item_id=item.id,
                initial=initial,
                source_link=item.source_link,
            )
        elif what == "step":
            open_modal(client, trigger, views.next_step_modal(m, item, meta), m, channel, user_id)
        elif what == "position":
            _, total = backlog.backlog_page(
                deps.sessions, team_id=team_id, channel_id=item.channel_id, limit=1
            )
            open_modal(
                client, trigger, views.position_modal(m, item, total, meta), m, channel, user_id
            )
        elif what == "dismiss":
            open_modal(client, trigger, views.dismiss_modal(m, item, meta), m, channel, user_id)
        elif what == "pass":
            open_modal(client, trigger, views.pass_on_modal(m, item, meta), m, channel, user_id)

    # ------------------------------------------------------------ the item forms

    def item_form(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, what: str
    ) -> None:
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]
        meta = ItemMeta.model_validate_json(view["private_metadata"])
        m = user_m(client, team_id, user_id)
        values = view["state"]["values"]
        field = {
            "step": ids.IN_NEXT_STEP,
            "position": ids.IN_POSITION,
            "dismiss": ids.IN_DISMISS_REASON,
            "pass": ids.IN_PASS_TO,
        }[what]
        now = deps.clock()
        try:
            item = backlog.get(deps.sessions, team_id=team_id, item_id=meta.item_id)
            require_member(client, team_id, item.channel_id, user_id)
            if what == "step":
                step = (_value(values, field).get("selected_option") or {}).get("value")
                due_raw = _value(values, ids.IN_DUE).get("selected_date")
                backlog.accept(
                    deps.sessions,
                    team_id=team_id,
                    item_id=item.id,
                    actor=user_id,
                    next_step=NextStep(step),
                    due=date.fromisoformat(due_raw) if due_raw else None,
                    now=now,
                )
            elif what == "position":
                raw = _value(values, field).get("value")
                if not (raw or "").strip().lstrip("-").isdigit():
                    ack(response_action="errors", errors={field[0]: m._("Give a whole number.")})
                    return
                backlog.move(
                    deps.sessions,
                    team_id=team_id,
                    item_id=item.id,
                    actor=user_id,
                    expected_rank=meta.expected_rank,
                    to=int(raw),
                    now=now,
                )
            elif what == "dismiss":
                backlog.dismiss(
                    deps.sessions,
                    team_id=team_id,
                    item_id=item.id,
                    actor=user_id,
                    reason=_value(values, field).get("value"),
                    now=now,
                )
            else:
                target = _value(values, field).get("selected_conversation")
                if not target:
                    ack(response_action="errors", errors={field[0]: m._("Pick a channel.")})
                    return
                if not bot_is_in(client, team_id, target):
                    ack(
                        response_action="errors",
                        errors={
                            field[0]: m._(
                                "I am not in <#{channel}>. Invite me there with `/invite @S3 Governance` first; "
                                "the item stays where it is.",
                                channel=target,
                            )
                        },
                    )
                    return
                if (expected := meta.expected_rank) is not None and item.rank != expected:
                    raise rules.ItemChanged()
                moved = backlog.pass_on(
                    deps.sessions,
                    team_id=team_id,
                    item_id=item.id,
                    actor=user_id,
                    to_channel=target,
                    now=now,
                )
                ack()
                later(
                    deps,
                    client,
                    body,
                    tell_passed_on,
                    client,
                    team_id,
                    user_id,
                    item.channel_id,
                    moved,
                )
                return
        except rules.ReasonRequired:
            ack(response_action="errors", errors={field[0]: m._("Say why it is dismissed.")})
            return
        except rules.SameChannel:
            ack(
                response_action="errors",
                errors={field[0]: m._("Pick another channel than its own.")},
            )
            return
        except DomainError as exc:
            ack(response_action="errors", errors={field[0]: refusal(m, exc)})
            return
        ack()
        if meta.response_url:
            later(
                deps,
                client,
                body,
                refresh_list,
                client,
                meta.response_url,
                team_id,
                user_id,
                item.channel_id,
                item.rank,
            )

    def refresh_list(
        client: WebClient,
        response_url: str,
        team_id: str,
        user_id: str,
        channel_id: str,
        rank: int | None,
    ) -> None:
        """Show the list the person acted from as it is now (through its response_url)."""
        webhook = WebhookClient(response_url)
        show_page(
            client, lambda **kw: webhook.send(**kw), team_id, user_id, channel_id, _page_of(rank)
        )

    def bot_is_in(client: WebClient, team_id: str, channel: str) -> bool:
        try:
            info = client.conversations_info(channel=channel)["channel"]
        except SlackApiError:
            return False
        return bool(info.get("is_member"))

    def tell_passed_on(
        client: WebClient, team_id: str, user_id: str, source: str, item: Any
    ) -> None:
        public = deps.people.workspace_messages(team_id)
        text = public._(
            "{who} passed on a tension from <#{source}>; it is #{number} in this channel's inbox: {text}",
            who=mention(user_id),
            source=source,
            number=item.number,
            text=escape(one_line(item.text, 500)),
        )
        client.chat_postMessage(channel=item.channel_id, text=text)

    def form_listener(what: str) -> Any:
        def on_form(
            ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
        ) -> None:
            item_form(ack, body, view, client, what)

        return on_form

    for callback_id, what in (
        (ids.CB_NEXT_STEP_MODAL, "step"),
        (ids.CB_POSITION_MODAL, "position"),
        (ids.CB_DISMISS_MODAL, "dismiss"),
        (ids.CB_PASS_ON_MODAL, "pass"),
    ):
        app.view(callback_id)(form_listener(what))

    # ------------------------------------------------------------ the message shortcut

    @app.shortcut(ids.SHORTCUT_RAISE)
    def on_raise_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        later(deps, client, shortcut, raise_from_message, shortcut, client)

    def raise_from_message(shortcut: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = shortcut["team"]["id"], shortcut["user"]["id"]
        channel_id = shortcut["channel"]["id"]
        message = shortcut.get("message") or {}
        m = user_m(client, team_id, user_id)
        link = None
        try:
            link = client.chat_getPermalink(channel=channel_id, message_ts=message.get("ts"))[
                "permalink"
            ]
        except SlackApiError:
            log.info("no permalink for the shortcut's message")
        text = _plain_text(message.get("text") or "")[: rules.MAX_TENSION_LENGTH]
        open_driver_modal(
            deps,
            client,
            shortcut["trigger_id"],
            m,
            team_id,
            channel_id,
            user_id,
            initial={"situation": text},
            source_link=link,
        )


def _page_of(rank: int | None) -> int:
    """The offset of the list page on which a place was shown."""
    return ((rank or 1) - 1) // views.PAGE_SIZE * views.PAGE_SIZE


def _plain_text(text: str) -> str:
    """Slack's escaped message text back to what the person typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
