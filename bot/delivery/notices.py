"""Channel notices that follow a committed change: agreement events, meeting agendas."""

from __future__ import annotations

from bot.blocks import agreements as agreement_views
from bot.blocks import backlog as backlog_views
from bot.blocks import rhythm as rhythm_views
from bot.blocks import welcome as welcome_views
from bot.delivery.language import channel_messages
from bot.deps import Deps
from bot.runtime.posting import Attempt, post
from bot.services import agreements, backlog, rhythm
from bot.services.payloads import (
    AgreementEvent,
    CadenceSet,
    ChannelWelcome,
    MeetingAgenda,
    TensionAnnouncement,
)


def send_agreement_event(
    deps: Deps, team_id: str, target: str, payload: AgreementEvent, attempt: Attempt
) -> None:
    """Tell the channel that an agreement was kept, evolved, dropped or snoozed."""
    view = agreements.load(deps.sessions, team_id=team_id, agreement_id=payload.agreement_id)
    entry = next((e for e in view.history if e.id == payload.event_id), None)
    if entry is None:
        return
    m = channel_messages(deps, team_id, target)
    text, blocks = agreement_views.event_post(m, view, entry.action, entry.actor_id, entry.detail)
    post(deps.clients.for_team(team_id), attempt, channel=target, text=text, blocks=blocks)


def send_agenda(
    deps: Deps, team_id: str, target: str, payload: MeetingAgenda, attempt: Attempt
) -> None:
    """A governance meeting's agenda, the day before, unless the meeting moved meanwhile."""
    agenda = rhythm.agenda_to_post(
        deps.sessions,
        team_id=team_id,
        circle_id=payload.circle_id,
        meeting_at=payload.meeting_at,
        now=deps.clock(),
    )
    if agenda is None:
        return  # the meeting started, or the rhythm changed, since it was queued
    m = channel_messages(deps, team_id, target)
    text, blocks = rhythm_views.agenda_message(m, agenda)
    post(deps.clients.for_team(team_id), attempt, channel=target, text=text, blocks=blocks)


def send_tension(
    deps: Deps, team_id: str, target: str, payload: TensionAnnouncement, attempt: Attempt
) -> None:
    """Tell the channel about a new tension or driver, and link the item to that message."""
    item = backlog.get(deps.sessions, team_id=team_id, item_id=payload.item_id)
    if item.message_ts:
        return  # linked already: announced
    m = channel_messages(deps, team_id, target)
    text, blocks = backlog_views.tension_raised(m, item, payload.open_count)
    _, ts = post(deps.clients.for_team(team_id), attempt, channel=target, text=text, blocks=blocks)
    # Should this fail, the row stays unsent; its retry finds this post and links it then.
    backlog.remember_message(deps.sessions, team_id=team_id, item_id=item.id, message_ts=ts)


def send_cadence(
    deps: Deps, team_id: str, target: str, payload: CadenceSet, attempt: Attempt
) -> None:
    """Tell the channel its governance meeting rhythm (as it stands when this is sent)."""
    saved = rhythm.get_cadence(deps.sessions, team_id=team_id, channel_id=payload.channel_id)
    if saved is None:
        return
    m = channel_messages(deps, team_id, target)
    text, blocks = rhythm_views.cadence_set(m, payload.actor, saved)
    post(deps.clients.for_team(team_id), attempt, channel=target, text=text, blocks=blocks)


def send_channel_welcome(
    deps: Deps, team_id: str, target: str, payload: ChannelWelcome, attempt: Attempt
) -> None:
    """The bot's welcome in a channel it was invited to, in the workspace's language."""
    m = channel_messages(deps, team_id, target)
    text, blocks = welcome_views.channel_welcome(m)
    post(deps.clients.for_team(team_id), attempt, channel=target, text=text, blocks=blocks)
