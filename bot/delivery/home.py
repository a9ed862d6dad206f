"""The App Home tab: render a person's view of their governance and publish it.

Called when they open the tab, and again after they used the welcome's buttons (from the
features whose forms those buttons open), with the request's own client.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import home as views
from bot.deps import Deps
from bot.domain.clock import local_today
from bot.runtime.payload import where
from bot.runtime.replies import permalink
from bot.services import agreements, backlog, consent, meeting, role_groups, structure, welcome
from bot.services.views import RunningMeeting

log = logging.getLogger(__name__)

HOME_TENSIONS = 30
HOME_CHANNEL_SCAN = 30  # channels with a backlog checked for the person's membership


def publish(
    deps: Deps, client: WebClient, team_id: str, user_id: str, notice: str | None = None
) -> None:
    """Publish the person's Home tab: the welcome (until they are past it), what needs them
    now (rounds to answer, nominations, reviews due), their tensions, roles and circles'
    backlogs; `notice` on top says what their last action here did."""
    m = deps.people.user_messages(client, team_id, user_id)
    tensions = backlog.open_tensions_of(
        deps.sessions, team_id=team_id, user_id=user_id, limit=HOME_TENSIONS
    )
    waiting = consent.awaiting_answer(deps.sessions, team_id=team_id, user_id=user_id)
    mine = my_circles(deps, client, team_id, user_id)
    circles = backlog.backlogs_for(
        deps.sessions, team_id=team_id, channels=mine, per_channel=views.HOME_ITEMS
    )
    today = local_today(deps.clock(), deps.people.timezone(client, team_id, user_id))
    reviews = agreements.reviews_for(
        deps.sessions, team_id=team_id, user_id=user_id, limit=views.HOME_REVIEWS, today=today
    )
    pending = welcome.home_welcome_pending(deps.sessions, team_id=team_id, user_id=user_id)
    circle = (mine or welcomed_circles(deps, client, team_id, user_id) or [None])[0]
    links = structure.for_home(deps.sessions, team_id=team_id, user_id=user_id, channels=mine)
    admin = is_admin(deps.people.user_info(client, team_id, user_id))
    view = views.home_view(
        m,
        tensions,
        waiting,
        circles,
        reviews,
        welcome=pending,
        circle=circle if pending else None,
        structure=links,
        admin_language=deps.people.for_workspace(team_id) if admin else None,
        admin_role_groups=role_groups.enabled(deps.sessions, team_id=team_id) if admin else None,
        today=today,
        notice=notice,
        meetings=meetings_for(deps, client, team_id, user_id),
    )
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("home tab not published: %s", exc.response.get("error"))


def meetings_for(deps: Deps, client: WebClient, team_id: str, user_id: str
                 ) -> list[RunningMeeting]:  # fmt: skip
    """The meetings running now in channels the person is a member of, each with a link to
    its thread."""
    return [
        RunningMeeting(
            r.channel_id,
            r.facilitator_id,
            r.message_ts,
            permalink(client, r.channel_id, r.message_ts),
        )  # fmt: skip
        for r in meeting.running(deps.sessions, team_id=team_id)
        if deps.people.channels.includes(client, team_id, r.channel_id, user_id)
    ][: views.HOME_MEETINGS]


def my_circles(deps: Deps, client: WebClient, team_id: str, user_id: str) -> list[str]:
    """The channels with a backlog that the person is a member of (the first few)."""
    active = backlog.active_channels(deps.sessions, team_id=team_id, limit=HOME_CHANNEL_SCAN)
    mine = [c for c in active if deps.people.channels.includes(client, team_id, c, user_id)]
    return mine[: views.HOME_CIRCLES]


def welcomed_circles(deps: Deps, client: WebClient, team_id: str, user_id: str) -> list[str]:
    """Channels the bot joined (no backlog yet) that the person is a member of."""
    joined = welcome.welcomed_channels(deps.sessions, team_id=team_id, limit=HOME_CHANNEL_SCAN)
    return [c for c in joined if deps.people.channels.includes(client, team_id, c, user_id)][:1]


def is_admin(info: dict | None) -> bool:
    """Whether Slack says the person administers the workspace (admin or owner)."""
    info = info or {}
    return bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))


def from_home(body: dict) -> bool:
    """Whether the person acted on their Home tab (a button there, or a form opened there)."""
    view = body.get("view") or {}
    return isinstance(view, dict) and view.get("type") == "home"


def refresh_if_home(
    deps: Deps, client: WebClient, body: dict, notice: str | None, *, home: bool = False
) -> bool:
    """After an action on the Home tab (`home`: a form opened there), show the tab again with
    what the action did on top (there is no channel to answer in); False when the action
    came from elsewhere."""
    if not (home or from_home(body)):
        return False
    who = where(body)
    if who.user_id:
        publish(deps, client, who.team_id, who.user_id, notice)
    return True
