"""`/consent` and the author's side of a round: the proposal form, opening the round, and
Close now, Withdraw, Extend and Amend."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import consent as views
from bot.blocks import ids
from bot.blocks.consent import ConsentMeta, ExtendMeta, Resolving
from bot.blocks.resolutions import meeting_item_text, resolution_errors
from bot.blocks.values import HomeValue, MeetingStepValue, RoundValue
from bot.delivery import home, opened, outbox, reach
from bot.deps import Deps
from bot.domain import consent as rules
from bot.domain.errors import DomainError, StaleRequest
from bot.domain.objections import (
    NEEDS_RESOLUTION,
    Resolution,
    ResolutionProblem,
    Resolved,
    check_resolution,
)
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, dm_message, metadata, request_key, response_url, where
from bot.runtime.replies import open_modal, update_message
from bot.scheduler import kick
from bot.services import backlog, consent, meeting, welcome
from bot.services.views import ObjectionView

log = logging.getLogger(__name__)

OPENED = opened.OPENED  # context: the stored round, for the part after the ack
EXTENDED = "s3bot_consent_extended"  # context: the round has its new deadline
AMENDED_FROM = "s3bot_consent_amended_from"  # context: the author's result DM amended from
SENT = "s3bot_consent_sent_to_meeting"  # context: (the round, whether this click sent it)


def register(app: App) -> None:
    """Wire /consent, the proposal form and the author's actions."""
    on(app.command(ids.CMD_CONSENT), lazy=(show_proposal_form,))
    on(app.action(ids.ACT_JOIN_FOR_CONSENT), lazy=(join_then_propose,))
    on(app.view(ids.CB_CONSENT_MODAL), ack=check_proposal, lazy=(start_round,))
    on(app.action(ids.ACT_CLOSE_EARLY), ack=close_now, lazy=(sweep_now,))
    on(app.action(ids.ACT_WITHDRAW), ack=withdraw, lazy=(sweep_now, show_withdrawn))
    on(app.action(ids.ACT_SEND_TO_MEETING), ack=send_to_meeting, lazy=(sweep_now, tell_sent))
    on(app.action(ids.ACT_AMEND), lazy=(show_amend_form,))
    on(app.action(ids.ACT_EXTEND), lazy=(show_extend_form,))
    on(app.view(ids.CB_EXTEND_MODAL), ack=extend, lazy=(run_sweeps,))
    on(app.action(ids.ACT_HOME_PROPOSE), ack=home_welcome_used, lazy=(propose_from_home,))
    on(app.action(ids.ACT_CONSENT_MORE), lazy=(show_more_options,))
    on(app.action(ids.ACT_MEETING_PROPOSE), lazy=(propose_from_meeting,))


# ---------------------------------------------------------------- helpers


def local_now(deps: Deps, client: WebClient, team_id: str, user_id: str) -> datetime:
    """The current time in the person's Slack timezone."""
    return deps.clock().astimezone(deps.people.zone(client, team_id, user_id))


def show_form(args: Args, view: dict[str, Any]) -> None:
    """Open a modal; an expired trigger becomes a polite "try again"."""
    if not open_modal(args.client, args.body["trigger_id"], view):
        tell(args, views.slow_form(messages_for(args)))


def proposal_modal(
    deps: Deps,
    client: WebClient,
    team_id: str,
    user_id: str,
    meta: ConsentMeta,
    initial: dict[str, Any],
    objections: list[tuple[ObjectionView, str]] | None = None,
) -> dict:
    """The /consent form for this person and channel, with the given initial values."""
    m = deps.people.user_messages(client, team_id, user_id)
    items, _ = backlog.backlog_page(
        deps.sessions, team_id=team_id, channel_id=meta.channel_id, limit=100
    )
    now_local = local_now(deps, client, team_id, user_id)
    return views.proposal_form(m, meta, items, now_local, initial, objections)


def _quorum(form: Form) -> tuple[int | None, bool]:
    raw = form.text(ids.IN_QUORUM)
    try:
        return (int(raw) if raw else None), True
    except ValueError:
        return None, False


