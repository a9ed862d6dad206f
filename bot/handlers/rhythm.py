"""The governance meeting rhythm: `/tension meeting` (the cadence form) and `/tension agenda`.

The `/tension` command itself lives in handlers.tension, which calls `on_meeting_command`
and `on_agenda_command` after its ack, in the background. `register` wires the form.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks import common, ids
from bot.blocks import rhythm as views
from bot.domain import rhythm as rules
from bot.domain.errors import DomainError
from bot.handlers.consent import open_modal
from bot.runtime.replies import ephemeral, later
from bot.services import rhythm

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)


class MeetingMeta(BaseModel):
    """State carried through the cadence form."""

    channel_id: str
    tz: str


def _selected(values: dict[str, Any], key: tuple[str, str]) -> dict[str, Any]:
    return values.get(key[0], {}).get(key[1], {}) or {}


def _number(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _member_refusal(
    deps: Deps, client: WebClient, team_id: str, channel_id: str, user_id: str
) -> str | None:
    """Why the person may not set the channel's cadence, or None when they may."""
    m = deps.people.user_messages(client, team_id, user_id)
    members = deps.people.channels.of(client, team_id, channel_id)
    if not members:
        return views.members_unknown(m, channel_id)
    if user_id not in members:
        return views.not_a_member(m, channel_id)
    return None


def on_meeting_command(deps: Deps, client: WebClient, command: dict, respond: Any) -> None:
    """`/tension meeting`: open the cadence form for a channel member; refuse anyone else."""
    team_id, user_id, channel_id = command["team_id"], command["user_id"], command["channel_id"]
    m = deps.people.user_messages(client, team_id, user_id)

    def tell(text: str) -> None:
        ephemeral(client, channel=channel_id, user=user_id, text=text, respond=respond)

    refusal = _member_refusal(deps, client, team_id, channel_id, user_id)
    if refusal:
        tell(refusal)
        return
    tz = deps.people.timezone(client, team_id, user_id)
    try:
        current = rhythm.get_cadence(deps.sessions, team_id=team_id, channel_id=channel_id)
    except SQLAlchemyError:
        log.exception("meeting cadence unavailable")
        tell(common.db_down(m))
        return
    modal = views.cadence_modal(
        m,
        metadata=MeetingMeta(channel_id=channel_id, tz=tz).model_dump_json(),
        channel_id=channel_id,
        tz=tz,
        current=current,
    )
    open_modal(client, command["trigger_id"], modal, m, channel_id, user_id)


def on_agenda_command(deps: Deps, client: WebClient, command: dict, respond: Any) -> None:
    """`/tension agenda`: post the agenda of the next governance meeting in the channel now."""
    team_id, user_id, channel_id = command["team_id"], command["user_id"], command["channel_id"]
    m = deps.people.user_messages(client, team_id, user_id)
    try:
        found = rhythm.agenda(
            deps.sessions, team_id=team_id, channel_id=channel_id, now=deps.clock()
        )
    except SQLAlchemyError:
        log.exception("agenda unavailable")
        ephemeral(client, channel=channel_id, user=user_id, text=common.db_down(m), respond=respond)
        return
    public = deps.people.workspace_messages(team_id)
    text, blocks = views.agenda_message(public, found)
    try:
        client.chat_postMessage(channel=channel_id, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.info("agenda not posted in %s: %s", channel_id, exc.response.get("error"))
        ephemeral(
            client, channel=channel_id, user=user_id, text=views.cannot_post(m), respond=respond
        )


def register(app: App, deps: Deps) -> None:
    """Wire the cadence form's submission."""

    @app.view(ids.CB_MEETING_MODAL)
    def on_meeting_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id = body["team"]["id"] if body.get("team") else body["user"]["team_id"]
        user_id = body["user"]["id"]
        meta = MeetingMeta.model_validate_json(view["private_metadata"])
        m = deps.people.user_messages(client, team_id, user_id)
        values = view["state"]["values"]
        every = _number(
            (_selected(values, ids.IN_MEETING_EVERY).get("selected_option") or {}).get("value")
        )
        weekday = _number(
            (_selected(values, ids.IN_MEETING_WEEKDAY).get("selected_option") or {}).get("value")
        )
        at = _selected(values, ids.IN_MEETING_TIME).get("selected_time") or ""

        errors: dict[str, str] = {}
        for check in (
            lambda: rules.check_every(every),
            lambda: rules.check_weekday(weekday),
            lambda: rules.parse_time(at),
            lambda: rules.zone(meta.tz),
        ):
            try:
                check()
            except DomainError as exc:
                block, message = views.field_error(m, exc, meta.tz)
                errors.setdefault(block, message)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        refusal = _member_refusal(deps, client, team_id, meta.channel_id, user_id)
        if refusal:
            ack(response_action="errors", errors={ids.IN_MEETING_EVERY[0]: refusal})
            return
        assert every is not None and weekday is not None
        try:
            saved = rhythm.set_cadence(
                deps.sessions,
                team_id=team_id,
                channel_id=meta.channel_id,
                every_weeks=every,
                weekday=weekday,
                time=at,
                tz=meta.tz,
                now=deps.clock(),
            )
        except DomainError as exc:
            block, message = views.field_error(m, exc, meta.tz)
            ack(response_action="errors", errors={block: message})
            return
        except SQLAlchemyError:
            log.exception("could not store a meeting cadence")
            ack(response_action="errors", errors={ids.IN_MEETING_EVERY[0]: common.db_down(m)})
            return
        ack()
        who = {"user_id": user_id, "channel_id": meta.channel_id, "team_id": team_id}
        later(deps, client, who, announce, client, team_id, user_id, saved)

    def announce(client: WebClient, team_id: str, user_id: str, saved: rhythm.CadenceView) -> None:
        """Tell the channel its meeting rhythm; the person alone if the bot may not post."""
        public = deps.people.workspace_messages(team_id)
        text, blocks = views.cadence_set(public, user_id, saved)
        try:
            client.chat_postMessage(channel=saved.channel_id, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.info("cadence not announced in %s: %s", saved.channel_id, exc.response.get("error"))
            m = deps.people.user_messages(client, team_id, user_id)
            ephemeral(client, channel=saved.channel_id, user=user_id, text=views.cannot_post(m))
