"""Posting a consent round right after the form that opened it closed (/consent, /role,
/domain): the round was stored before the ack, its message is queued in the outbox."""

from __future__ import annotations

from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.blocks import consent as views
from bot.delivery import outbox
from bot.deps import Deps
from bot.runtime.listeners import tell
from bot.services import consent
from bot.services.views import RoundView

OPENED = "s3bot_consent_opened"  # listener context: the round stored before the ack


def post_opened(args: Args, deps: Deps, client: WebClient, round_: RoundView | None) -> None:
    """Post a round stored before the ack (any form that opens one: /consent, /role,
    /domain). The form has closed, so what goes wrong is told to the author through the
    response_url the form carries (else ephemeral in the channel)."""
    if round_ is None:
        return
    told = outbox.deliver_key(deps, round_.team_id, consent.round_message_key(round_.id))
    if told.outcome in (outbox.Outcome.SENT, outbox.Outcome.SKIPPED):
        outbox.deliver_key(deps, round_.team_id, consent.controls_key(round_.id))  # author's DM
        return
    m = deps.people.user_messages(client, round_.team_id, round_.author_id)
    text = (
        views.round_not_posted(m)
        if told.outcome is outbox.Outcome.UNDELIVERABLE
        else views.round_delayed(m)
    )
    tell(args, text, channel=round_.channel_id)