def read_proposal(form: Form, meta: ConsentMeta) -> tuple[consent.Draft | None, list[DomainError]]:
    """The submitted proposal, or what is missing from the form."""
    deadline, review = form.moment(ids.IN_DEADLINE), form.date(ids.IN_REVIEW_DATE)
    if review is None and not form.raw(ids.IN_REVIEW_DATE) and meta.essentials:
        review = meta.review_default  # the essentials only: the review date said under them
    quorum, quorum_ok = _quorum(form)
    missing: list[DomainError] = []
    if deadline is None:
        missing.append(rules.DeadlineMissing())
    if review is None:
        missing.append(rules.ReviewDateMissing())
    if not quorum_ok:
        missing.append(rules.QuorumOutOfRange())
    if deadline is None or review is None or missing:
        return None, missing
    item = form.selected(ids.IN_DRIVER_ITEM)
    chosen = form.selected(ids.IN_WHO) == "chosen"
    return consent.Draft(
        title=form.text(ids.IN_TITLE) or "",
        text=form.text(ids.IN_PROPOSAL) or "",
        driver=form.text(ids.IN_DRIVER_TEXT),
        item_id=int(item) if item else None,
        responsibilities=form.text(ids.IN_RESPONSIBILITIES),
        evaluation=form.text(ids.IN_EVALUATION),
        review_date=review,
        deadline=deadline,
        # the essentials only: answers hidden until the close, as the full form's default
        hidden=views.OPTION_HIDDEN in form.selected_all(ids.IN_OPTIONS)
        or (meta.essentials and not form.raw(ids.IN_OPTIONS)),
        quorum=quorum,
        participants=form.users(ids.IN_PEOPLE) if chosen else ["(channel)"],
        proposal_id=meta.proposal_id,
        responsible_ids=form.users(ids.IN_RESPONSIBLE_PEOPLE),
        evolves_agreement_id=meta.evolves_agreement_id,
        answers_open_at=form.moment(ids.IN_QUESTIONS_UNTIL),
        ask_response=views.OPTION_RESPONSE in form.selected_all(ids.IN_OPTIONS),
    ), []


# ---------------------------------------------------------------- /consent and the proposal form


def show_proposal_form(body: dict[str, Any], client: WebClient, deps: Deps, args: Args) -> None:
    """The /consent form, prefilled with the command's text."""
    who = where(body)
    assert who.user_id and who.channel_id
    text = (body.get("text") or "").strip()[: rules.MAX_PROPOSAL_LENGTH]
    if reach.refuse_unreachable(
        args, deps, client, who.team_id, who.channel_id, join_action=ids.ACT_JOIN_FOR_CONSENT,
        text=text,
    ):  # fmt: skip
        return  # said before anything is typed, with how to add the bot
    deps.people.channels.of(client, who.team_id, who.channel_id)  # known when the form comes back
    meta = ConsentMeta(channel_id=who.channel_id, response_url=response_url(body), essentials=True)
    show_form(args, proposal_modal(deps, client, who.team_id, who.user_id, meta, {"text": text}))


def join_then_propose(body: dict[str, Any], client: WebClient, deps: Deps, args: Args) -> None:
    """ "Add the bot to this channel": join it, then open the /consent form there."""
    who = where(body)
    assert who.user_id
    joined = reach.join_from_button(args, deps, client, who.team_id)
    if joined is None:
        return
    meta = ConsentMeta(
        channel_id=joined.channel_id, response_url=response_url(body), essentials=True
    )
    initial = {"text": joined.text or ""}
    show_form(args, proposal_modal(deps, client, who.team_id, who.user_id, meta, initial))


def home_welcome_used(ack: Ack, body: dict[str, Any], deps: Deps) -> None:
    """The Home welcome's "Start a consent round": not shown again (stored first)."""
    who = where(body)
    welcome.home_welcome_done(
        deps.sessions, team_id=who.team_id, user_id=who.user_id or "", now=deps.clock()
    )
    ack()


def propose_from_home(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps, args: Args
) -> None:
    """The /consent form for the circle the Home button names; then the Home tab again."""
    who = where(body)
    channel_id = HomeValue.parse(action.get("value") or "").channel_id
    if channel_id is None or not who.user_id:
        raise StaleRequest()
    deps.people.channels.of(client, who.team_id, channel_id)  # known when the form comes back
    meta = ConsentMeta(channel_id=channel_id, essentials=True)
    show_form(args, proposal_modal(deps, client, who.team_id, who.user_id, meta, {"text": ""}))
    home.publish(deps, client, who.team_id, who.user_id)


