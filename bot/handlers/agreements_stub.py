"""`/agreements` is declared in the manifest but not built yet.

Until their features land, they answer honestly instead of letting Slack show
"dispatch_failed": the person learns what to do meanwhile, and nothing is stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import common, ids
from bot.handlers.reply import ephemeral, later

if TYPE_CHECKING:
    from bot.app import Deps


def register(app: App, deps: Deps) -> None:
    """Wire the commands whose features are still to come."""

    def answer(command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        m = deps.locales.user_messages(client, command["team_id"], command["user_id"])
        ephemeral(
            client,
            channel=command["channel_id"],
            user=command["user_id"],
            text=common.not_yet(m, command=command["command"]),
            respond=respond,
        )

    @app.command(ids.CMD_AGREEMENTS)
    def on_agreements(
        ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        later(deps, client, command, answer, command, client, respond)
