"""The request driver the tests use: the demo's driver plus what only tests send.

`SlackDriver` extends `bot.demo.driver.SlackDriver` with shortcuts, `view_closed`,
`reaction_added` and Slack's event retries (the X-Slack-Retry-* headers Slack adds
when an app did not answer in time).
"""

from __future__ import annotations

import json

from bot.demo import driver as demo_driver
from bot.demo.driver import JSON, VERIFICATION_TOKEN, Response

__all__ = ["Response", "SlackDriver"]

# The "Start a consent round" step's inputs and their types, as manifest.yml declares them.
FUNCTION_INPUT_TYPES = {
    "channel": "slack#/types/channel_id",
    "title": "string",
    "proposal": "string",
    "deadline": "slack#/types/timestamp",
    "review_date": "slack#/types/date",
    "author": "slack#/types/user_id",
}


class SlackDriver(demo_driver.SlackDriver):
    """Plays the Slack platform's side for the tests: every request the bot handles."""

    def event(
        self,
        event: dict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> Response:
        """Send an Events API `event_callback` envelope (JSON), optionally as a retry."""
        envelope = self._event_envelope(event, event_id)
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._send(json.dumps(envelope), JSON, extra)

    def function_executed(
        self,
        callback_id: str,
        inputs: dict,
        *,
        execution_id: str,
        token: str,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> Response:
        """Send `function_executed` as Slack does when a workflow reaches one of the app's
        steps: the function as the manifest declares it, its inputs, the execution id and
        the bot token for this execution."""
        event = {
            "type": "function_executed",
            "function": {
                "id": "Fn0STARTROUND",
                "callback_id": callback_id,
                "title": "Start a consent round",
                "description": "Ask the channel for consent on a proposal, by a deadline",
                "type": "app",
                "input_parameters": [
                    {"type": kind, "name": name, "title": name, "is_required": name != "title"}
                    for name, kind in FUNCTION_INPUT_TYPES.items()
                ],
                "output_parameters": [
                    {
                        "type": "string",
                        "name": "round_link",
                        "title": "Round link",
                        "is_required": True,
                    },
                ],  # fmt: skip
                "app_id": self.api_app_id,
                "date_created": 1764547200,
                "date_updated": 1764547200,
                "date_deleted": 0,
            },
            "inputs": inputs,
            "function_execution_id": execution_id,
            "workflow_execution_id": "Wx" + execution_id[2:],
            "bot_access_token": token,
        }
        return self.event(event, event_id=event_id, retry_num=retry_num)

    def view_closed(
        self,
        callback_id: str,
        *,
        user_id: str,
        private_metadata: str = "",
        view_id: str = "V0001",
        is_cleared: bool = False,
        user_name: str | None = None,
    ) -> Response:
        """Send a `view_closed` payload (only sent for views with notify_on_close)."""
        payload = {
            "type": "view_closed",
            "team": self._team(user_id),
            "user": self._user(user_id, user_name, "username", "name", "team_id"),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "view": self._view(
                {"notify_on_close": True},
                callback_id=callback_id,
                view_id=view_id,
                private_metadata=private_metadata,
                user_id=user_id,
            ),
            "is_cleared": is_cleared,
            "is_enterprise_install": False,
        }
        return self._send_payload(payload)

    def message_shortcut(
        self,
        callback_id: str,
        *,
        user_id: str,
        channel_id: str,
        message: dict,
        trigger_id: str | None = None,
        user_name: str | None = None,
        channel_name: str | None = None,
    ) -> Response:
        """Send a `message_action` payload for a shortcut on `message` (must carry `ts`)."""
        msg = {"type": "message", "team": self.team_id, **message}
        if "ts" not in msg:
            raise ValueError("the message of a message shortcut needs a ts")
        payload = {
            "type": "message_action",
            "token": VERIFICATION_TOKEN,
            "action_ts": self._action_ts(),
            "team": self._team(),
            "user": self._user(user_id, user_name, "name"),
            "channel": self._channel(channel_id, channel_name),
            "callback_id": callback_id,
            "trigger_id": trigger_id or self.trigger_id(),
            "message_ts": msg["ts"],
            "message": msg,
            "response_url": self._response_url("app", user_id),
        }
        return self._send_payload(payload)

    def global_shortcut(
        self,
        callback_id: str,
        *,
        user_id: str,
        trigger_id: str | None = None,
        user_name: str | None = None,
    ) -> Response:
        """Send a global `shortcut` payload."""
        payload = {
            "type": "shortcut",
            "token": VERIFICATION_TOKEN,
            "action_ts": self._action_ts(),
            "team": self._team(),
            "user": self._user(user_id, user_name, "username", "team_id"),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id or self.trigger_id(),
        }
        return self._send_payload(payload)

    def reaction_added(
        self, reaction: str, *, user_id: str, channel_id: str, ts: str, item_user: str
    ) -> Response:
        """Send a `reaction_added` event for a message."""
        return self.event(
            {
                "type": "reaction_added",
                "user": user_id,
                "item": {"type": "message", "channel": channel_id, "ts": ts},
                "reaction": reaction,
                "item_user": item_user,
            }
        )
