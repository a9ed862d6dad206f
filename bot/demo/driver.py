"""Sends a Bolt app signed requests shaped like the ones Slack sends (commands, actions, events).

The requests the demo makes; the tests add shortcuts, view_closed, reactions and
Slack's event retries (tests/fakes/driver.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from bot.runtime.web import dispatch

if TYPE_CHECKING:
    from slack_bolt import App

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
# Slack sends the legacy verification token in every payload; Bolt ignores it.
VERIFICATION_TOKEN = "fake-verification-token"  # noqa: S105 - not a credential


@dataclass
class Response:
    """The app's HTTP answer to one request."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """Return the parsed JSON body, or None when the body is empty."""
        return json.loads(self.body) if self.body else None


class SlackDriver:
    """Plays the Slack platform's side: signs and delivers requests to a Bolt app."""

    def __init__(
        self,
        signing_secret: str,
        *,
        app: App | None = None,
        url: str | None = None,
        team_id: str = "T0001",
        team_domain: str = "demo",
        api_app_id: str = "A0001",
        bot_user_id: str = "U0BOT",
        response_url_base: str = "https://hooks.slack.com/",
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Deliver in-process to `app` or over HTTP to `url` (exactly one of them)."""
        if (app is None) == (url is None):
            raise ValueError("pass exactly one of app= or url=")
        if url is not None and urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"url must be http(s): {url!r}")
        self.signing_secret = signing_secret
        self.app = app
        self.endpoint = None if url is None else self._endpoint(url)
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id
        self.response_url_base = response_url_base.rstrip("/") + "/"
        self.clock = clock
        self._seq = itertools.count(1)
        self._issued: dict[str, str] = {}  # response_url path -> the user it was given to
        # Enterprise Grid: the org the workspace belongs to, and whether the app is installed
        # org-wide (then Slack says so in every payload, and names no workspace install).
        self.enterprise_id: str | None = None
        self.org_install = False
        # Slack Connect: people of other workspaces in the channels shared with this one
        # (user -> their own workspace, where the app is not installed), and the workspace a
        # shared channel came from when another one created it (events name it at the top).
        self.guests: dict[str, str] = {}
        self.shared_from: str | None = None
        self.guest_orgs: dict[str, str | None] = {}

    def guest(self, user_id: str, team_id: str, enterprise_id: str | None = None) -> None:
        """`user_id` is a member of workspace `team_id` (of Grid org `enterprise_id`), in a
        channel shared with this one: their payloads are shaped as Slack shapes an external
        member's."""
        self.guests[user_id] = team_id
        self.guest_orgs[user_id] = enterprise_id

    def _team_of(self, user_id: str) -> str:
        """The person's own workspace (this one, or a guest's)."""
        return self.guests.get(user_id, self.team_id)

    @staticmethod
    def _endpoint(url: str) -> str:
        """Return the events endpoint for a server base URL (kept if already given)."""
        url = url.rstrip("/")
        return url if url.endswith("/slack/events") else f"{url}/slack/events"

    # ----------------------------------------------------------------- transport

    def sign(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        """Return the X-Slack-Request-Timestamp and X-Slack-Signature headers for `body`."""
        ts = int(self.clock()) if timestamp is None else timestamp
        base = f"v0:{ts}:{body}".encode()
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}

    def send_raw(self, body: str, headers: dict[str, str]) -> Response:
        """Deliver a body with exactly these headers (no signing)."""
        if self.app is not None:
            resp = dispatch(self.app, body, dict(headers))
            return Response(resp.status, resp.body, resp.first_headers())
        assert self.endpoint is not None
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.endpoint, data=body.encode("utf-8"), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as http:  # noqa: S310
                return Response(http.status, http.read().decode("utf-8"), _lower(http.headers))
        except urllib.error.HTTPError as err:
            with err:
                return Response(err.code, err.read().decode("utf-8"), _lower(err.headers))

    def _send(self, body: str, content_type: str, extra: dict[str, str] | None = None) -> Response:
        """Sign and deliver a body with Slack's headers."""
        headers = {"Content-Type": content_type, "User-Agent": USER_AGENT, **self.sign(body)}
        headers.update(extra or {})
        return self.send_raw(body, headers)

    def _send_payload(self, payload: dict[str, Any]) -> Response:
        """Deliver an interactivity payload as the `payload=` form field."""
        user = str(payload.get("user", {}).get("id", ""))
        org = self.enterprise_id
        if user in self.guests and payload.get("team", {}).get("id") == self.guests[user]:
            org = self.guest_orgs.get(user)  # a guest's modal: their workspace, their org
        if org:  # as Slack shapes them in an Enterprise Grid org
            payload["enterprise"] = {"id": org, "name": "Org"}
            payload["team"] = {**payload.get("team", {}), "enterprise_id": org,
                               "enterprise_name": "Org"}  # fmt: skip
        if self.enterprise_id:
            payload["is_enterprise_install"] = self.org_install
        return self._send(urlencode({"payload": json.dumps(payload)}), FORM)

    # ----------------------------------------------------------------- ids and shapes

    def trigger_id(self) -> str:
        """Return a fresh trigger id shaped like Slack's ("1234.5678.<hex>")."""
        return f"{int(self.clock())}.{next(self._seq)}.{secrets.token_hex(16)}"

    def _action_ts(self) -> str:
        """Return an action timestamp ("seconds.micros")."""
        return f"{self.clock():.6f}"

    def _response_url(self, kind: str, user_id: str) -> str:
        """Return a fresh response_url under `response_url_base`, given to `user_id`."""
        url = f"{self.response_url_base}{kind}/{self.team_id}/{next(self._seq)}/{secrets.token_hex(12)}"
        self._issued[urlsplit(url).path] = user_id
        return url

    def issued_to(self, path: str) -> str | None:
        """The user whose payload carried the response_url with this path (None: not ours)."""
        return self._issued.get(path)

    def _team(self, user_id: str | None = None) -> dict[str, Any]:
        """Return the `team` object of interactivity payloads: this workspace, except in a
        modal a guest submits (`user_id`), where Slack names the guest's own workspace."""
        if user_id in self.guests:
            return {"id": self.guests[user_id], "domain": self.guests[user_id].lower()}
        return {"id": self.team_id, "domain": self.team_domain}

    def _user(self, user_id: str, user_name: str | None, *keys: str) -> dict[str, Any]:
        """Return a `user` object with the given keys (payload types differ)."""
        name = user_name or user_id.lower()
        values = {"id": user_id, "username": name, "name": name, "team_id": self._team_of(user_id)}
        return {key: values[key] for key in ("id", *keys)}

    @staticmethod
    def _channel(channel_id: str, channel_name: str | None) -> dict[str, str]:
        """Return a `channel` object; DMs are named like Slack names them."""
        if channel_name is None:
            if channel_id.startswith("D"):
                channel_name = "directmessage"
            elif channel_id.startswith("G"):
                channel_name = "privategroup"
            else:
                channel_name = channel_id.lower()
        return {"id": channel_id, "name": channel_name}

    def _view(
        self,
        view: dict[str, Any] | None = None,
        *,
        callback_id: str = "",
        view_id: str = "V0001",
        private_metadata: str = "",
        blocks: list | None = None,
        values: dict[str, dict[str, dict]] | None = None,
        user_id: str | None = None,
    ) -> dict[str, Any]:
        """Return a full `view` object (as in view payloads), overlaid with `view`. A guest's
        modal has their workspace as `team_id`, and the app's as `app_installed_team_id`."""
        full: dict[str, Any] = {
            "id": view_id,
            "team_id": self._team_of(user_id) if user_id else self.team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values or {}},
            "hash": f"{int(self.clock())}.{secrets.token_urlsafe(6)}",
            "title": {"type": "plain_text", "text": "Modal"},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel"},
            "submit": {"type": "plain_text", "text": "Submit"},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.api_app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": "B" + self.bot_user_id[1:],
        }
        if view:
            full.update(view)
            if "root_view_id" not in view:
                full["root_view_id"] = full["id"]
            if "state" not in view and values is None:
                full["state"] = {"values": {}}
        return full

    # ----------------------------------------------------------------- requests

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str,
        channel_id: str,
        user_name: str | None = None,
        channel_name: str | None = None,
        trigger_id: str | None = None,
    ) -> Response:
        """Send a slash command (form-urlencoded, like Slack)."""
        channel = self._channel(channel_id, channel_name)
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel["name"],
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url("commands", user_id),
            "trigger_id": trigger_id or self.trigger_id(),
        }
        if self.enterprise_id:
            fields |= {
                "enterprise_id": self.enterprise_id, "enterprise_name": "Org",
                "is_enterprise_install": "true" if self.org_install else "false",
            }  # fmt: skip
        return self._send(urlencode(fields), FORM)

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user_id: str,
        channel_id: str | None = None,
        message_ts: str | None = None,
        block_id: str = "b",
        view: dict | None = None,
        trigger_id: str | None = None,
        selected_option: dict | None = None,
        action_type: str = "button",
        user_name: str | None = None,
        channel_name: str | None = None,
        message: dict | None = None,
        is_ephemeral: bool = False,
    ) -> Response:
        """Send a `block_actions` payload from a message (channel_id+message_ts) or a view."""
        action: dict[str, Any] = {"action_id": action_id, "block_id": block_id}
        if action_type == "button":
            action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
        if value is not None:
            action["value"] = value
        if selected_option is not None:
            action["selected_option"] = selected_option
        action["type"] = action_type
        action["action_ts"] = self._action_ts()
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id, user_name, "username", "name", "team_id"),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
        }
        if view is not None:
            full_view = self._view(view)
            payload["container"] = {"type": "view", "view_id": full_view["id"]}
            payload["trigger_id"] = trigger_id or self.trigger_id()
            payload["team"] = self._team()
            payload["view"] = full_view
        else:
            if channel_id is None or message_ts is None:
                raise ValueError("a message block action needs channel_id and message_ts")
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": is_ephemeral,
            }
            payload["trigger_id"] = trigger_id or self.trigger_id()
            payload["team"] = self._team()
            payload["channel"] = self._channel(channel_id, channel_name)
            if message is not None:
                payload["message"] = message
            payload["response_url"] = self._response_url("actions", user_id)
        payload["actions"] = [action]
        return self._send_payload(payload)

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, dict]],
        *,
        user_id: str,
        private_metadata: str = "",
        view_id: str = "V0001",
        blocks: list | None = None,
        user_name: str | None = None,
        trigger_id: str | None = None,
    ) -> Response:
        """Send a `view_submission` payload; `values` is state.values (block -> action -> value)."""
        payload = {
            "type": "view_submission",
            "team": self._team(user_id),
            "user": self._user(user_id, user_name, "username", "name", "team_id"),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or self.trigger_id(),
            "view": self._view(
                callback_id=callback_id,
                view_id=view_id,
                private_metadata=private_metadata,
                blocks=blocks,
                values=values,
                user_id=user_id,
            ),
            "response_urls": [],
            "is_enterprise_install": False,
        }
        return self._send_payload(payload)

    def event(self, event: dict, *, event_id: str | None = None) -> Response:
        """Send an Events API `event_callback` envelope (JSON)."""
        return self._send(json.dumps(self._event_envelope(event, event_id)), JSON)

    def _event_envelope(self, event: dict, event_id: str | None) -> dict[str, Any]:
        """Return the `event_callback` envelope Slack wraps an event in."""
        now = self.clock()
        inner = {**event}
        inner.setdefault("event_ts", f"{now:.6f}")
        context = {"et": inner.get("type"), "tid": self.team_id, "aid": self.api_app_id}
        if isinstance(inner.get("channel"), str):
            context["cid"] = inner["channel"]
        encoded_context = base64.urlsafe_b64encode(json.dumps(context).encode()).decode()
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._seq):08d}{secrets.token_hex(2).upper()}",
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{encoded_context.rstrip('=')}",
        }
        if self.guests:  # a channel shared with other workspaces (Slack Connect)
            # The top-level team is the workspace the channel came from; the installation's
            # is in `authorizations` and `context_team_id`; a message names its author's.
            envelope |= {"is_ext_shared_channel": True, "team_id": self.shared_from or self.team_id,
                         "context_team_id": self.team_id,
                         "context_enterprise_id": self.enterprise_id}  # fmt: skip
            author = inner.get("user")
            if inner.get("type") == "message" and author in self.guests:
                inner.setdefault("user_team", self.guests[author])
        if self.enterprise_id:
            envelope["enterprise_id"] = self.enterprise_id
            envelope["authorizations"][0] |= {
                "enterprise_id": self.enterprise_id,
                "team_id": None if self.org_install else self.team_id,
                "is_enterprise_install": self.org_install,
            }
        return envelope

    def app_home_opened(
        self, user_id: str, *, channel_id: str | None = None, tab: str = "home"
    ) -> Response:
        """Send an `app_home_opened` event for a user."""
        channel = channel_id or ("D" + user_id[1:])
        return self.event(
            {"type": "app_home_opened", "user": user_id, "channel": channel, "tab": tab}
        )


def _lower(headers: Any) -> dict[str, str]:
    """Return HTTP headers as a dict with lower-case names."""
    return {str(k).lower(): str(v) for k, v in headers.items()}