def propose_from_meeting(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps, args: Args
) -> None:
    """ "Proposal formed: start a consent round" on a meeting's item: the /consent form with
    that item as its driver; the round then runs asynchronously, as any round."""
    who = where(body)
    value = MeetingStepValue.parse(action.get("value"))
    if value.item_id is None or not who.user_id:
        raise StaleRequest()
    item = backlog.get(deps.sessions, team_id=who.team_id, item_id=value.item_id)
    if not deps.people.channels.includes_now(client, who.team_id, item.channel_id, who.user_id):
        raise rules.NotAMember(item.channel_id)
    meta = ConsentMeta(
        channel_id=item.channel_id, response_url=response_url(body), essentials=True,
        meeting_id=value.meeting_id,
    )  # fmt: skip
    initial = {"item_id": item.id, "text": ""}
    show_form(args, proposal_modal(deps, client, who.team_id, who.user_id, meta, initial))


def show_more_options(body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """ "More options" in the proposal form: the same form with every field (views.update),
    what was typed kept."""
    who = where(body)
    view = body.get("view") or {}
    meta = metadata(view, ConsentMeta)
    if meta is None or not who.user_id or not view.get("id"):
        raise StaleRequest()
    form = Form(view)
    item = form.selected(ids.IN_DRIVER_ITEM)
    initial: dict[str, Any] = {
        "title": form.text(ids.IN_TITLE), "text": form.text(ids.IN_PROPOSAL),
        "driver": form.text(ids.IN_DRIVER_TEXT), "item_id": int(item) if item else None,
        "deadline": form.moment(ids.IN_DEADLINE),
    }  # fmt: skip
    if meta.review_default:
        initial["review_date"] = meta.review_default
    full = meta.model_copy(update={"essentials": False})
    modal = proposal_modal(deps, client, who.team_id, who.user_id, full, initial)
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=modal)
    except SlackApiError as exc:  # the form changed meanwhile (hash): it stays as it is
        log.info("more options not shown: %s", exc.response.get("error"))


def check_proposal(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, deps: Deps,
    args: Args,
) -> None:  # fmt: skip
    """Check every field, store the round (its message queued), then let the form close.

    No Slack call stands before the commit: the person's zone comes from the cache (the form
    was opened moments ago); a whole-channel round gets its people when its message is sent.
    """
    who = where(body)
    assert who.user_id
    meta = metadata(view, ConsentMeta)
    if meta is None:
        raise StaleRequest()
    if gone := reach.unreachable_now(deps, args.client, who.team_id, meta.channel_id, who.user_id):
        ack(response_action="errors", errors={ids.IN_PROPOSAL[0]: gone})  # nothing typed is lost
        return
    if not deps.people.channels.includes_now(
        args.client, who.team_id, meta.channel_id, who.user_id
    ):
        raise rules.NotAMember(meta.channel_id)  # checked at submit, not only at opening
    zone = deps.people.cached_zone(who.team_id, who.user_id)
    # Unknown zone: the earliest date anywhere on Earth now, so no valid review date is refused.
    today = (
        deps.clock().astimezone(zone).date()
        if zone
        else (deps.clock() - timedelta(hours=12)).date()
    )
    draft, problems = read_proposal(Form(view), meta)
    if draft is not None:
        problems = consent.problems(draft, now=deps.clock(), today=today)
    resolved, unresolved = read_resolutions(Form(view), meta, today)
    m = deps.people.cached_messages(who.team_id, who.user_id)
    if problems or unresolved or draft is None:
        names = {p.objector_id: _name(deps, None, who.team_id, p.objector_id) for p in unresolved}
        errors = {**views.field_errors(m, problems), **resolution_errors(m, unresolved, names)}
        ack(response_action="errors", errors=errors)
        return
    round_ = consent.open_round(
        deps.sessions, team_id=who.team_id, channel_id=meta.channel_id, author_id=who.user_id,
        draft=replace(draft, resolutions=resolved), now=deps.clock(), today=today,
        whole_channel=form_whole_channel(view), request_key=request_key(body),
        describe=lambda title, reason, how: meeting_item_text(m, title, reason, how),
        started_from=meeting.started_from(meta.meeting_id) if meta.meeting_id else None,
    )  # fmt: skip
    ack()
    context[OPENED] = round_
    context[AMENDED_FROM] = meta.dm if meta.dm and meta.dm[0].startswith("D") else None


