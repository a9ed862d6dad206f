"""A channel the bot cannot post in: said before a form is filled, joined on request, and
checked again when the form comes back (so a round or tension never lands nowhere)."""

from __future__ import annotations

from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.blocks import reach as views
from bot.blocks.values import JoinValue
from bot.deps import Deps
from bot.runtime.listeners import messages_for, tell


def refuse_unreachable(
    args: Args, deps: Deps, client: WebClient, team_id: str, channel_id: str, *,
    join_action: str, text: str = "",
) -> bool:  # fmt: skip
    """True (and the person told why, with what to do) when the bot cannot post here."""
    found = deps.people.reach.of(client, team_id, channel_id)
    if found.postable:
        return False
    fallback, blocks = views.cannot_post(
        messages_for(args), public=found.public, direct=found.direct, channel_id=channel_id,
        action_id=join_action, text=text,
    )  # fmt: skip
    tell(args, fallback, blocks)
    return True


def join_from_button(args: Args, deps: Deps, client: WebClient, team_id: str) -> JoinValue | None:
    """The "Add the bot to this channel" button: join it; what the button carried, or None
    (the person told) when Slack refused."""
    value = JoinValue.parse(args.action.get("value"))
    if not deps.people.reach.join(client, team_id, value.channel_id):
        tell(args, views.join_failed(messages_for(args)))
        return None
    deps.people.channels.of(client, team_id, value.channel_id)  # its members, for the submit
    return value


def unreachable_now(
    deps: Deps, client: WebClient, team_id: str, channel_id: str, user_id: str | None
) -> str | None:
    """At a form's submit: the field error to show when the bot can no longer post there."""
    if deps.people.reach.of(client, team_id, channel_id, fresh=True).postable:
        return None
    return views.unreachable_at_submit(deps.people.cached_messages(team_id, user_id))
