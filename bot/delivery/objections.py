"""An objection's place in the round's thread, and what its test tells the objector."""

from __future__ import annotations

from bot.blocks import objections as views
from bot.blocks import resolutions as resolution_views
from bot.delivery.language import channel_messages
from bot.deps import Deps
from bot.domain.objections import ObjectionNotFound
from bot.runtime.posting import Attempt, direct_post, post
from bot.runtime.replies import permalink
from bot.services import objections
from bot.services.payloads import (
    ObjectionConcernView,
    ObjectionNotQualified,
    ObjectionThread,
    ObjectionUpdate,
    ResolutionCheck,
)


class RoundNotPostedYet(Exception):
    """The round's message has no ts yet: the objection's reply waits for it (retried)."""


def send_thread(
    deps: Deps, team_id: str, target: str, payload: ObjectionThread, attempt: Attempt
) -> None:
    """Post the objection's reply in the round's thread, and remember it."""
    view = objections.load(deps.sessions, team_id=team_id, objection_id=payload.objection_id)
    if view.message_ts:
        return
    if not view.round_message_ts:
        raise RoundNotPostedYet()
    text, blocks = views.objection_message(channel_messages(deps, team_id, target), view)
    _, ts = post(
        deps.clients.for_team(team_id), attempt, channel=target, text=text, blocks=blocks,
        thread_ts=view.round_message_ts,
    )  # fmt: skip
    objections.set_message(deps.sessions, team_id=team_id, objection_id=view.id, ts=ts)


def send_update(
    deps: Deps, team_id: str, target: str, payload: ObjectionUpdate, attempt: Attempt
) -> None:
    """Bring the objection's reply up to date (it shows the objection as it stands now)."""
    view = objections.load(deps.sessions, team_id=team_id, objection_id=payload.objection_id)
    if not view.message_ts:
        return  # its first post shows it as it stands
    text, blocks = views.objection_message(channel_messages(deps, team_id, target), view)
    deps.clients.for_team(team_id).chat_update(
        channel=view.channel_id, ts=view.message_ts, text=text, blocks=blocks
    )


def send_concern_view(
    deps: Deps, team_id: str, target: str, payload: ObjectionConcernView, attempt: Attempt
) -> None:
    """Tell the objector, by DM, that someone thinks their objection is a concern, and why."""
    view = objections.load(deps.sessions, team_id=team_id, objection_id=payload.objection_id)
    step = view.step(payload.step_id)
    if step is None:
        raise ObjectionNotFound()
    client = deps.clients.for_team(team_id)
    m = deps.people.user_messages(client, team_id, target)
    link = permalink(client, view.channel_id, view.message_ts)
    text, blocks = views.concern_view_dm(m, view, step, link)
    direct_post(client, attempt, target, text, blocks)


def send_not_qualified(
    deps: Deps, team_id: str, target: str, payload: ObjectionNotQualified, attempt: Attempt
) -> None:
    """Tell the objector, by DM, that the author says their objection does not qualify."""
    view = objections.load(deps.sessions, team_id=team_id, objection_id=payload.objection_id)
    step = view.step(payload.step_id)
    if step is None:
        raise ObjectionNotFound()
    client = deps.clients.for_team(team_id)
    m = deps.people.user_messages(client, team_id, target)
    link = permalink(client, view.channel_id, view.message_ts)
    text, blocks = views.not_qualified_dm(m, view, step, link)
    direct_post(client, attempt, target, text, blocks)


def send_resolution_check(
    deps: Deps, team_id: str, target: str, payload: ResolutionCheck, attempt: Attempt
) -> None:
    """Ask the objector, by DM, whether the amended version resolves their objection."""
    view = objections.load(deps.sessions, team_id=team_id, objection_id=payload.objection_id)
    client = deps.clients.for_team(team_id)
    m = deps.people.user_messages(client, team_id, target)
    link = permalink(client, view.channel_id, view.message_ts)
    text, blocks = resolution_views.check_dm(m, view, link)
    direct_post(client, attempt, target, text, blocks)