def form_whole_channel(view: dict[str, Any]) -> bool:
    """Whether the whole channel answers (rather than the people chosen)."""
    return Form(view).selected(ids.IN_WHO) != "chosen"


def start_round(
    body: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps, args: Args
) -> None:
    """Post the stored round now (`bot.delivery.rounds.post_opened`); the author's result
    DM it was amended from says so, its buttons gone."""
    round_ = context.get(OPENED)
    opened.post_opened(args, deps, client, round_)
    if round_ is not None and round_.meeting_id is not None:
        _post_in_meeting(deps, round_.team_id, round_.meeting_id, round_.id)
    if round_ is not None and (source := context.get(AMENDED_FROM)):
        m = deps.people.user_messages(client, round_.team_id, round_.author_id)
        update_message(client, *source, *views.author_amended(m, round_.title, round_.version))


def _post_in_meeting(deps: Deps, team_id: str, meeting_id: int, round_id: int) -> None:
    """A round started from a meeting: the note in the meeting's thread, then the item the
    meeting moved on to (the outbox sweep retries what Slack refuses now)."""
    outbox.deliver_key(deps, team_id, meeting.round_started_key(meeting_id, round_id))
    try:
        view = meeting.load(deps.sessions, team_id=team_id, meeting_id=meeting_id)
    except DomainError:
        return
    if view.is_open:
        outbox.deliver_key(deps, team_id, meeting.step_key(view.id, view.step))


