"""Reading Slack payloads: who acts where (user, workspace, enterprise, channel), and forms.

Every listener takes the workspace the same way, from `where(body)`; every modal's values
are read through `Form`. Both tolerate malformed payloads (wrong types, missing keys):
they answer None or empty rather than raising.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Key = tuple[str, str]  # (block_id, action_id) of a modal input
M = TypeVar("M", bound=BaseModel)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Where:
    """Who is acting, in which workspace (and enterprise) and channel.

    `team_id` is the workspace the request acts in: the one whose installation Slack
    delivered it to, where the channel's rounds, backlog and agreements live. In a Slack
    Connect channel the acting person may come from another workspace: `user_team_id` is
    their own (the same as `team_id` for the workspace's own members, and when unknown).
    """

    team_id: str
    user_id: str | None = None
    channel_id: str | None = None
    enterprise_id: str | None = None
    user_team_id: str | None = None


def _workspace_id(value: Any) -> str | None:
    """A workspace id (`T…`); an org's id (`E…`) or anything else is not one."""
    value = _str(value)
    return value if value and not value.startswith("E") else None


def _acting_team(body: dict[str, Any]) -> str:
    """The workspace of the installation a request was delivered to, as Bolt authorizes it
    (slack_bolt.request.internals.extract_team_id), so the token and the rows agree.

    A modal's `view.app_installed_team_id` (in a Slack Connect channel `team` is the
    submitting person's own workspace there); an interaction's `team` (Slack names the
    installation's workspace even when a guest clicks); an event's `authorizations[0]`
    (the top-level `team_id` is the workspace the shared channel came from), else, for an
    org-wide install (which names no workspace there), its `context_team_id`; a command's
    `team_id`. A person's own `team_id` only when nothing else names a workspace.
    """
    view = _dict(body.get("view"))
    auths = body.get("authorizations")
    auth = _dict(auths[0]) if isinstance(auths, list) and auths else {}
    return (
        _workspace_id(view.get("app_installed_team_id"))
        or _str(_dict(body.get("team")).get("id"))
        or _str(auth.get("team_id"))
        or (_str(body.get("context_team_id")) if auth else None)
        or _str(body.get("team_id"))
        or _str(view.get("team_id"))
        or _str(_dict(body.get("user")).get("team_id"))
        or ""
    )


def _user_team(body: dict[str, Any]) -> str | None:
    """The acting person's own workspace: an interaction's `user.team_id`, an event's
    `user_team` (a message's) or `team` when it names a workspace."""
    event = _dict(body.get("event"))
    return (
        _workspace_id(_dict(body.get("user")).get("team_id"))
        or _workspace_id(event.get("user_team"))
        or (_workspace_id(event.get("team")) if event.get("type") == "message" else None)
    )


def _enterprise(body: dict[str, Any], team: str, own: str | None) -> str | None:
    """The org of the acting workspace. A modal submitted from a guest's workspace carries
    the guest's org (`team` is theirs): it is not the acting workspace's, so none."""
    body_team = _dict(body.get("team"))
    if _str(body_team.get("id")) and body_team.get("id") != team:
        return None
    auths = body.get("authorizations")
    auth = _dict(auths[0]) if isinstance(auths, list) and auths else {}
    user = _dict(body.get("user"))
    return (
        _str(auth.get("enterprise_id"))
        or _str(_dict(body.get("enterprise")).get("id"))
        or _str(body_team.get("enterprise_id"))
        or (_str(body.get("context_enterprise_id")) if auth else None)
        or _str(body.get("enterprise_id"))
        or (_str(user.get("enterprise_id")) if own in (None, team) else None)
    )


def where(body: Any) -> Where:
    """The acting user, workspace (`_acting_team`), enterprise and channel of any payload."""
    body = _dict(body)
    user = body.get("user")
    event = _dict(body.get("event"))
    team = _acting_team(body)
    own = _user_team(body) or team or None
    user_id = (
        _str(body.get("user_id"))
        or _str(_dict(user).get("id"))
        or (_str(user) if not isinstance(user, dict) else None)
        or _str(event.get("user"))
    )
    channel = (
        _str(body.get("channel_id"))
        or _str(_dict(body.get("channel")).get("id"))
        or _str(_dict(body.get("container")).get("channel_id"))
        or _str(event.get("channel"))
    )
    return Where(
        team_id=team, user_id=user_id, channel_id=channel,
        enterprise_id=_enterprise(body, team, own), user_team_id=own,
    )  # fmt: skip


def request_key(body: Any) -> str | None:
    """What makes one request this request, so a replay of it is recognised.

    A command or an action: its `trigger_id` (Slack makes a new one per invocation; a
    replayed body carries the same). A modal submission: the view and what was typed in it,
    so a double click or a replay submits once, while a corrected form after field errors
    is a new request. None when the payload carries nothing to go by.
    """
    body = _dict(body)
    view = _dict(body.get("view"))
    if body.get("type") == "view_submission" and _str(view.get("id")):
        state = json.dumps(_dict(view.get("state")).get("values"), sort_keys=True, default=str)
        digest = hashlib.sha256(state.encode()).hexdigest()[:24]
        return f"view:{view['id']}:{digest}"
    trigger = _str(body.get("trigger_id"))
    return f"req:{trigger}" if trigger else None


def response_url(body: Any) -> str | None:
    """Where to reply to this payload: its own response_url (commands, actions, shortcuts),
    the first of a submission's `response_urls`, else the one the modal carries in its
    private_metadata (from the command or button that opened it).

    A hint, unchecked here: `replies.reply` posts to it only when it is Slack's (or the
    configured stand-in's), and nothing is ever read from it.
    """
    body = _dict(body)
    if url := _str(body.get("response_url")):
        return url
    urls = body.get("response_urls")
    if isinstance(urls, list) and urls and (url := _str(_dict(urls[0]).get("response_url"))):
        return url
    raw = _dict(body.get("view")).get("private_metadata")
    try:
        carried = json.loads(raw) if isinstance(raw, str) and raw else None
    except ValueError:
        return None
    return _str(_dict(carried).get("response_url"))


def metadata(view: Any, model: type[M]) -> M | None:
    """The pydantic model carried in a view's private_metadata; None when absent or malformed."""
    raw = _dict(view).get("private_metadata")
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return model.model_validate_json(raw)
    except ValidationError:
        return None


class Form:
    """The values of a submitted modal (`view.state.values`), read by (block_id, action_id)."""

    def __init__(self, view: Any) -> None:
        self.values = _dict(_dict(_dict(view).get("state")).get("values"))

    def raw(self, key: Key) -> dict[str, Any]:
        """The element's state as Slack sent it ({} when absent)."""
        return _dict(_dict(self.values.get(key[0])).get(key[1]))

    def text(self, key: Key) -> str | None:
        """A plain-text input's value (None when empty)."""
        return _str(self.raw(key).get("value"))

    def texts(self, keys: dict[str, Key]) -> dict[str, str | None]:
        """Several plain-text inputs at once, by name (absent or empty: None)."""
        return {name: self.text(key) for name, key in keys.items()}

    def selected(self, key: Key) -> str | None:
        """The value of a select's or radio group's chosen option."""
        return _str(_dict(self.raw(key).get("selected_option")).get("value"))

    def selected_all(self, key: Key) -> list[str]:
        """The values of a multi-select's or checkbox group's chosen options."""
        options = self.raw(key).get("selected_options")
        if not isinstance(options, list):
            return []
        return [v for o in options if (v := _str(_dict(o).get("value")))]

    def users(self, key: Key) -> list[str]:
        """The people chosen in a multi_users_select."""
        users = self.raw(key).get("selected_users")
        return [u for u in users if _str(u)] if isinstance(users, list) else []

    def user(self, key: Key) -> str | None:
        """The person chosen in a users_select."""
        return _str(self.raw(key).get("selected_user"))

    def conversation(self, key: Key) -> str | None:
        """The channel chosen in a conversations_select or channels_select."""
        raw = self.raw(key)
        return _str(raw.get("selected_conversation")) or _str(raw.get("selected_channel"))

    def date(self, key: Key) -> date | None:
        """A datepicker's date (None when empty or not a date)."""
        value = _str(self.raw(key).get("selected_date"))
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    def time(self, key: Key) -> str | None:
        """A timepicker's "HH:MM"."""
        return _str(self.raw(key).get("selected_time"))

    def moment(self, key: Key) -> datetime | None:
        """A datetimepicker's moment, aware UTC (None when empty or not a timestamp)."""
        value = self.raw(key).get("selected_date_time")
        if isinstance(value, bool) or not isinstance(value, int | str):
            return None
        try:
            return datetime.fromtimestamp(int(value), UTC)
        except (ValueError, OverflowError, OSError):
            return None

    def block_ids(self) -> list[str]:
        """The input blocks of the form, in the order Slack sent them."""
        return list(self.values)


def dm_message(body: Any, block_id: str) -> tuple[str, str] | None:
    """The DM message (channel, ts) a button was clicked in, when it sits in that actions
    block of a message in a direct message (Slack's own container fields, not a value)."""
    body = _dict(body)
    container = _dict(body.get("container"))
    actions = body.get("actions") or [{}]
    clicked = _dict(actions[0] if isinstance(actions, list) and actions else {})
    channel, ts = _str(container.get("channel_id")), _str(container.get("message_ts"))
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return None
    if clicked.get("block_id") != block_id or not channel or not ts or not channel.startswith("D"):
        return None
    return channel, ts
