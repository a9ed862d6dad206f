"""A round sent to the governance meeting, decided there: the facilitator's "Decide now" on the
round's message opens its proposal (to amend) and review date, put to a quick consent of the
people present; the check is then answered and closed as any quick consent
(bot.handlers.meeting_consent). Stored before the ack; the thread follows from the outbox.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel
from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.blocks import ids
from bot.blocks import meeting as views
from bot.blocks import quick_consent as qc_views
from bot.blocks.values import MeetingStepValue
from bot.delivery import outbox
from bot.deps import Deps
from bot.domain.backlog import FormExpired
from bot.domain.errors import StaleRequest
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, metadata, response_url, where
from bot.runtime.replies import open_modal
from bot.services import meeting_rounds, quick_consent

OPENED = "s3bot_round_decide_opened"


class RoundDecideMeta(BaseModel):
    """State carried through the "Decide now" form of a round sent to the meeting: the step
    and the round as the meeting showed them (hints, checked again at submit)."""

    meeting_id: int
    step: int
    round_id: int
    response_url: str | None = None


def register(app: App) -> None:
    """Wire "Decide now" on a round sent to the meeting."""
    on(app.action(ids.ACT_MEETING_ROUND_DECIDE), lazy=(open_decide,))
    on(app.view(ids.CB_MEETING_ROUND_DECIDE), ack=submit_decide, lazy=(post_check,))


def _today(deps: Deps, team_id: str, user_id: str) -> date:
    zone = deps.people.cached_zone(team_id, user_id)
    # Unknown zone: the earliest date anywhere on Earth now, so no valid date is refused.
    return (
        deps.clock().astimezone(zone).date()
        if zone
        else (deps.clock() - timedelta(hours=12)).date()
    )


def open_decide(body: dict, action: dict, client: WebClient, deps: Deps, args: Args) -> None:
    """ "Decide now" (the facilitator): the round's proposal and review date, to amend."""
    who = where(body)
    value = MeetingStepValue.parse(action.get("value"))
    view, rnd = meeting_rounds.round_for_decision(
        deps.sessions, team_id=who.team_id, meeting_id=value.meeting_id,
        user_id=who.user_id or "", seen_step=value.step,
    )  # fmt: skip
    meta = RoundDecideMeta(
        meeting_id=view.id, step=view.step, round_id=rnd.id, response_url=response_url(body)
    )
    modal = views.round_decide_modal(messages_for(args), rnd, meta.model_dump_json())
    if not open_modal(client, body["trigger_id"], modal):
        raise FormExpired()


def submit_decide(ack: Ack, body: dict, view: dict, context: BoltContext, deps: Deps) -> None:
    """Open the quick consent on the (amended) proposal; refused when the round moved on."""
    who = where(body)
    meta = metadata(view, RoundDecideMeta)
    if meta is None:
        raise StaleRequest()
    form = Form(view)
    context[OPENED] = meeting_rounds.open_check(
        deps.sessions,
        team_id=who.team_id,
        meeting_id=meta.meeting_id,
        user_id=who.user_id or "",
        seen_step=meta.step,
        round_id=meta.round_id,
        proposal=form.text(ids.IN_PROPOSAL),
        review_date=form.date(ids.IN_REVIEW_DATE),
        hidden="hidden" in form.selected_all(ids.IN_QC_HIDDEN),
        now=deps.clock(),
        today=_today(deps, who.team_id, who.user_id or ""),
    )
    ack()


def post_check(context: BoltContext, deps: Deps, args: Args) -> None:
    """Post the check in the thread now (the sweep retries a refusal); tell the facilitator."""
    opened = context.get(OPENED)
    if opened is None:
        return
    if opened.created:
        outbox.deliver_key(deps, opened.check.team_id, quick_consent.check_key(opened.check.id))
    tell(args, qc_views.opened(messages_for(args), opened.created), channel=opened.check.channel_id)