def show_withdrawn(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """Withdrawn from the author's result DM: the DM says so, its buttons gone."""
    source = dm_message(body, ids.BLOCK_AUTHOR_ACTIONS)
    who = where(body)
    if source is None or not who.user_id:
        return
    round_id = RoundValue.parse(action.get("value")).round_id
    round_ = consent.brief(deps.sessions, team_id=who.team_id, round_id=round_id)
    m = deps.people.user_messages(client, who.team_id, who.user_id)
    update_message(client, *source, *views.author_withdrew(m, round_.title))


# ---------------------------------------------------------------- the author's actions


def close_now(ack: Ack, body: dict[str, Any], action: dict[str, Any], deps: Deps) -> None:
    """The author closes the round before its deadline: stored, then acknowledged."""
    _request_close(body, action, deps, withdraw=False)
    ack()


def withdraw(ack: Ack, body: dict[str, Any], action: dict[str, Any], deps: Deps) -> None:
    """The author withdraws the proposal: stored, then acknowledged."""
    _request_close(body, action, deps, withdraw=True)
    ack()


def send_to_meeting(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """The author sends the round to the next governance meeting: stored, then acknowledged."""
    who = where(body)
    assert who.user_id
    context[SENT] = consent.send_to_meeting(
        deps.sessions, team_id=who.team_id, round_id=RoundValue.parse(action.get("value")).round_id,
        user_id=who.user_id, now=deps.clock(),
    )  # fmt: skip
    ack()


def tell_sent(context: BoltContext, args: Args) -> None:
    """Tell the author (only them) where the round goes; a second click says it went already."""
    if (sent := context.get(SENT)) is not None:
        tell(args, views.sent_to_meeting(messages_for(args), *sent))


def sweep_now(deps: Deps) -> None:
    """After the ack: close the round and tell everyone now, not at the next tick."""
    kick(deps)


def _request_close(
    body: dict[str, Any], action: dict[str, Any], deps: Deps, *, withdraw: bool
) -> None:
    who = where(body)
    assert who.user_id
    consent.request_close(
        deps.sessions, team_id=who.team_id, round_id=RoundValue.parse(action.get("value")).round_id, user_id=who.user_id,
        withdraw=withdraw, now=deps.clock(),
    )  # fmt: skip


def _amend_values(round_: consent.RoundView) -> dict[str, Any]:
    return {
        "title": round_.title,
        "text": round_.text,
        "driver": round_.driver,
        "responsibilities": round_.responsibilities,
        "evaluation": round_.evaluation,
        "responsible_ids": round_.responsible_ids,
        "review_date": round_.review_date,
        "hidden": round_.hidden,
        "ask_response": round_.ask_response,
        "quorum": round_.quorum,
    }


def show_amend_form(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps, args: Args
) -> None:
    """The proposal form for the next version, prefilled, with the objections to answer."""
    who = where(body)
    assert who.user_id
    round_ = consent.amendable(
        deps.sessions,
        team_id=who.team_id,
        round_id=RoundValue.parse(action.get("value")).round_id,
        user_id=who.user_id,
    )
    meta = ConsentMeta(
        channel_id=round_.channel_id, proposal_id=round_.proposal_id, version=round_.version + 1,
        response_url=response_url(body), dm=dm_message(body, ids.BLOCK_AUTHOR_ACTIONS),
    )  # fmt: skip
    open_ = [o for o in round_.objections if o.status in NEEDS_RESOLUTION][:MAX_RESOLVING]
    meta.resolving = [Resolving(objection_id=o.id, user_id=o.user_id) for o in open_]
    # Asked now (and cached), so the form's errors can name each objector without a call;
    # the objections beyond the form's room go to the meeting (named from the cache).
    objections = [
        (o, _name(deps, client if n < ids.RESOLUTION_SLOTS else None, who.team_id, o.user_id))
        for n, o in enumerate(open_)
    ]
    modal = proposal_modal(
        deps, client, who.team_id, who.user_id, meta, _amend_values(round_), objections=objections
    )
    show_form(args, modal)


# Objections an amend form carries: the first RESOLUTION_SLOTS with their fields, the rest
# (up to this many, within private_metadata's 3,000 characters) taken to the meeting.
MAX_RESOLVING = 50


def _name(deps: Deps, client: WebClient | None, team_id: str, user_id: str) -> str:
    """A person's display name: from Slack when a client is given (then cached), else the cache."""
    if client is not None:
        info = deps.people.user_info(client, team_id, user_id) or {}
    else:
        info = deps.people.cached(team_id, user_id) or {}
    profile = info.get("profile") or {}
    return profile.get("display_name") or info.get("real_name") or info.get("name") or user_id


def read_resolutions(
    form: Form, meta: ConsentMeta, today: date
) -> tuple[tuple[Resolved, ...], list[ResolutionProblem]]:
    """How the amendment resolves each open objection the form listed, or what is missing
    (checked again against the store when the round opens)."""
    found: list[Resolved] = []
    problems: list[ResolutionProblem] = []
    for slot, hint in enumerate(meta.resolving[:MAX_RESOLVING]):
        if slot >= ids.RESOLUTION_SLOTS:  # beyond the form's room: to the meeting, as it says
            found.append(Resolved(hint.objection_id, Resolution.MEETING))
            continue
        raw = form.selected(ids.IN_RES_KIND[slot])
        kind = Resolution(raw) if raw in set(Resolution) else None
        how, owner = form.text(ids.IN_RES_HOW[slot]), form.user(ids.IN_RES_OWNER[slot])
        on = form.date(ids.IN_RES_DATE[slot])
        missing = check_resolution(slot, hint.user_id, kind, how, owner, on, today)
        if missing or kind is None:
            problems += missing
            continue
        found.append(Resolved(hint.objection_id, kind, how, owner, on))
    return tuple(found), problems


def show_extend_form(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps, args: Args
) -> None:
    """The form for a new deadline."""
    who = where(body)
    assert who.user_id
    round_ = consent.extendable(
        deps.sessions,
        team_id=who.team_id,
        round_id=RoundValue.parse(action.get("value")).round_id,
        user_id=who.user_id,
    )
    m = deps.people.user_messages(client, who.team_id, who.user_id)
    zone = deps.people.zone(client, who.team_id, who.user_id)
    meta = ExtendMeta(
        round_id=round_.id, channel_id=who.channel_id, response_url=response_url(body)
    )
    deadline = rules.default_deadline(deps.clock(), str(zone))
    show_form(args, views.extend_modal(m, round_, deadline, meta.model_dump_json()))


def extend(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """Give the round its new deadline (reopening it when it closed without quorum)."""
    who = where(body)
    assert who.user_id
    meta = metadata(view, ExtendMeta)
    if meta is None:
        raise ValueError("the extend form carries no state")
    deadline = Form(view).moment(ids.IN_DEADLINE)
    if deadline is None:
        raise rules.DeadlineMissing()
    consent.extend(
        deps.sessions, team_id=who.team_id, round_id=meta.round_id, user_id=who.user_id,
        deadline=deadline, now=deps.clock(),
    )  # fmt: skip
    ack()
    context[EXTENDED] = True


def run_sweeps(context: BoltContext, deps: Deps) -> None:
    """After a new deadline: the round's message and sweeps catch up now."""
    if context.get(EXTENDED):
        kick(deps)
