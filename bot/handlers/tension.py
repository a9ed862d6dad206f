"""`/tension`: raise a tension onto the channel's governance backlog, list it, get help."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks import backlog as views
from bot.blocks import common, ids
from bot.blocks import drivers as drivers_views
from bot.domain.errors import EmptyText, TextTooLong
from bot.runtime.replies import ephemeral, later
from bot.services import backlog

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

HELP_WORDS = {"help", "hulp", "?"}
LIST_WORDS = {"list", "lijst", "ls"}
MEETING_WORDS = {"meeting", "vergadering", "overleg"}
AGENDA_WORDS = {"agenda"}


def register(app: App, deps: Deps) -> None:
    """Wire the /tension command."""

    @app.command(ids.CMD_TENSION)
    def on_tension(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        later(deps, client, command, handle, command, client, respond)

    def handle(command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        team_id = command["team_id"]
        channel_id = command["channel_id"]
        user_id = command["user_id"]
        text = command.get("text") or ""
        word = text.strip().split(maxsplit=1)[0].lower() if text.strip() else ""
        m = deps.people.user_messages(client, team_id, user_id)

        def tell(message: str, blocks: list[dict] | None = None) -> None:
            ephemeral(
                client,
                channel=channel_id,
                user=user_id,
                text=message,
                blocks=blocks,
                respond=respond,
            )

        single = len(text.split()) == 1
        if not text.strip():
            # A bare /tension opens S3's driver template; `/tension <text>` stays quick capture.
            from bot.handlers.drivers import open_driver_modal

            open_driver_modal(deps, client, command["trigger_id"], m, team_id, channel_id, user_id)
            return
        if word in HELP_WORDS and single:
            fallback, blocks = views.usage(m)
            tell(fallback, blocks)
            return
        if word in MEETING_WORDS and single:
            from bot.handlers import rhythm

            rhythm.on_meeting_command(deps, client, command, respond)
            return
        if word in AGENDA_WORDS and single:
            from bot.handlers import rhythm

            rhythm.on_agenda_command(deps, client, command, respond)
            return
        if word in LIST_WORDS and single:
            try:
                items, total = backlog.backlog_page(
                    deps.sessions,
                    team_id=team_id,
                    channel_id=channel_id,
                    limit=drivers_views.PAGE_SIZE,
                )
            except SQLAlchemyError:
                log.exception("backlog list failed")
                tell(common.db_down(m))
                return
            fallback, blocks = drivers_views.backlog_page(m, channel_id, items, total, 0)
            tell(fallback, blocks)
            return

        try:
            raised = backlog.raise_tension(
                deps.sessions,
                team_id=team_id,
                channel_id=channel_id,
                author_id=user_id,
                text=text,
                now=deps.clock(),
            )
        except TextTooLong as exc:
            tell(views.too_long(m, length=exc.length, limit=exc.limit))
            return
        except EmptyText:
            fallback, blocks = views.usage(m)
            tell(fallback, blocks)
            return
        except SQLAlchemyError:
            log.exception("could not store a tension")
            tell(common.db_down(m))
            return

        public = deps.people.workspace_messages(team_id)
        fallback, blocks = views.tension_raised(public, raised.item, raised.open_count)
        try:
            posted = client.chat_postMessage(channel=channel_id, text=fallback, blocks=blocks)
        except SlackApiError as exc:
            log.warning(
                "announcing tension #%s failed: %s", raised.item.number, exc.response.get("error")
            )
            tell(views.not_in_channel(m, number=raised.item.number))
            return
        try:
            backlog.remember_message(
                deps.sessions, team_id=team_id, item_id=raised.item.id, message_ts=posted["ts"]
            )
        except SQLAlchemyError:
            log.warning(
                "could not link tension #%s to its message", raised.item.number, exc_info=True
            )
