"""The quick consent in a governance meeting: to the last minutes and the agenda (from the
check-in), and to a proposal formed on an item and decided now (from the item's message).

Opening, each answer and the close are stored before the ack; the thread follows from the
outbox. Only the people who checked in answer; only the facilitator opens and closes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel
from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.blocks import errors, ids
from bot.blocks import meeting as minutes_views
from bot.blocks import quick_consent as views
from bot.blocks.values import AgendaValue, MeetingStepValue, MinutesValue, QuickConsentValue
from bot.delivery import outbox
from bot.delivery.meetings import update_check
from bot.deps import Deps
from bot.domain.backlog import FormExpired
from bot.domain.errors import StaleRequest
from bot.domain.quick_consent import CheckKind, Decision, QuickAnswer
from bot.runtime import replies
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, metadata, response_url, where
from bot.runtime.replies import open_modal
from bot.services import meeting, quick_consent

OPENED = "s3bot_quick_consent_opened"
ANSWERED = "s3bot_quick_consent_answered"
CLOSED = "s3bot_quick_consent_closed"
KIND_BY_ACTION = {
    ids.ACT_MEETING_CHECK_MINUTES: CheckKind.MINUTES,
    ids.ACT_MEETING_CHECK_AGENDA: CheckKind.AGENDA,
}


class DecideMeta(BaseModel):
    """State carried through the "decide now" form: the step and the item as the meeting showed
    it (hints, checked again at submit)."""

    meeting_id: int
    step: int
    item_id: int
    status: str | None = None
    next_step: str | None = None
    due_date: date | None = None
    response_url: str | None = None


class AgendaMeta(BaseModel):
    """State carried through the agenda objection form: the agenda's channel and meeting
    (hints: the person's membership is checked again at submit)."""

    channel_id: str
    meeting_at: datetime
    response_url: str | None = None


class ObjectionMeta(BaseModel):
    """State carried through the objection form: which check (a hint, checked at submit)."""

    consent_id: int
    channel_id: str
    response_url: str | None = None


def register(app: App) -> None:
    """Wire the meeting's quick consents."""
    on(app.action(ids.ACT_MEETING_CHECK_MINUTES), ack=open_admin, lazy=(post_check,))
    on(app.action(ids.ACT_MEETING_CHECK_AGENDA), ack=open_admin, lazy=(post_check,))
    on(app.action(ids.ACT_MEETING_DECIDE), lazy=(open_decide,))
    on(app.view(ids.CB_MEETING_DECIDE), ack=submit_decide, lazy=(post_check,))
    on(app.action(ids.ACT_QC_CONSENT), ack=consent, lazy=(show_answer,))
    on(app.action(ids.ACT_QC_OBJECT), lazy=(open_objection,))
    on(app.view(ids.CB_QC_OBJECTION), ack=submit_objection, lazy=(show_answer,))
    on(app.action(ids.ACT_QC_CLOSE), ack=close, lazy=(post_result,))
    on(app.action(ids.ACT_AGENDA_OBJECT), lazy=(open_agenda_objection,))
    on(app.view(ids.CB_AGENDA_OBJECTION), ack=submit_agenda_objection, lazy=(confirm_agenda,))
    on(app.action(ids.ACT_MINUTES_CORRECT), lazy=(open_correction,))
    on(app.view(ids.CB_MINUTES_CORRECT), ack=submit_correction, lazy=(show_correction,))


def _today(deps: Deps, team_id: str, user_id: str) -> date:
    zone = deps.people.cached_zone(team_id, user_id)
    # Unknown zone: the earliest date anywhere on Earth now, so no valid date is refused.
    return (
        deps.clock().astimezone(zone).date()
        if zone
        else (deps.clock() - timedelta(hours=12)).date()
    )


# ---------------------------------------------------------------- opening


def open_admin(ack: Ack, body: dict, action: dict, context: BoltContext, deps: Deps) -> None:
    """ "Consent to the last minutes / the agenda" (the facilitator): opened before the ack."""
    who = where(body)
    value = MeetingStepValue.parse(action.get("value"))
    context[OPENED] = quick_consent.open_admin(
        deps.sessions,
        team_id=who.team_id,
        meeting_id=value.meeting_id,
        user_id=who.user_id or "",
        kind=KIND_BY_ACTION[action.get("action_id") or ""],
        now=deps.clock(),
    )
    ack()


def post_check(context: BoltContext, deps: Deps, args: Args) -> None:
    """Post the check in the thread now (the sweep retries a refusal); tell the facilitator."""
    opened = context.get(OPENED)
    if opened is None:
        return
    if opened.created:
        outbox.deliver_key(deps, opened.check.team_id, quick_consent.check_key(opened.check.id))
    tell(args, views.opened(messages_for(args), opened.created), channel=opened.check.channel_id)


def open_decide(body: dict, action: dict, client: WebClient, deps: Deps, args: Args) -> None:
    """ "Proposal formed: decide now" (the facilitator): the proposal form for the item."""
    who = where(body)
    value = MeetingStepValue.parse(action.get("value"))
    view, item = meeting.item_for_outcome(
        deps.sessions, team_id=who.team_id, meeting_id=value.meeting_id, user_id=who.user_id or "",
        seen_step=value.step, item_id=value.item_id or 0,
    )  # fmt: skip
    meta = DecideMeta(
        meeting_id=view.id, step=view.step, item_id=item.id, status=item.status.value,
        next_step=item.next_step.value if item.next_step else None, due_date=item.due_date,
        response_url=response_url(body),
    )  # fmt: skip
    today = _today(deps, who.team_id, who.user_id or "")
    modal = views.decide_modal(messages_for(args), item, meta.model_dump_json(), today)
    if not open_modal(client, body["trigger_id"], modal):
        raise FormExpired()


def read_decision(form: Form) -> Decision:
    """The "decide now" form as submitted: the proposal and the agreement's fields."""
    return Decision(
        proposal=form.text(ids.IN_PROPOSAL),
        review_date=form.date(ids.IN_REVIEW_DATE),
        title=form.text(ids.IN_TITLE),
        responsibilities=form.text(ids.IN_RESPONSIBILITIES),
        evaluation=form.text(ids.IN_EVALUATION),
        responsible_ids=tuple(form.users(ids.IN_RESPONSIBLE_PEOPLE)),
    )


def submit_decide(ack: Ack, body: dict, view: dict, context: BoltContext, deps: Deps) -> None:
    """Open the quick consent on the proposal; every refused field said at once (the form
    stays open, nothing typed lost); refused when the item changed meanwhile."""
    who = where(body)
    meta = metadata(view, DecideMeta)
    if meta is None:
        raise StaleRequest()
    form = Form(view)
    decision = read_decision(form)
    today = _today(deps, who.team_id, who.user_id or "")
    if problems := quick_consent.decide_problems(decision, today=today):
        m = deps.people.cached_messages(who.team_id, who.user_id)  # no Slack call before the ack
        found = errors.field_errors(m, problems, form.block_ids())
        ack(response_action="errors", errors=found)
        return
    context[OPENED] = quick_consent.open_item(
        deps.sessions,
        team_id=who.team_id,
        meeting_id=meta.meeting_id,
        user_id=who.user_id or "",
        seen_step=meta.step,
        seen=meeting.ItemSeen(meta.item_id, meta.status, meta.next_step, meta.due_date),
        decision=decision,
        hidden="hidden" in form.selected_all(ids.IN_QC_HIDDEN),
        now=deps.clock(),
        today=today,
    )
    ack()


# ---------------------------------------------------------------- answering


def consent(ack: Ack, body: dict, action: dict, context: BoltContext, deps: Deps) -> None:
    """ "Consent" (someone present): stored before the ack; their latest answer counts."""
    who = where(body)
    context[ANSWERED] = quick_consent.answer(
        deps.sessions,
        team_id=who.team_id,
        consent_id=QuickConsentValue.parse(action.get("value")).consent_id,
        user_id=who.user_id or "",
        answer=QuickAnswer.CONSENT.value,
        reason=None,
        now=deps.clock(),
    )
    context[ANSWERED + "_as"] = QuickAnswer.CONSENT.value
    ack()


def open_objection(body: dict, action: dict, client: WebClient, deps: Deps, args: Args) -> None:
    """ "Objection…" (someone present): the form for its reason."""
    who = where(body)
    check = quick_consent.answerable(
        deps.sessions,
        team_id=who.team_id,
        consent_id=QuickConsentValue.parse(action.get("value")).consent_id,
        user_id=who.user_id or "",
    )
    meta = ObjectionMeta(
        consent_id=check.id, channel_id=check.channel_id, response_url=response_url(body)
    )
    modal = views.objection_modal(messages_for(args), check, meta.model_dump_json())
    if not open_modal(client, body["trigger_id"], modal):
        raise FormExpired()


def submit_objection(ack: Ack, body: dict, view: dict, context: BoltContext, deps: Deps) -> None:
    """Store the objection with its reason before the ack; no reason is a field error."""
    who = where(body)
    meta = metadata(view, ObjectionMeta)
    if meta is None:
        raise StaleRequest()
    context[ANSWERED] = quick_consent.answer(
        deps.sessions,
        team_id=who.team_id,
        consent_id=meta.consent_id,
        user_id=who.user_id or "",
        answer=QuickAnswer.OBJECTION.value,
        reason=Form(view).text(ids.IN_REASON),
        now=deps.clock(),
    )
    context[ANSWERED + "_as"] = QuickAnswer.OBJECTION.value
    ack()


def show_answer(context: BoltContext, deps: Deps, args: Args) -> None:
    """The check's message shows who answered (or how many); tell the person."""
    check = context.get(ANSWERED)
    if check is None:
        return
    update_check(deps, check)
    answered = views.answered(messages_for(args), context.get(ANSWERED + "_as") or "")
    tell(args, answered, channel=check.channel_id)


# ---------------------------------------------------------------- closing


def close(ack: Ack, body: dict, action: dict, context: BoltContext, deps: Deps) -> None:
    """ "Close" (the facilitator): the result stored before the ack."""
    who = where(body)
    context[CLOSED] = quick_consent.close(
        deps.sessions,
        team_id=who.team_id,
        consent_id=QuickConsentValue.parse(action.get("value")).consent_id,
        user_id=who.user_id or "",
        now=deps.clock(),
    )
    ack()


def post_result(context: BoltContext, deps: Deps, args: Args) -> None:
    """Post the result in the thread now, then the meeting's next item when it moved on."""
    closed = context.get(CLOSED)
    if closed is None:
        return
    check = closed.check
    outbox.deliver_key(deps, check.team_id, quick_consent.result_key(check.id))
    if closed.moved is not None:
        moved = closed.moved
        outbox.deliver_key(deps, moved.team_id, meeting.step_key(moved.id, moved.step))
    tell(args, views.closed(messages_for(args)), channel=check.channel_id)


# ---------------------------------------------------------------- objections to the agenda

AGENDA_OBJECTED = "s3bot_agenda_objected"


def open_agenda_objection(body: dict, action: dict, client: WebClient, args: Args) -> None:
    """ "Object to the agenda" (anyone in the circle): the form for the reason."""
    value = AgendaValue.parse(action.get("value"))
    meta = AgendaMeta(
        channel_id=value.channel_id,
        meeting_at=datetime.fromtimestamp(value.meeting_at, UTC),
        response_url=response_url(body),
    )
    modal = views.agenda_objection_modal(messages_for(args), meta.model_dump_json())
    if not open_modal(client, body["trigger_id"], modal):
        raise FormExpired()


def submit_agenda_objection(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """Store the objection with its reason before the ack; only the channel's members (checked
    now), and a reason is needed (a field error)."""
    who = where(body)
    meta = metadata(view, AgendaMeta)
    if meta is None:
        raise StaleRequest()
    user_id = who.user_id or ""
    quick_consent.object_to_agenda(
        deps.sessions,
        team_id=who.team_id,
        channel_id=meta.channel_id,
        meeting_at=meta.meeting_at,
        user_id=user_id,
        is_member=deps.people.channels.includes_now(client, who.team_id, meta.channel_id, user_id),
        reason=Form(view).text(ids.IN_REASON),
        now=deps.clock(),
    )
    context[AGENDA_OBJECTED] = meta.channel_id
    ack()


def confirm_agenda(context: BoltContext, args: Args) -> None:
    """Tell the person their objection is recorded."""
    if AGENDA_OBJECTED in context:
        tell(args, views.agenda_objected(messages_for(args)), channel=context[AGENDA_OBJECTED])


# ---------------------------------------------------------------- the secretary's corrections

CORRECTED = "s3bot_minutes_corrected"


class CorrectionMeta(BaseModel):
    """State carried through the correction form: the meeting and the minutes message (hints)."""

    meeting_id: int
    channel_id: str | None = None
    message_ts: str | None = None
    response_url: str | None = None


def open_correction(body: dict, action: dict, client: WebClient, deps: Deps, args: Args) -> None:
    """ "Correct the minutes" (the secretary): the form, until the minutes are consented to."""
    who = where(body)
    view = quick_consent.correction_form(
        deps.sessions,
        team_id=who.team_id,
        meeting_id=MinutesValue.parse(action.get("value")).meeting_id,
        user_id=who.user_id or "",
    )
    container = body.get("container") or {}
    meta = CorrectionMeta(
        meeting_id=view.id,
        channel_id=view.channel_id,
        message_ts=None if container.get("is_ephemeral") else container.get("message_ts"),
        response_url=response_url(body),
    )
    modal = views.correction_modal(messages_for(args), view.correction, meta.model_dump_json())
    if not open_modal(client, body["trigger_id"], modal):
        raise FormExpired()


def submit_correction(ack: Ack, body: dict, view: dict, context: BoltContext, deps: Deps) -> None:
    """Store the secretary's correction before the ack (who may, checked again now)."""
    who = where(body)
    meta = metadata(view, CorrectionMeta)
    if meta is None:
        raise StaleRequest()
    context[CORRECTED] = (
        quick_consent.correct_minutes(
            deps.sessions,
            team_id=who.team_id,
            meeting_id=meta.meeting_id,
            user_id=who.user_id or "",
            text=Form(view).text(ids.IN_MINUTES_CORRECTION),
            now=deps.clock(),
        ),
        meta.message_ts,
    )
    ack()


def show_correction(client: WebClient, context: BoltContext, deps: Deps, args: Args) -> None:
    """The minutes message shows the correction; tell the secretary."""
    done = context.get(CORRECTED)
    if done is None:
        return
    minutes, ts = done
    if ts:
        text, blocks = minutes_views.minutes_message(
            deps.people.workspace_messages(minutes.team_id), minutes
        )
        replies.update_message(client, minutes.channel_id, ts, text, blocks)
    tell(args, views.corrected(messages_for(args)), channel=minutes.channel_id)
